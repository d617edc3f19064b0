"""A spreadsheet of guests to invite (CSV, UTF-8 or GB18030 as Excel saves it): one invitation
per good row, one problem per bad row, as the directory import reports them.

Columns (Chinese or English headers, compared without case or spaces): name / 姓名 (required),
phone / 手机, company / 单位, host / 被访人 (a host's id or name at the site), day / 日期
(YYYY-MM-DD; empty: any day), email / 邮箱 (the invitation is mailed there), language / 语言
(zh / 中文 or en / English: the mail's language; empty: the page's). A cell a spreadsheet would
run as a formula is refused, as everywhere else (read by ``sheets.read_rows``).

Must never: write anything (``plan_guests`` only reads); evaluate a cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kiosk.core.config.errors import ValidationError

from ..invitation_mail import check_address
from .sheets import aliases, phone_cell, read_rows, refuse_formula

MAX_GUESTS = 2000
HEADERS = {
    "name": ("name", "visitorname", "姓名", "访客姓名"),
    "phone": ("phone", "mobile", "手机", "手机号", "电话"),
    "company": ("company", "单位", "公司"),
    "host": ("host", "被访人", "接待人"),
    "day": ("day", "date", "日期", "来访日期"),
    "email": ("email", "e-mail", "mail", "邮箱", "电子邮件", "电子邮箱"),
    "language": ("language", "lang", "语言"),
}
#: what a language cell may say, compared in lower case
LANGUAGE_CELLS = {
    "zh": "zh_CN",
    "zh_cn": "zh_CN",
    "zh-cn": "zh_CN",
    "chinese": "zh_CN",
    "中文": "zh_CN",
    "en": "en",
    "english": "en",
    "英文": "en",
    "英语": "en",
}
_BY_ALIAS = aliases(HEADERS)


@dataclass(frozen=True, slots=True)
class Guest:
    row: int
    name: str
    phone: str
    company: str
    host_id: str | None
    day: date | None
    email: str = ""
    #: "zh_CN", "en", or "" (the page's language)
    language: str = ""


def plan_guests(data: bytes, hosts: dict[str, str]) -> tuple[list[Guest], list[str]]:
    """The good rows and one line per refused row (``row 3, phone: …``); ``hosts`` maps each
    id and name of the site's hosts to the host's id. ``ValidationError`` for a file that
    cannot be read at all."""
    return read_rows(
        data,
        by_alias=_BY_ALIAS,
        needs=("name",),
        missing="no name column (name or 姓名)",
        most=MAX_GUESTS,
        noun="guests",
        row=lambda number, values: _guest(number, values, hosts),
    )


def _guest(number: int, values: dict[str, str], hosts: dict[str, str]) -> Guest:
    for field, text in values.items():
        refuse_formula(field, text)
        if len(text) > 200:
            raise ValueError(f"{field}: longer than 200 characters")
    name = values.get("name", "")
    if not name:
        raise ValueError("name: empty")
    phone = phone_cell(values.get("phone", ""))
    host = values.get("host", "")
    host_id = hosts.get(host) if host else None
    if host and host_id is None:
        raise ValueError(f"host: no host {host!r} at this site")
    day_text = values.get("day", "")
    try:
        day = date.fromisoformat(day_text) if day_text else None
    except ValueError as e:
        raise ValueError(f"day: {day_text!r} is not a date (YYYY-MM-DD)") from e
    email = values.get("email", "")
    if email:
        try:
            email = check_address(email)
        except ValidationError as e:
            raise ValueError(f"email: {email[:60]!r} is not an e-mail address") from e
    lang_text = values.get("language", "")
    language = LANGUAGE_CELLS.get(lang_text.lower(), "") if lang_text else ""
    if lang_text and not language:
        raise ValueError(f"language: {lang_text[:20]!r} is neither zh nor en")
    company = values.get("company", "")
    return Guest(number, name, phone, company, host_id, day, email, language)
