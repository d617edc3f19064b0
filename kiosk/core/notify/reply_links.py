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
archives. One ``signed_links.LinkKind``, as the ticket and roll-call links are.
Pure functions; no I/O.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from kiosk.core.config.errors import DeniedError
from kiosk.core.keys.hierarchy import (
    parse_key as parse_key,  # where the notify worker has long imported it
)
from kiosk.core.signed_links import SERVER_PREFIX as SERVER_PREFIX
from kiosk.core.signed_links import LinkKind

REPLIES = ("coming", "wait")
#: the reply route of ``sync/server/replies.py``
REPLY_PATH = "/reply/"
KIND = LinkKind(
    what="reply token",
    invalid="notify.page.invalid",
    expired="notify.page.expired",
    path=REPLY_PATH,
)


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
    fields = {
        "s": token.site_id,
        "i": token.visit_id,
        "r": token.reply,
        "m": token.minutes,
        "to": token.recipient,
        "n": token.reply_id,
        "e": token.expires,
    }
    return KIND.seal(key, fields, key_version=token.key_version)


def peek_key(token: str) -> tuple[str, int]:
    """The site and key version a token claims (unverified): they pick the key to verify it
    with. ``DeniedError`` if the token is malformed."""
    return KIND.peek_key(token)


def verify(key: bytes, token: str, *, now: datetime) -> ReplyToken:
    """The token's content if the signature is right and it has not expired.

    ``DeniedError`` with key ``notify.page.invalid`` (forged, altered, malformed) or
    ``notify.page.expired``. Single use is the server's job (it records reply ids).
    """
    body = KIND.open(key, token)
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
        raise KIND.lacks_a_field() from e
    if parsed.reply not in REPLIES or not 0 <= parsed.minutes <= 240:
        raise DeniedError("reply token has an unknown form", key=KIND.invalid)
    KIND.unexpired(parsed.expires, now)
    return parsed


def reply_url(base_url: str, token: str) -> str:
    """The link a host taps: ``<head office>/api/v1/reply/<token>``."""
    return KIND.url(base_url, token)
