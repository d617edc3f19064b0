"""Secrets: kiosk tokens, admin tokens and one-time enrollment codes.

Only SHA-256 digests are stored. The secrets are 256-bit random values, so a plain digest is
enough (no password hashing needed) and lets a token be found with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets

KIOSK_TOKEN_PREFIX = "kt_"
ADMIN_TOKEN_PREFIX = "at_"
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_kiosk_token() -> str:
    return KIOSK_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_admin_token() -> str:
    return ADMIN_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_enrollment_code() -> str:
    """Twelve characters in groups of four, e.g. ``K7QM-2XTP-9HRD`` (about 60 bits)."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(code: str) -> str:
    text = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{text[:4]}-{text[4:8]}-{text[8:]}" if len(text) == 12 else text
