"""An uploaded spreadsheet (CSV, UTF-8 or GB18030 as Excel saves it, read by the directory
reader's ``decode``), row by row, for the dashboard's imports (the guest file, the watchlist
file): one value per good row and one problem line per refused row (``row 3, phone: …``).

Columns are found by their headers in Chinese or English, compared without case or spaces
(``header_key``); a cell a spreadsheet would run as a formula is refused, as everywhere else.

Must never: write anything; evaluate a cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from typing import TypeVar

from kiosk.core.config.errors import ValidationError
from kiosk.core.directory.file import MAX_FILE_BYTES, decode
from kiosk.core.directory.headers import header_key
from kiosk.core.visits.validation import parse_phone

T = TypeVar("T")


def aliases(headers: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Each header a column may have (as ``header_key`` folds it) -> the column's field."""
    return {header_key(a): field for field, names in headers.items() for a in names}


def read_rows(
    data: bytes,
    *,
    by_alias: Mapping[str, str],
    needs: tuple[str, ...],
    missing: str,
    most: int,
    noun: str,
    row: Callable[[int, dict[str, str]], T],
) -> tuple[list[T], list[str]]:
    """``row(number, {field: cell})`` for each non-blank row (numbered as the spreadsheet
    shows it, the header being row 1); a ``ValueError`` it raises is that row's problem. At
    most ``most`` rows (``noun``: what the limit's line calls them). ``ValidationError`` for a
    file that cannot be read at all, or whose header has none of the ``needs`` columns
    (``missing`` says which were looked for)."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(f"larger than {MAX_FILE_BYTES} bytes")
    text, _ = decode(data)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise ValidationError("the file is empty")
    columns = [by_alias.get(header_key(h)) for h in header]
    if not any(field in columns for field in needs):
        raise ValidationError(missing)
    good: list[T] = []
    problems: list[str] = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(good) + len(problems) >= most:
            problems.append(f"row {number}: more than {most} {noun}; the rest left out")
            break
        values = {f: c.strip() for f, c in zip(columns, cells, strict=False) if f}
        try:
            good.append(row(number, values))
        except ValueError as e:
            problems.append(f"row {number}, {e}")
    return good, problems


def refuse_formula(field: str, text: str) -> None:
    """``ValueError`` for a cell a spreadsheet would run as a formula (``=``, ``@``; ``+`` and
    ``-`` too, but in a phone cell, where ``+86`` is a number)."""
    if text[:1] in ("=", "@") or (text[:1] in ("+", "-") and field != "phone"):
        raise ValueError(f"{field}: {text[:40]!r} looks like a spreadsheet formula; refused")


def phone_cell(text: str) -> str:
    """A phone cell as the kiosks store it (empty stays empty); ``ValueError`` if it is none."""
    if not text:
        return ""
    try:
        return parse_phone(text).normalised
    except ValidationError as e:
        raise ValueError(f"phone: {text!r} is not a phone number") from e
