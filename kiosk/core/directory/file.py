"""Reading a directory file: departments and hosts, as JSON or as a spreadsheet's CSV.

One reader for ``kiosk import-directory``, ``kiosk-server import-directory`` and the demo. It
turns bytes into clean records and a list of problems, one per bad cell (row, column, reason);
it never writes anything and imports no Kivy. Checking the records against a database (unknown
departments, delegates, what would change) is ``directory_plan``; the format is documented in
docs/head-office.md ("The directory file").

Rules that hold whatever the input:
- The file is checked for size before it is read, and each cell for length before it is used.
- The encoding is decided for the whole file: UTF-8 (with or without BOM), else GB18030 (what
  Excel on Chinese Windows saves), else one clear error. Never guessed row by row.
- Cells are text and are never evaluated. A cell that a spreadsheet would run as a formula
  (``=HYPERLINK(…)``, ``@SUM(…)``, ``+cmd…``) is refused with a row error rather than stored:
  head office exports the directory back to spreadsheets, where it would run.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.core.config.errors import ValidationError
from kiosk.core.directory.headers import DEPARTMENT_HEADERS, HOST_HEADERS, header_key
from kiosk.core.visits.validation import parse_phone

FORMAT = "lobby-kiosk-directory/1"
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
#: no cell is longer than this (characters), whatever its column
MAX_CELL = 4000
MAX_URLS = 20
MAX_URL = 2000
#: the same limits as head office's columns (sync/server/models.py)
LIMITS = {"id": 64, "name_zh": 200, "name_en": 200, "floor": 32, "room": 32, "email": 200}
ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:\-]+$")
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+$")
# a desk phone or extension: digits with the usual separators, optionally +, 3 to 20 digits
_DESK_PHONE = re.compile(r"^\+?[0-9 ()\-./]+$")
_SCIENTIFIC = re.compile(r"^[0-9](\.[0-9]+)?[eE]\+?[0-9]+$")

HOST_FIELDS = (
    "id",
    "department",
    "name_zh",
    "name_en",
    "floor",
    "room",
    "email",
    "phone",
    "language",
    "away",
    "delegate",
    "notify_urls",
)
DEPARTMENT_FIELDS = ("id", "name_zh", "name_en", "floor", "room")

_LANGUAGES = {"": "zh_CN", "zh_cn": "zh_CN", "zh": "zh_CN", "中文": "zh_CN", "en": "en"}
_LANGUAGES |= {"english": "en", "英文": "en", "英语": "en"}
_TRUE = {"1", "true", "yes", "y", "是", "x"}
_FALSE = {"", "0", "false", "no", "n", "否"}


class DirectoryFileError(ValidationError):
    """The file as a whole cannot be read (size, encoding, not JSON, no header): nothing used."""

    message_key = "error.invalid"


@dataclass(frozen=True, slots=True)
class Problem:
    """One refused cell or row: ``where`` is "row 5" (CSV, as the spreadsheet numbers it) or
    "hosts[3]" (JSON); the row is left out, the others are kept."""

    where: str
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}, {self.column}: {self.reason}" if self.column else self.where


@dataclass(frozen=True, slots=True)
class Record:
    """One clean department or host, in the file's field names; ``where`` as in ``Problem``.
    Once planned (``directory_plan``), ``values`` holds every field."""

    where: str
    values: Mapping[str, Any]

    @property
    def id(self) -> str:
        return str(self.values["id"])


@dataclass
class DirectoryFile:
    """What a file holds once read: clean records, refused rows and notes for the operator."""

    departments: list[Record] = field(default_factory=list)
    hosts: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: the JSON file's ``site`` object, if any
    site: dict[str, str] | None = None
    encoding: str = "utf-8"


def read_directory_file(path: Path | str) -> DirectoryFile:
    """Read ``path`` (``.json``, else CSV); ``DirectoryFileError`` when it cannot be used."""
    path = Path(path)
    try:
        if not path.is_file():
            raise DirectoryFileError(f"{path}: not a file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DirectoryFileError(
                f"{path}: {size} bytes; a directory file may be at most {MAX_FILE_BYTES} bytes"
            )
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise DirectoryFileError(f"{path}: cannot read it: {e.strerror or e}") from e
    try:
        return parse_directory(data, json_format=path.suffix.lower() == ".json")
    except DirectoryFileError as e:
        raise DirectoryFileError(f"{path}: {e.detail}") from e


def parse_directory(data: bytes, *, json_format: bool | None = None) -> DirectoryFile:
    """Parse a file's bytes. ``json_format`` None: JSON when the text starts with ``{``."""
    if len(data) > MAX_FILE_BYTES:
        raise DirectoryFileError(f"larger than {MAX_FILE_BYTES} bytes")
    text, encoding = decode(data)
    if json_format is None:
        json_format = text.lstrip().startswith("{")
    out = parse_json(text) if json_format else parse_csv(text)
    out.encoding = encoding
    return out


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and its encoding: ``utf-8-sig``, ``utf-8`` or ``gb18030``."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise DirectoryFileError(
            "the file is UTF-16 (Excel's 'Unicode text'); save it as 'CSV UTF-8' or as CSV"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise DirectoryFileError(f"starts as UTF-8 but byte {e.start + 3} is not") from e
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise DirectoryFileError(
        "the file is neither UTF-8 nor GB18030 text; save it from the spreadsheet as "
        "'CSV UTF-8' (or CSV on Chinese Windows)"
    )


