"""Compact signed tokens for links people open: ``<payload>.<signature>``.

Both parts are base64url without padding; the payload is compact JSON, the signature
HMAC-SHA256 over the payload text, optionally truncated (RFC 2104 §5) so a QR code stays
coarse. Reply links (``reply_links.py``) and route links (``route_links.py``) are built on
this; each adds its own fields, checks and message keys. Pure functions; no I/O.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from kiosk.core.config.errors import DeniedError


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mac(key: bytes, payload: str, *, size: int = 32) -> bytes:
    return hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()[:size]


def seal(key: bytes, body: dict[str, Any], *, mac_size: int = 32) -> str:
    """The token text for ``body`` signed with ``key``."""
    payload = b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{payload}.{b64(mac(key, payload, size=mac_size))}"


def split(
    token: str, *, max_length: int, what: str, error_key: str
) -> tuple[str, dict[str, Any], bytes]:
    """(payload text, body, signature) of a token, unverified; ``DeniedError`` if malformed."""
    if not token or len(token) > max_length or token.count(".") != 1:
        raise DeniedError(f"malformed {what}", key=error_key)
    payload, signature = token.split(".")
    try:
        body = json.loads(unb64(payload))
        signed = unb64(signature)
    except (binascii.Error, ValueError, UnicodeDecodeError) as e:
        raise DeniedError(f"malformed {what}", key=error_key) from e
    if not isinstance(body, dict):
        raise DeniedError(f"malformed {what}", key=error_key)
    return payload, body, signed


def check(
    key: bytes, payload: str, signed: bytes, *, mac_size: int = 32, what: str, error_key: str
) -> None:
    """``DeniedError`` unless ``signed`` is ``payload``'s signature under ``key``."""
    if not hmac.compare_digest(signed, mac(key, payload, size=mac_size)):
        raise DeniedError(f"{what} signature does not match", key=error_key)
