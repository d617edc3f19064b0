"""A spreadsheet of watchlist entries (CSV, UTF-8 or GB18030 as Excel saves it): one entry per
good row, one problem per bad row, as the guest file and the directory import report them.

Columns (Chinese or English headers, compared without case or spaces): name / 姓名, phone /
手机 (one of the two required), reason / 原因, until / 有效期至 (YYYY-MM-DD: the entry ends at the
end of that day; empty: no end; a day already past is refused). A cell a spreadsheet would run
as a formula is refused, as everywhere else. The decoding is the directory reader's.

Must never: write anything (``plan_entries`` only reads); evaluate a cell.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from kiosk.core.config.errors import ValidationError
from kiosk.core.directory.file import MAX_FILE_BYTES, decode
from kiosk.core.directory.headers import header_key
from kiosk.core.visits.validation import parse_phone

MAX_ENTRIES = 2000
HEADERS = {
    "name": ("name", "姓名"),
    "phone": ("phone", "mobile", "手机", "手机号", "电话"),
    "reason": ("reason", "原因", "理由"),
    "until": ("until", "expires", "listeduntil", "有效期至", "截止日期"),
}
_BY_ALIAS = {header_key(a): field for field, aliases in HEADERS.items() for a in aliases}


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
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(f"larger than {MAX_FILE_BYTES} bytes")
    text, _ = decode(data)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise ValidationError("the file is empty")
    columns = [_BY_ALIAS.get(header_key(h)) for h in header]
    if "name" not in columns and "phone" not in columns:
        raise ValidationError("no name or phone column (name / 姓名, phone / 手机)")
    entries: list[Listed] = []
    problems: list[str] = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(entries) + len(problems) >= MAX_ENTRIES:
            problems.append(f"row {number}: more than {MAX_ENTRIES} entries; the rest left out")
            break
        values = {f: c.strip() for f, c in zip(columns, cells, strict=False) if f}
        try:
            entries.append(_entry(number, values, today))
        except ValueError as e:
            problems.append(f"row {number}, {e}")
    return entries, problems


def _entry(number: int, values: dict[str, str], today: date) -> Listed:
    for field, text in values.items():
        if text[:1] in ("=", "@") or (text[:1] in ("+", "-") and field != "phone"):
            raise ValueError(f"{field}: {text[:40]!r} looks like a spreadsheet formula; refused")
        if len(text) > (2000 if field == "reason" else 200):
            raise ValueError(f"{field}: too long")
    name, phone = values.get("name", ""), values.get("phone", "")
    if not name and not phone:
        raise ValueError("name: a name or a phone number is needed")
    if phone:
        try:
            phone = parse_phone(phone).normalised
        except ValidationError as e:
            raise ValueError(f"phone: {phone!r} is not a phone number") from e
    until_text = values.get("until", "")
    try:
        until = date.fromisoformat(until_text) if until_text else None
    except ValueError as e:
        raise ValueError(f"until: {until_text!r} is not a date (YYYY-MM-DD)") from e
    if until is not None and until < today:
        raise ValueError(f"until: {until_text} has already passed")
    return Listed(number, name, phone, values.get("reason", ""), until)