# -- CSV -------------------------------------------------------------------------------------
def parse_csv(text: str) -> DirectoryFile:
    """Rows of hosts (a ``department`` column) or of departments (no such column)."""
    out = DirectoryFile()
    try:
        rows = csv.reader(io.StringIO(text, newline=""))
        header = next(rows, None)
        if header is None or not any(cell.strip() for cell in header):
            raise DirectoryFileError("the file is empty: the first row must name the columns")
        keys = [header_key(h) for h in header]
        hosts = any(k in HOST_HEADERS["department"] for k in keys)
        aliases = HOST_HEADERS if hosts else DEPARTMENT_HEADERS
        columns = _columns(header, keys, aliases, out)
        required = ("id", "department") if hosts else ("id",)
        missing = [f for f in required if f not in columns.values()]
        if missing or not {"name_zh", "name_en"} & set(columns.values()):
            wanted = ", ".join([*missing, "name_zh or name_en"])
            raise DirectoryFileError(f"the first row must name the columns {wanted}")
        target = out.hosts if hosts else out.departments
        for number, row in enumerate(rows, start=2):
            if number > MAX_ROWS + 1:
                raise DirectoryFileError(f"more than {MAX_ROWS} rows")
            if not any(cell.strip() for cell in row):
                continue
            raw = {columns[i]: cell for i, cell in enumerate(row) if i in columns}
            record = _clean(raw, f"row {number}", hosts=hosts, problems=out.problems)
            if record is not None:
                target.append(record)
    except csv.Error as e:
        raise DirectoryFileError(f"not a readable CSV file: {e}") from e
    return out


def _columns(
    header: list[str], keys: list[str], aliases: Mapping[str, tuple[str, ...]], out: DirectoryFile
) -> dict[int, str]:
    lookup = {alias: name for name, names in aliases.items() for alias in names}
    columns: dict[int, str] = {}
    for i, key in enumerate(keys):
        name = lookup.get(key)
        if name is None:
            if key:
                out.warnings.append(
                    f"column {header[i].strip()!r} is not a directory field; ignored"
                )
            continue
        if name in columns.values():
            raise DirectoryFileError(f"two columns mean {name} (the second is {header[i]!r})")
        columns[i] = name
    return columns


# -- JSON ------------------------------------------------------------------------------------
def parse_json(text: str) -> DirectoryFile:
    """The ``lobby-kiosk-directory/1`` document: ``site``, ``departments``, ``hosts``."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise DirectoryFileError(f"not valid JSON: {e}") from e
    return parse_document(data)


def parse_document(data: Any) -> DirectoryFile:
    """A decoded JSON directory document (the demo's, or a file's)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DirectoryFileError(f'not a directory file (expected "format": "{FORMAT}")')
    out = DirectoryFile()
    site = data.get("site")
    if isinstance(site, dict) and all(isinstance(v, str) for v in site.values()):
        out.site = dict(site)
    for kind, target in (("departments", out.departments), ("hosts", out.hosts)):
        items = data.get(kind, [])
        if not isinstance(items, list) or len(items) > MAX_ROWS:
            raise DirectoryFileError(f'"{kind}" must be a list of at most {MAX_ROWS} objects')
        for i, item in enumerate(items):
            where = f"{kind}[{i}]"
            if not isinstance(item, dict):
                out.problems.append(Problem(where, "", "not an object"))
                continue
            raw = {
                k: v
                for k, v in item.items()
                if k in (HOST_FIELDS if kind == "hosts" else DEPARTMENT_FIELDS)
            }
            record = _clean(raw, where, hosts=kind == "hosts", problems=out.problems)
            if record is not None:
                target.append(record)
    return out


