"""ID card numbers (居民身份证号码, GB 11643-1999): checked, masked. Pure: no store, no clock.

Only asked for where a site turned on ``[checkin] id_numbers`` (``docs/privacy.md``): under PIPL
art. 28 they are sensitive personal information. ``validate_id_number`` accepts 18 characters,
17 digits and a check character (a digit or ``X``) that matches the ISO 7064 MOD 11-2 checksum;
spaces are ignored and a lower-case ``x`` is read as ``X``. Whatever the text, it returns the
number or raises ``ValidationError`` with a catalogue key, never the value in a message.
``mask_id_number`` is how a number is ever shown: the first four and the last four characters.

Must never: log a number, import Kivy.
"""

from __future__ import annotations

from kiosk.core.config.errors import ValidationError

LENGTH = 18
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
#: the key of the message a number that is not one shows (both catalogues, checkin.po)
INVALID = "checkin.invalid.id_number"


def check_character(first17: str) -> str:
    """The check character of the first 17 digits (GB 11643: ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def validate_id_number(text: str) -> str:
    """The number, upper-cased and without spaces, or ValidationError(``INVALID``)."""
    if len(text) > 64:  # longer input is not an ID number: no work on it
        raise ValidationError(field="id_number", key=INVALID)
    number = "".join(text.split()).upper()
    head, last = number[:-1], number[-1:]
    ascii_digits = head.isascii() and head.isdigit()
    if len(number) != LENGTH or not ascii_digits or last not in "0123456789X":
        raise ValidationError(field="id_number", key=INVALID)
    if check_character(head) != last:
        raise ValidationError(field="id_number", key=INVALID)
    return number


def mask_id_number(number: str) -> str:
    """``1101**********1234``: all but the first and last four hidden; '' stays ''."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
