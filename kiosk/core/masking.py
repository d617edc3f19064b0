"""Masking personal data for display: enough to recognise, not to read.

Pure functions (no settings, no store), so head office masks the visitor directory it sends
kiosks (``sync/server/visitor_directory.py``) exactly as a kiosk's screen masks it.
"""

from __future__ import annotations


def mask_name(name: str) -> str:
    """张伟 → 张*, 欧阳娜娜 → 欧***, Zhang Wei → Z**** W**: enough to recognise, not to read."""
    name = name.strip()
    if not name:
        return ""
    if max(name) > "\u2e80" and " " not in name:  # a character past U+2E80: CJK
        return name[0] + "*" * max(1, len(name) - 1)
    return " ".join(w[0] + "*" * max(1, len(w) - 1) for w in name.split())


def mask_text(text: str) -> str:
    text = text.strip()
    if len(text) <= 1:
        return text
    return text[0] + "*" * (len(text) - 1)


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


__all__ = ["mask_name", "mask_phone", "mask_text"]
