"""Compact signed tokens for links people open: ``<payload>.<signature>``.

Both parts are base64url without padding; the payload is compact JSON, the signature
HMAC-SHA256 over the payload text, optionally truncated (RFC 2104 §5) so a QR code stays
coarse. Reply links (``reply_links.py``) and route links (``route_links.py``) are built on
this; each adds its own fields, checks and message keys.

The links a person opens on head office's pages, signed with the site's reply-link key
(``KeyPurpose.REPLY_LINK``), are one ``LinkKind`` each: the host's reply links
(``notify/reply_links.py``), the department's ticket links (``tickets/links.py``) and the host's
roll-call links (``emergency/host_links.py``). Their bodies share ``v`` (the format), ``s`` (the
site), ``e`` (the expiry, Unix seconds) and ``k`` (the key version, absent for 1); a kind with a
mark also carries ``x``, so no other kind's token is taken for it. Pure functions; no I/O.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
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


#: where head office serves the links: its API prefix (``sync.protocol.API_PREFIX``, a test
#: checks they agree)
SERVER_PREFIX = "/api/v1"


@dataclass(frozen=True, slots=True)
class LinkKind:
    """One kind of link signed with the site's reply-link key."""

    #: how its errors name it ("ticket link")
    what: str
    #: the message keys of a forged, altered or malformed link, and of an expired one
    invalid: str
    expired: str
    #: its route under ``SERVER_PREFIX`` ("/ticket/")
    path: str
    #: ``x``: "" for the reply links, which came first and carry none
    mark: str = ""
    version: int = 1
    max_length: int = 1024

    def seal(self, key: bytes, fields: dict[str, Any], *, key_version: int = 1) -> str:
        """The token for ``fields`` (which name the site as ``s`` and the expiry as ``e``)."""
        body: dict[str, Any] = {"v": self.version, **({"x": self.mark} if self.mark else {})}
        body.update(fields)
        if key_version != 1:
            body["k"] = key_version
        return seal(key, body)

    def decode(self, token: str) -> tuple[str, dict[str, Any], bytes]:
        return split(token, max_length=self.max_length, what=self.what, error_key=self.invalid)

    def peek_key(self, token: str, *, named_site: bool = False) -> tuple[str, int]:
        """The site and key version a token claims (unverified): they pick the key to verify
        it with. ``named_site``: an empty site is refused too."""
        body = self.decode(token)[1]
        version, site = body.get("k", 1), body.get("s", "")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise DeniedError(f"{self.what} names no usable key", key=self.invalid)
        if not isinstance(site, str) or len(site) > 64 or (named_site and not site):
            raise DeniedError(f"{self.what} names no usable site", key=self.invalid)
        return site, version

    def open(self, key: bytes, token: str) -> dict[str, Any]:
        """The body of a token signed with ``key`` and of this kind (its version and mark);
        ``DeniedError`` (``invalid``) otherwise. The caller reads its fields, then calls
        ``unexpired``."""
        payload, body, signed = self.decode(token)
        check(key, payload, signed, what=self.what, error_key=self.invalid)
        if body.get("v") != self.version or body.get("x", "") != self.mark:
            raise DeniedError(f"not a {self.what}", key=self.invalid)
        return body

    def lacks_a_field(self) -> DeniedError:
        """The error for a signed body without one of its fields (raise it from the cause)."""
        return DeniedError(f"{self.what} lacks a field", key=self.invalid)

    def unexpired(self, expires: int, now: datetime) -> None:
        if now.timestamp() > expires:
            raise DeniedError(f"{self.what} expired", key=self.expired)

    def url(self, base_url: str, token: str) -> str:
        """``<head office>/api/v1<path><token>``."""
        return f"{base_url.rstrip('/')}{SERVER_PREFIX}{self.path}{token}"
