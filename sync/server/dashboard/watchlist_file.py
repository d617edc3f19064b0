"""A spreadsheet of watchlist entries (CSV, UTF-8 or GB18030 as Excel saves it): one entry per
good row, one problem per bad row, as the guest file and the directory import report them
(read by ``sheets.read_rows``).

Columns (Chinese or English headers, compared without case or spaces): name / 姓名, phone /
手机 (one of the two required), reason / 原因, until / 有效期至 (YYYY-MM-DD: the entry ends at the
end of that day; empty: no end; a day already past is refused). A cell a spreadsheet would run
as a formula is refused, as everywhere else.

Must never: write anything (``plan_entries`` only reads); evaluate a cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .sheets import aliases, phone_cell, read_rows, refuse_formula

MAX_ENTRIES = 2000
HEADERS = {
    "name": ("name", "姓名"),
    "phone": ("phone", "mobile", "手机", "手机号", "电话"),
    "reason": ("reason", "原因", "理由"),
    "until": ("until", "expires", "listeduntil", "有效期至", "截止日期"),
}
_BY_ALIAS = aliases(HEADERS)


@dataclass(frozen=True, slots=True)
class Listed:
    row: int
    name: str
    phone: str
    reason: str
    #: the last day the entry matches (None: no end)
    until: date | None


def plan_entries(data: bytes, *, today: date) -> tuple[list[Listed], list[str]]:
    """The good rows and one line per refused row (``row 3, phone: …``); ``today`` is the
    site's day (an end before it is refused). ``ValidationError`` for an unreadable file."""
    return read_rows(
        data,
        by_alias=_BY_ALIAS,
        needs=("name", "phone"),
        missing="no name or phone column (name / 姓名, phone / 手机)",
        most=MAX_ENTRIES,
        noun="entries",
        row=lambda number, values: _entry(number, values, today),
    )


def _entry(number: int, values: dict[str, str], today: date) -> Listed:
    for field, text in values.items():
        refuse_formula(field, text)
        if len(text) > (2000 if field == "reason" else 200):
            raise ValueError(f"{field}: too long")
    name, phone = values.get("name", ""), values.get("phone", "")
    if not name and not phone:
        raise ValueError("name: a name or a phone number is needed")
    phone = phone_cell(phone)
    until_text = values.get("until", "")
    try:
        until = date.fromisoformat(until_text) if until_text else None
    except ValueError as e:
        raise ValueError(f"until: {until_text!r} is not a date (YYYY-MM-DD)") from e
    if until is not None and until < today:
        raise ValueError(f"until: {until_text} has already passed")
    return Listed(number, name, phone, values.get("reason", ""), until)
