"""The directory-file reader and the import plan: encodings, headers, bad cells, bad rows."""

from __future__ import annotations

import contextlib
import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core.config.errors import ConfigError
from kiosk.core.directory.demo import DEMO_DIR
from kiosk.core.directory.file import (
    MAX_CELL,
    MAX_FILE_BYTES,
    DirectoryFileError,
    parse_csv,
    parse_directory,
    read_directory_file,
)
from kiosk.core.directory.plan import Existing, plan_import
from kiosk.core.notify.channels import FakeNotifier, check_mail_server, host_channels, mail_url

HEADER = "工号,姓名,英文名,部门,邮箱,手机\n"
RND = {"rnd": {"name_zh": "研发部", "name_en": "R&D", "floor": "5", "room": "503"}}


def _plan(text: str, **existing):
    return plan_import(parse_directory(text.encode()), Existing(departments=RND, **existing))


def test_the_demo_file_reads_clean() -> None:
    f = read_directory_file(DEMO_DIR / "directory.json")
    assert (len(f.departments), len(f.hosts), f.problems) == (10, 42, [])
    assert f.site and f.site["id"] == "demo"


@pytest.mark.parametrize(
    ("encoding", "prefix", "name"),
    [("gb18030", b"", "gb18030"), ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"), ("utf-8", b"", "utf-8")],
)
def test_chinese_names_round_trip_in_every_spreadsheet_encoding(encoding, prefix, name) -> None:
    text = HEADER + "h1,欧阳娜娜,Ouyang Nana,研发部,nana@corp.example,+86 138-0000-0001\r\n"
    f = parse_directory(prefix + text.encode(encoding))
    assert f.encoding == name and f.problems == []
    [host] = f.hosts
    assert host.values["name_zh"] == "欧阳娜娜" and host.values["department"] == "研发部"
    assert host.values["phone"] == "13800000001"
    plan = plan_import(f, Existing(departments=RND))
    assert plan.hosts[0].values["department"] == "rnd"  # named by its Chinese name


@pytest.mark.parametrize(
    "data",
    [
        b"id,name_zh,department\nh1,\x80\xff,rnd\n",  # neither UTF-8 nor GB18030
        "id,name_zh,department\n".encode("utf-16"),  # Excel's "Unicode text"
        b"\xef\xbb\xbfid,name_zh\n\xff\n",  # a UTF-8 BOM, then not UTF-8
    ],
)
def test_a_wrong_encoding_is_one_clear_error(data: bytes) -> None:
    with pytest.raises(DirectoryFileError) as e:
        parse_directory(data)
    assert "UTF" in e.value.detail


def test_bad_rows_are_refused_one_per_cell_and_good_rows_kept() -> None:
    plan = _plan(
        HEADER
        + "h1,李娜,Li Na,rnd,li@corp.example,13800000001\n"
        + 'h2,=HYPERLINK("http://x"),,rnd,,\n'
        + "h3,王伟,,rnd,not-mail,1.38E+10\n"
        + "h4,张敏,,finance,,\n"
        + "h5,赵丽,,rnd,,abc\n"
        + "h6,@SUM(A1),,rnd,,\n"
    )
    assert [r.id for r in plan.hosts] == ["h1"]
    shown = [str(p) for p in sorted(plan.problems, key=lambda p: p.where)]
    assert shown == [
        "row 3, name_zh: '=HYPERLINK(\"http://x\")' looks like a spreadsheet formula; refused "
        "(enter text)",
        "row 4, email: 'not-mail' is not an e-mail address (name@example.com)",
        "row 4, phone: '1.38E+10': the spreadsheet shortened the number; format the column as text",
        "row 5, department: no department 'finance' at this site",
        "row 6, phone: 'abc' is not a phone number",
        "row 7, name_zh: '@SUM(A1)' looks like a spreadsheet formula; refused (enter text)",
    ]


def test_a_repeated_id_refuses_every_row_that_has_it() -> None:
    plan = _plan(HEADER + "h1,李娜,,rnd,,\nh2,王伟,,rnd,,\nh1,张敏,,rnd,,\n")
    assert [r.id for r in plan.hosts] == ["h2"]
    assert [str(p) for p in plan.problems] == [
        "row 2, id: host id 'h1' appears 2 times",
        "row 4, id: host id 'h1' appears 2 times",
    ]


def test_ids_of_another_site_and_stranded_delegates_are_refused() -> None:
    text = "id,name_zh,department,delegate\nh1,李娜,rnd,h2\nh2,王伟,rnd,h3\nh3,张敏,rnd,\n"
    plan = _plan(text, taken_hosts={"h3": "other"})
    # h3 belongs to another site; so h2's delegate is gone, and then h1's
    assert plan.hosts == []
    assert [p.column for p in plan.problems] == ["id", "delegate", "delegate"]


def test_missing_columns_keep_stored_values_and_dry_run_counts() -> None:
    stored = {
        "h1": {"department": "rnd", "name_zh": "李娜", "room": "503", "phone": "13800000001"},
        "h2": {"department": "rnd", "name_zh": "王伟"},
    }
    plan = _plan("id,name_zh,department\nh1,李娜,rnd\nh2,王伟伟,rnd\nh3,张敏,rnd\n", hosts=stored)
    assert (plan.host_changes.added, plan.host_changes.changed) == (["h3"], ["h2"])
    assert plan.host_changes.unchanged == ["h1"]
    assert plan.host_changes.line("hosts") == "hosts: 1 added (h3), 1 changed (h2), 1 unchanged"
    assert [r.id for r in plan.hosts] == ["h2", "h3"]  # only what changes is written


def test_file_and_cell_sizes_are_checked_before_work(tmp_path) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    with pytest.raises(DirectoryFileError, match="at most"):
        read_directory_file(big)
    f = parse_csv(HEADER + "h1," + "李" * (MAX_CELL + 1) + ",,rnd,,\n")
    assert f.hosts == [] and "at most" in f.problems[0].reason


def test_notify_urls_are_checked_and_an_address_is_not_a_url() -> None:
    f = parse_directory(b"id,name_zh,department,notify_urls\nh1,A,rnd,li@corp.example\n")
    assert "not a notification URL" in f.problems[0].reason
    text = "id,name_zh,department,notify_urls\nh1,A,rnd,bad://x  wecombot://k\n"
    plan = plan_import(
        parse_directory(text.encode()),
        Existing(departments=RND),
        validate_url=FakeNotifier(bad={"bad://"}).validate,
    )
    assert plan.hosts == [] and plan.problems[0].column == "notify_urls"


def test_the_no_mail_server_warning() -> None:
    f = parse_directory((HEADER + "h1,李娜,,rnd,li@corp.example,\n").encode())
    plan = plan_import(f, Existing(departments=RND), mail_server_set=False)
    assert plan.warnings == [
        "1 hosts have an e-mail address but no mail server is set: they will not be notified "
        "by e-mail (set [notify] mail_server, docs/notifications.md)"
    ]
    assert plan_import(f, Existing(departments=RND), mail_server_set=True).warnings == []


def test_a_hosts_email_becomes_a_channel_through_the_mail_server() -> None:
    base = "mailtos://kiosk:pw@smtp.corp.example:465?mode=ssl&from=kiosk@corp.example"
    assert mail_url(base, "li+x@corp.example") == base + "&to=li%2Bx@corp.example"
    assert host_channels(("json://h/x",), "li@corp.example", base) == (
        "json://h/x",
        base + "&to=li@corp.example",
    )
    assert host_channels(("json://h/x",), "li@corp.example", "") == ("json://h/x",)
    check_mail_server(FakeNotifier(), base)
    for bad in (base + "&to=desk@corp.example", "json://relay/x"):
        with pytest.raises(ConfigError, match=r"notify\.mail_server"):
            check_mail_server(FakeNotifier(), bad)


cells = st.text(max_size=60)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(cells, min_size=1, max_size=8), max_size=6), st.booleans())
def test_any_text_in_any_cell_never_crashes_the_csv_reader(rows, hosts: bool) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "name_zh", "name_en", "department" if hosts else "floor", "phone"])
    writer.writerows(rows)
    for data in (out.getvalue().encode("utf-8"), out.getvalue().encode("gb18030")):
        try:
            f = parse_directory(data)
        except DirectoryFileError:
            continue
        for record in f.hosts + f.departments:
            # a kept cell is the text written, only trimmed (never evaluated or reformatted)
            row = rows[int(record.where.split()[1]) - 2]
            if len(row) > 1 and record.values.get("name_zh"):
                assert record.values["name_zh"] == " ".join(row[1].split())
        plan_import(f, Existing(departments=RND))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_are_a_file_error_or_a_result(data: bytes) -> None:
    with contextlib.suppress(DirectoryFileError):
        parse_directory(data)
