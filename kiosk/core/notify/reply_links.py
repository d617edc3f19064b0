"""Reply links: signed, expiring tokens a host taps to answer "I'm coming" / "Please wait".

A token is ``<payload>.<signature>``, both base64url without padding. The payload is compact
JSON naming the site, the visit, the reply, the minutes, who it was sent to, an expiry (Unix
seconds) and a reply id; the signature is HMAC-SHA256 over the payload text with the site's
reply key. The two links of one message share their reply id, so the head-office server, which
records each reply id once, accepts only the first tap (single use).

Per-site keys: head office holds one master secret and derives each site's key from it
(``site_key``); a kiosk only ever holds its own site's key, so a leaked kiosk cannot forge
replies for another site. Tokens carry no personal data: they end up in mail archives.
Pure functions; no I/O.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from kiosk.core import signed_links
from kiosk.core.config.errors import DeniedError

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


def site_key(master_secret: bytes, site_id: str) -> bytes:
    """The reply key of one site, derived from head office's master secret."""
    return hmac.new(master_secret, b"reply-link/v1/" + site_id.encode("utf-8"), "sha256").digest()


def parse_key(hex_key: str) -> bytes:
    """A key as written in settings (hex); ``ValueError`` if it is not one."""
    key = bytes.fromhex(hex_key.strip())
    if len(key) < 16:
        raise ValueError("a reply key needs at least 16 bytes (32 hex digits)")
    return key


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
    return signed_links.seal(key, body)


def peek_site(token: str) -> str:
    """The site a token claims to be for (unverified): picks the key to verify it with."""
    return _decode(token)[1].get("s", "") if token else ""


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
