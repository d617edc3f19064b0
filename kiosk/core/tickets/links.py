"""Department links: a signed token for one ticket's assignment, opened without logging in.

Built like the host reply links (``kiosk.core.notify.reply_links`` on ``signed_links``), with
the same key, the site's reply-link key (``KeyPurpose.REPLY_LINK``), and the same version
field, so head office verifies both with what it already has. The payload names the site, the
ticket, the department it was assigned to, an expiry and the key version; ``x`` marks it as a
ticket link, so neither kind of token is taken for the other. No personal data: links end up
in mail archives. Using a link twice for the same step, or after the ticket is resolved, is
refused by head office (``sync/server/ticket_links.py``), which sees the ticket's entries.
Pure functions; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.core import signed_links
from kiosk.core.config.errors import DeniedError
from kiosk.core.notify.reply_links import SERVER_PREFIX

TICKET_PATH = "/ticket/"
_MARK = "tk"
_VERSION = 1
_MAX_TOKEN = 1024


@dataclass(frozen=True, slots=True)
class TicketLink:
    site_id: str
    ticket_id: str
    department_id: str
    expires: int
    key_version: int = 1


def sign(key: bytes, link: TicketLink) -> str:
    body = {
        "v": _VERSION,
        "x": _MARK,
        "s": link.site_id,
        "t": link.ticket_id,
        "d": link.department_id,
        "e": link.expires,
    }
    if link.key_version != 1:
        body["k"] = link.key_version
    return signed_links.seal(key, body)


def _decode(token: str) -> tuple[str, dict, bytes]:
    return signed_links.split(
        token, max_length=_MAX_TOKEN, what="ticket link", error_key="ticket.page.invalid"
    )


def peek_key(token: str) -> tuple[str, int]:
    """The site and key version a token claims (unverified), to pick the verifying key."""
    body = _decode(token)[1]
    version, site = body.get("k", 1), body.get("s", "")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DeniedError("ticket link names no usable key", key="ticket.page.invalid")
    if not isinstance(site, str) or len(site) > 64:
        raise DeniedError("ticket link names no usable site", key="ticket.page.invalid")
    return site, version


def verify(key: bytes, token: str, *, now: datetime) -> TicketLink:
    """The link's content; ``DeniedError`` ``ticket.page.invalid`` (forged, altered, another
    kind of token) or ``ticket.page.expired``."""
    payload, body, mac = _decode(token)
    signed_links.check(key, payload, mac, what="ticket link", error_key="ticket.page.invalid")
    if body.get("v") != _VERSION or body.get("x") != _MARK:
        raise DeniedError("not a ticket link", key="ticket.page.invalid")
    try:
        link = TicketLink(
            site_id=str(body["s"]),
            ticket_id=str(body["t"]),
            department_id=str(body["d"]),
            expires=int(body["e"]),
            key_version=int(body.get("k", 1)),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise DeniedError("ticket link lacks a field", key="ticket.page.invalid") from e
    if now.timestamp() > link.expires:
        raise DeniedError("ticket link expired", key="ticket.page.expired")
    return link


def ticket_url(base_url: str, token: str) -> str:
    """``<head office>/api/v1/ticket/<token>``."""
    return f"{base_url.rstrip('/')}{SERVER_PREFIX}{TICKET_PATH}{token}"