# -- cells -----------------------------------------------------------------------------------
def _clean(
    raw: Mapping[str, Any], where: str, *, hosts: bool, problems: list[Problem]
) -> Record | None:
    """The row's clean values, or None with its problems added (every bad cell, not the first).

    Only the fields the row has: a column (or JSON key) the file leaves out keeps the stored
    value, and a new record gets the default (``directory_plan``)."""
    found: list[Problem] = []
    values: dict[str, Any] = {}
    for name in HOST_FIELDS if hosts else DEPARTMENT_FIELDS:
        if name not in raw and name not in ("id", "department"):
            continue  # a column the file does not have: the stored value stays
        try:
            values[name] = _cell(name, raw.get(name))
        except ValueError as e:
            found.append(Problem(where, name, str(e)))
    if not found:
        if not values["id"]:
            found.append(Problem(where, "id", "empty"))
        if hosts and not values["department"]:
            found.append(Problem(where, "department", "empty"))
        if hosts and values.get("delegate") == values["id"]:
            found.append(Problem(where, "delegate", "a host cannot be their own delegate"))
    if found:
        problems.extend(found)
        return None
    return Record(where, values)


def _cell(name: str, cell: Any) -> Any:
    """One cell as its field's value, or ``ValueError`` saying why not (the cell shortened)."""
    if name == "away" and isinstance(cell, bool):
        return cell
    if name == "notify_urls" and isinstance(cell, list):
        if not all(isinstance(u, str) for u in cell):
            raise ValueError("must be a list of URLs (text)")
        return _urls(cell)
    if cell is None:
        cell = ""
    if isinstance(cell, int | float) and not isinstance(cell, bool) and name in ("floor", "room"):
        cell = str(cell)
    if not isinstance(cell, str):
        raise ValueError(f"must be text, not {type(cell).__name__}")
    if len(cell) > MAX_CELL:
        raise ValueError(f"{len(cell)} characters; a cell may have at most {MAX_CELL}")
    text = unicodedata.normalize("NFC", cell).strip()
    if text[:1] in ("=", "@") or (text[:1] in ("+", "-") and name != "phone"):
        raise ValueError(f"{_show(text)} looks like a spreadsheet formula; refused (enter text)")
    if any(unicodedata.category(c) in ("Cc", "Cf") and c not in "\u200c\u200d\n" for c in text):
        raise ValueError("contains control characters")
    if name == "notify_urls":
        return _urls(text.split())
    text = " ".join(text.split())
    limit = LIMITS.get(name)
    if limit is not None and len(text) > limit:
        raise ValueError(f"{len(text)} characters; at most {limit}")
    if name in ("id", "department", "delegate") and text and not ID_PATTERN.match(text):
        if name == "department":
            return text  # a department may be named by its name; resolved later
        raise ValueError(f"{_show(text)}: use letters, digits and . _ : - only")
    if name == "email":
        return _email(text)
    if name == "phone":
        return _phone(text)
    if name == "language":
        if text.lower() not in _LANGUAGES:
            raise ValueError(f"{_show(text)}: use zh_CN or en")
        return _LANGUAGES[text.lower()]
    if name == "away":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ValueError(f"{_show(text)}: use yes/no (是/否) or 1/0")
    return text


def _email(text: str) -> str:
    if text and (len(text) > LIMITS["email"] or not EMAIL_PATTERN.match(text)):
        raise ValueError(f"{_show(text)} is not an e-mail address (name@example.com)")
    return text


def _phone(text: str) -> str:
    if not text:
        return ""
    if _SCIENTIFIC.match(text):
        raise ValueError(
            f"{_show(text)}: the spreadsheet shortened the number; format the column as text"
        )
    try:
        return parse_phone(text).normalised
    except ValidationError:
        pass
    digits = sum(c.isdigit() for c in text)
    if len(text) <= 64 and _DESK_PHONE.match(text) and 3 <= digits <= 20:
        return text  # a desk number or extension, kept as written
    raise ValueError(f"{_show(text)} is not a phone number")


def _urls(urls: list[str]) -> tuple[str, ...]:
    urls = [u.strip() for u in urls if u.strip()]
    if len(urls) > MAX_URLS:
        raise ValueError(f"{len(urls)} URLs; at most {MAX_URLS}")
    for u in urls:
        if len(u) > MAX_URL:
            raise ValueError(f"a URL of {len(u)} characters; at most {MAX_URL}")
        if "://" not in u:
            raise ValueError(
                f"{_show(u)} is not a notification URL (an e-mail address goes in the email column)"
            )
    return tuple(dict.fromkeys(urls))


def _show(text: str) -> str:
    """A cell as an error line shows it: quoted, at most 40 characters, never a URL's secret."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", text):
        from kiosk.core.notify.channels import redact_url

        text = redact_url(text)
    return repr(text if len(text) <= 40 else text[:37] + "…")
