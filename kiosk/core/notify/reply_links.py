"""Reply links: signed, expiring tokens a host taps to answer "I'm coming" / "Please wait".

A token is ``<payload>.<signature>``, both base64url without padding. The payload is compact
JSON naming the site, the visit, the reply, the minutes, who it was sent to, an expiry (Unix
seconds) and a reply id; the signature is HMAC-SHA256 over the payload text with the site's
reply key. The two links of one message share their reply id, so the head-office server, which
records each reply id once, accepts only the first tap (single use).

Keys: the site's reply-link key (``keys.KeyPurpose.REPLY_LINK``), derived at head office from
its master secret; a kiosk only ever holds its own site's key, so a leaked kiosk cannot forge
replies for another site. A token names its key's version (``k``, absent for version 1), so a
link sent before a rotation still verifies. Tokens carry no personal data: they end up in mail
archives.
Pure functions; no I/O.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from kiosk.core import signed_links
from kiosk.core.config.errors import DeniedError
from kiosk.core.keys.hierarchy import (
    parse_key as parse_key,  # where the notify worker has long imported it
)

REPLIES = ("coming", "wait")
#: where head office serves the links: its API prefix (``sync.protocol.API_PREFIX``, a test
#: checks they agree) and the reply route of ``sync/server/replies.py``
SERVER_PREFIX = "/api/v1"
REPLY_PATH = "/reply/"
_VERSION = 1
_MAX_TOKEN = 1024


@dataclass(frozen=True, slots=True)
class ReplyToken:
    """What a reply link says, once its signature is checked."""

    site_id: str
    visit_id: str
    reply: str
    minutes: int
    #: who the link was sent to: "host:<id>" or "department:<id>"
    recipient: str
    #: shared by both links of one message; head office records it once
    reply_id: str
    expires: int
    #: the version of the site's reply-link key that signed it
    key_version: int = 1


def new_reply_id() -> str:
    return secrets.token_urlsafe(12)


def sign(key: bytes, token: ReplyToken) -> str:
    """The token text for a link."""
    if token.reply not in REPLIES:
        raise ValueError(f"unknown reply {token.reply!r}")
    body = {
        "v": _VERSION,
        "s": token.site_id,
        "i": token.visit_id,
        "r": token.reply,
        "m": token.minutes,
        "to": token.recipient,
        "n": token.reply_id,
        "e": token.expires,
    }
    if token.key_version != 1:
        body["k"] = token.key_version
    return signed_links.seal(key, body)


def peek_key(token: str) -> tuple[str, int]:
    """The site and key version a token claims (unverified): they pick the key to verify it
    with. ``DeniedError`` if the token is malformed."""
    body = _decode(token)[1]
    version = body.get("k", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DeniedError("reply token names no usable key version", key="notify.page.invalid")
    site = body.get("s", "")
    if not isinstance(site, str) or len(site) > 64:
        raise DeniedError("reply token names no usable site", key="notify.page.invalid")
    return site, version


def _decode(token: str) -> tuple[str, dict, bytes]:
    return signed_links.split(
        token, max_length=_MAX_TOKEN, what="reply token", error_key="notify.page.invalid"
    )


def verify(key: bytes, token: str, *, now: datetime) -> ReplyToken:
    """The token's content if the signature is right and it has not expired.

    ``DeniedError`` with key ``notify.page.invalid`` (forged, altered, malformed) or
    ``notify.page.expired``. Single use is the server's job (it records reply ids).
    """
    payload, body, mac = _decode(token)
    signed_links.check(key, payload, mac, what="reply token", error_key="notify.page.invalid")
    try:
        parsed = ReplyToken(
            site_id=str(body["s"]),
            visit_id=str(body["i"]),
            reply=str(body["r"]),
            minutes=int(body["m"]),
            recipient=str(body["to"]),
            reply_id=str(body["n"]),
            expires=int(body["e"]),
            key_version=int(body.get("k", 1)),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise DeniedError("reply token lacks a field", key="notify.page.invalid") from e
    if body.get("v") != _VERSION or parsed.reply not in REPLIES or not 0 <= parsed.minutes <= 240:
        raise DeniedError("reply token has an unknown form", key="notify.page.invalid")
    if now.timestamp() > parsed.expires:
        raise DeniedError("reply token expired", key="notify.page.expired")
    return parsed


def reply_url(base_url: str, token: str) -> str:
    """The link a host taps: ``<head office>/api/v1/reply/<token>``."""
    return f"{base_url.rstrip('/')}{SERVER_PREFIX}{REPLY_PATH}{token}"
