"""Personal data in the store: the lookup keys and the normal forms they are taken of.

Names, phone numbers and companies of visitors are sealed at rest by the store's field cipher
(``privacy/fields.py``, in the repositories); lookups use the ``PersonalDataCodec``'s blind
``index`` (never the clear value, which no SQL can see any more).
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Protocol


class PersonalDataCodec(Protocol):
    def index(self, value: str) -> str:
        """A stable, non-reversible key for equality lookups."""
        ...


class PlainCodec:
    """The lookup index is a salted SHA-256 (tools and tests; the kiosk keys it, ``KeyedCodec``)."""

    def __init__(self, salt: str = "lobby-kiosk") -> None:
        self._salt = salt.encode()

    def index(self, value: str) -> str:
        return hashlib.sha256(self._salt + value.encode()).hexdigest()


def normalise_name(name: str) -> str:
    """Width-, case- and space-insensitive form of a name (for matching, never for display)."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in text if not ch.isspace() and ch not in "·.-_'’")


def normalise_phone(phone: str) -> str:
    """Digits with an optional leading +, mainland numbers without their +86 prefix."""
    if phone.isascii() and phone.isdigit():  # as typed on the kiosk's keypad: nothing to drop
        text = digits = phone
    else:
        text = unicodedata.normalize("NFKC", phone).strip()
        digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("+"):
        if digits.startswith("86") and len(digits) == 13:
            return digits[2:]
        return "+" + digits
    if digits.startswith("0086") and len(digits) == 15:
        return digits[4:]
    return digits
