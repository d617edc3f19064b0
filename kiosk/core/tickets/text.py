"""What the desk or a visitor types into a ticket, cleaned and bounded before it is stored.

Control characters (C0, C1, DEL and the bidirectional overrides that can disguise text) are
removed; one-line fields also lose line breaks and surrounding space. Text is stored as typed
otherwise: HTML is kept as text (no screen renders markup from a ticket; the department page
escapes it) and a leading ``=``/``+``/``-``/``@`` is kept (an export neutralises formula
cells where it writes them). Too long is refused with a translated message, not cut: a
receptionist must not lose the end of a complaint without knowing.
"""

from __future__ import annotations

import re
import unicodedata

from kiosk.core.config.errors import ValidationError

DETAILS_MAX = 10_000
LINE_MAX = 200
LONG_LINE_MAX = 500
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)}


def _strip_controls(text: str, *, keep_lines: bool) -> str:
    kept = []
    for ch in text:
        if keep_lines and ch in "\n\t":
            kept.append(ch)
        elif ch in _BIDI or unicodedata.category(ch) == "Cc":
            if ch in "\r\n\t":
                kept.append("\n" if keep_lines else " ")
        else:
            kept.append(ch)
    return "".join(kept)


def line(value: str, *, field: str, limit: int = LINE_MAX, required: bool = False) -> str:
    """A one-line field (subject, place, name, contact)."""
    text = re.sub(r"\s+", " ", _strip_controls(value or "", keep_lines=False)).strip()
    if required and not text:
        raise ValidationError(f"{field} is empty", field=field, key="ticket.text_required")
    if len(text) > limit:
        raise ValidationError(
            f"{field}: {len(text)} characters", field=field, key="ticket.too_long", limit=limit
        )
    return text


def block(value: str, *, field: str, limit: int = DETAILS_MAX) -> str:
    """A multi-line field (details, progress, what the client was told)."""
    text = _strip_controls((value or "").replace("\r\n", "\n"), keep_lines=True).strip()
    text = re.sub(r"\n{3,}", "\n\n", text)
    if len(text) > limit:
        raise ValidationError(
            f"{field}: {len(text)} characters", field=field, key="ticket.too_long", limit=limit
        )
    return text
