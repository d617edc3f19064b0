"""Staff PINs: checked for shape, hashed with argon2id after a keyed HMAC with the site pepper.

``HMAC-SHA256(pepper, pin)`` first, then argon2id of that: a copied database alone (without
the pepper, which never lives in it) gives nothing to search 10^6 PINs against; with the
pepper, each guess still costs one argon2 run. Head office hashes the PINs it manages the
same way with the same site pepper (``KeyPurpose.STAFF_PIN``), so one hash works at every
kiosk of the site.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kiosk.core.config.errors import ValidationError

MIN_DIGITS = 6
MAX_DIGITS = 12
#: OWASP's minimum for argon2id (19 MiB, 2 passes): about 30 ms a check here
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def validate_pin(pin: str) -> str:
    """The PIN as digits; ``ValidationError`` (``reception.pin_too_short`` / ``pin_digits``)."""
    text = unicodedata.normalize("NFKC", pin).strip()
    if not text.isdigit() or not text.isascii():
        raise ValidationError("a PIN is digits only", field="pin", key="reception.pin_digits")
    if len(text) < MIN_DIGITS:
        raise ValidationError(
            f"a PIN has at least {MIN_DIGITS} digits", field="pin", key="reception.pin_too_short"
        )
    if len(text) > MAX_DIGITS:
        raise ValidationError(
            f"a PIN has at most {MAX_DIGITS} digits", field="pin", key="reception.pin_too_long"
        )
    if len(set(text)) == 1 or text in "01234567890123" or text in "98765432109876":
        raise ValidationError(
            "a PIN of one repeated digit or a run is too easy to guess",
            field="pin",
            key="reception.pin_too_easy",
        )
    return text


def _peppered(pin: str, pepper: bytes) -> str:
    return hmac.new(pepper, pin.encode(), hashlib.sha256).hexdigest()


def hash_pin(pin: str, pepper: bytes) -> str:
    """The stored form of a valid PIN (``ValidationError`` for one that is not)."""
    return _HASHER.hash(_peppered(validate_pin(pin), pepper))


def verify_pin(pin: str, pin_hash: str, pepper: bytes) -> bool:
    """True when ``pin`` is the PIN ``pin_hash`` was made from with this pepper."""
    if not pin.isdigit():
        return False
    try:
        return _HASHER.verify(pin_hash, _peppered(pin, pepper))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
