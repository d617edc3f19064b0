"""Checks on what a visitor types: phone numbers, names, companies and invitation codes.

Each validator returns the cleaned value or raises
:class:`~kiosk.core.config.errors.ValidationError` with ``field`` set and a ``message_key`` from
``input.po`` (both languages), so the screen shows a calm, specific hint. Nothing else ever escapes,
whatever the text (emoji, control characters, megabytes of it).

Phone numbers: ``parse_phone`` accepts mainland mobile numbers (11 digits, ``1[3-9]…``, with or
without ``+86``/``0086``) and international numbers in E.164 form (``+``, country code not
starting with 0, 8 to 15 digits in all). Spaces, dashes, dots, brackets and full-width digits
are fine. ``kiosk.core.store.records.normalise_phone`` gives the same ``normalised`` form for every
number accepted here (a property test holds them together).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from kiosk.core.config.errors import ValidationError

NAME_MAX = 60
COMPANY_MAX = 100
CODE_MIN = 4
CODE_MAX = 16
# longer input is not a phone number; refuse it before doing any work on it
_PHONE_MAX_INPUT = 40
_PHONE_SEPARATORS = frozenset(" -.()/\u2010\u2011\u2012\u2013\u2014\u2212\u00a0\u3000")
# character categories a printed badge cannot show: controls, format, private use, surrogates,
# unassigned code points, and pictographic symbols (emoji)
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "So"})
# zero-width (non-)joiners are format characters that Persian and Indic names need
_ALLOWED_FORMAT = frozenset("\u200c\u200d")


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone number a visitor typed, understood.

    ``normalised`` is what the kiosk stores and looks up (mainland mobiles as 11 digits,
    others as ``+`` and digits); ``e164`` is the international form for SMS gateways.
    """

    normalised: str
    e164: str
    mainland: bool

    @property
    def masked(self) -> str:
        """For the screen and the badge: "138****5678", "+44******0958" (never in full)."""
        digits = self.normalised
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def parse_phone(text: str) -> Phone:
    """A mainland mobile or an international (E.164) number, or ``ValidationError``.

    Keys: ``input.phone_empty``, ``input.phone_chars`` (letters or symbols),
    ``input.phone_mainland`` (a mainland number that is not 11 digits starting 13–19),
    ``input.phone_international`` (``+`` with too few or too many digits, or country code 0),
    ``input.phone_invalid`` (anything else).
    """
    if not isinstance(text, str):
        raise ValidationError("not text", field="phone", key="input.phone_invalid")
    if len(text) > _PHONE_MAX_INPUT * 4:
        raise ValidationError("too long", field="phone", key="input.phone_invalid")
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if not cleaned:
        raise ValidationError("empty", field="phone", key="input.phone_empty")
    plus = cleaned.startswith("+")
    body = cleaned[1:] if plus else cleaned
    digits: list[str] = []
    for ch in body:
        if "0" <= ch <= "9":
            digits.append(ch)
        elif ch not in _PHONE_SEPARATORS:
            raise ValidationError(f"unexpected {ch!r}", field="phone", key="input.phone_chars")
    number = "".join(digits)
    if not number:
        raise ValidationError("no digits", field="phone", key="input.phone_invalid")
    if len(number) > _PHONE_MAX_INPUT:
        raise ValidationError("too many digits", field="phone", key="input.phone_invalid")

    if plus:
        if number.startswith("86"):
            return _mainland(number[2:], key="input.phone_mainland")
        if number[0] == "0" or not 8 <= len(number) <= 15:
            raise ValidationError("not E.164", field="phone", key="input.phone_international")
        return Phone(normalised="+" + number, e164="+" + number, mainland=False)
    if number.startswith("0086"):
        return _mainland(number[4:], key="input.phone_mainland")
    if number.startswith("00"):
        # an international call prefix: the visitor should use + instead
        raise ValidationError("00 prefix", field="phone", key="input.phone_international")
    return _mainland(number, key="input.phone_mainland")


def _mainland(number: str, *, key: str) -> Phone:
    if len(number) == 11 and number[0] == "1" and number[1] in "3456789":
        return Phone(normalised=number, e164="+86" + number, mainland=True)
    raise ValidationError("not a mainland mobile", field="phone", key=key)


def validate_name(text: str) -> str:
    """A visitor's name: trimmed, inner spaces collapsed, 1–60 characters, any script.

    It must contain at least one letter (not only digits or punctuation) and no control
    characters or emoji. Keys: ``input.name_empty``, ``input.name_too_long``,
    ``input.name_no_letters``, ``input.name_chars``.
    """
    name = _clean(text, field="name", max_len=NAME_MAX)
    if not name:
        raise ValidationError("empty", field="name", key="input.name_empty")
    if not any(unicodedata.category(ch).startswith("L") for ch in name):
        raise ValidationError("no letters", field="name", key="input.name_no_letters")
    return name


def validate_company(text: str) -> str:
    """A company name, optional: ``""`` when blank, else trimmed and at most 100 characters.

    Keys: ``input.company_too_long``, ``input.company_chars``.
    """
    return _clean(text, field="company", max_len=COMPANY_MAX)


def validate_code(text: str) -> str:
    """An invitation or short code: 4–16 letters and digits, returned upper-case.

    Spaces and dashes between groups are ignored ("ab12-cd34" -> "AB12CD34"); full-width
    characters count as their ASCII forms. Keys: ``input.code_empty``, ``input.code_length``,
    ``input.code_chars``.
    """
    if not isinstance(text, str):
        raise ValidationError("not text", field="code", key="input.code_chars")
    if len(text) > CODE_MAX * 8:
        raise ValidationError("too long", field="code", key="input.code_length")
    cleaned = unicodedata.normalize("NFKC", text)
    code: list[str] = []
    for ch in cleaned:
        if ch.isspace() or ch in "-_":
            continue
        if not (ch.isascii() and ch.isalnum()):
            raise ValidationError(f"unexpected {ch!r}", field="code", key="input.code_chars")
        code.append(ch.upper())
    if not code:
        raise ValidationError("empty", field="code", key="input.code_empty")
    if not CODE_MIN <= len(code) <= CODE_MAX:
        raise ValidationError(
            "wrong length", field="code", key="input.code_length", min=CODE_MIN, max=CODE_MAX
        )
    return "".join(code)


def _clean(text: str, *, field: str, max_len: int) -> str:
    """NFC, trimmed, runs of whitespace as one space; refuses controls, emoji, too long."""
    if not isinstance(text, str):
        raise ValidationError("not text", field=field, key=f"input.{field}_chars")
    if len(text) > max_len * 8:
        raise ValidationError("too long", field=field, key=f"input.{field}_too_long", max=max_len)
    words = unicodedata.normalize("NFC", text).split()
    cleaned = " ".join(words)
    for ch in cleaned:
        if unicodedata.category(ch) in _BAD_CATEGORIES and ch not in _ALLOWED_FORMAT:
            raise ValidationError(f"unexpected {ch!r}", field=field, key=f"input.{field}_chars")
    if len(cleaned) > max_len:
        raise ValidationError("too long", field=field, key=f"input.{field}_too_long", max=max_len)
    return cleaned
