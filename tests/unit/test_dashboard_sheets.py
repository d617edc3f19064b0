"""The dashboard's spreadsheet imports (``sync/server/dashboard/sheets.py`` and the guest and
watchlist files read through it): row numbers as the spreadsheet shows them, blank rows
skipped, one problem per refused row, formulas refused but a ``+86`` phone, the row limit, and
files that cannot be read at all."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.core.config.errors import ValidationError
from kiosk.core.directory.file import MAX_FILE_BYTES
from sync.server.dashboard import guest_file, watchlist_file
from sync.server.dashboard.sheets import aliases, read_rows

TODAY = date(2026, 12, 2)


def test_guest_rows_keep_their_numbers_and_each_refusal_says_why() -> None:
    sheet = (
        "访客姓名,手机,被访人,日期,Language\r\n"
        "韩梅梅,+86 138 1234 5678,李娜,2026-12-03,中文\r\n"
        ",,,,\r\n"
        "=cmd(),,,,\r\n"
        "Jim,12,,,\r\n"
        "Lucy,,nobody,,\r\n"
        "Lily,,h1,2026-02-30,\r\n"
        "Tom,,,,fr\r\n"
    ).encode("gb18030")
    guests, problems = guest_file.plan_guests(sheet, {"李娜": "h1", "h1": "h1"})
    [han] = guests
    assert (han.row, han.name, han.phone, han.host_id) == (2, "韩梅梅", "13812345678", "h1")
    assert han.day == date(2026, 12, 3) and han.language == "zh_CN"
    assert [p.split(",")[0] for p in problems] == ["row 4", "row 5", "row 6", "row 7", "row 8"]
    assert "formula" in problems[0] and "phone" in problems[1] and "host" in problems[2]
    assert "day" in problems[3] and "language" in problems[4]


def test_watchlist_rows_need_a_name_or_a_phone_and_an_end_not_past() -> None:
    sheet = (
        "姓名,手机,原因,有效期至\r\n甲,,闯入,2026-12-31\r\n,13600001234,,\r\n乙,,x,2020-01-01\r\n,,r,\r\n"
    ).encode()
    entries, problems = watchlist_file.plan_entries(sheet, today=TODAY)
    assert [(e.row, e.name or e.phone, e.until) for e in entries] == [
        (2, "甲", date(2026, 12, 31)),
        (3, "13600001234", None),
    ]
    assert problems == [
        "row 4, until: 2020-01-01 has already passed",
        "row 5, name: a name or a phone number is needed",
    ]


def test_files_that_cannot_be_read_at_all() -> None:
    with pytest.raises(ValidationError, match="empty"):
        guest_file.plan_guests(b"", {})
    with pytest.raises(ValidationError, match="no name column"):
        guest_file.plan_guests(b"phone\r\n13812345678\r\n", {})
    with pytest.raises(ValidationError, match="no name or phone column"):
        watchlist_file.plan_entries(b"reason\r\nx\r\n", today=TODAY)
    with pytest.raises(ValidationError, match="larger than"):
        watchlist_file.plan_entries(b"name\r\n" + b"x" * MAX_FILE_BYTES, today=TODAY)


def test_rows_past_the_limit_are_left_out_with_one_line() -> None:
    data = ("name\r\n" + "".join(f"n{i}\r\n" for i in range(5))).encode()
    good, problems = read_rows(
        data,
        by_alias=aliases({"name": ("name",)}),
        needs=("name",),
        missing="no name column",
        most=3,
        noun="names",
        row=lambda number, values: (number, values["name"]),
    )
    assert good == [(2, "n0"), (3, "n1"), (4, "n2")]
    assert problems == ["row 5: more than 3 names; the rest left out"]
