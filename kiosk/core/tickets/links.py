"""Department links: a signed token for one ticket's assignment, opened without logging in.

One ``signed_links.LinkKind``, as the host reply links are, with the same key, the site's
reply-link key (``KeyPurpose.REPLY_LINK``), so head office verifies both with what it already
has. The payload names the site, the ticket, the department it was assigned to, an expiry and
the key version; ``x`` marks it as a ticket link, so neither kind of token is taken for the
other. No personal data: links end up in mail archives. Using a link twice for the same step,
or after the ticket is resolved, is refused by head office (``sync/server/ticket_links.py``),
which sees the ticket's entries. Pure functions; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.core.signed_links import LinkKind

TICKET_PATH = "/ticket/"
KIND = LinkKind(
    what="ticket link",
    invalid="ticket.page.invalid",
    expired="ticket.page.expired",
    path=TICKET_PATH,
    mark="tk",
)


@dataclass(frozen=True, slots=True)
class TicketLink:
    site_id: str
    ticket_id: str
    department_id: str
    expires: int
    key_version: int = 1


def sign(key: bytes, link: TicketLink) -> str:
    fields = {"s": link.site_id, "t": link.ticket_id, "d": link.department_id, "e": link.expires}
    return KIND.seal(key, fields, key_version=link.key_version)


def peek_key(token: str) -> tuple[str, int]:
    """The site and key version a token claims (unverified), to pick the verifying key."""
    return KIND.peek_key(token)


def verify(key: bytes, token: str, *, now: datetime) -> TicketLink:
    """The link's content; ``DeniedError`` ``ticket.page.invalid`` (forged, altered, another
    kind of token) or ``ticket.page.expired``."""
    body = KIND.open(key, token)
    try:
        link = TicketLink(
            site_id=str(body["s"]),
            ticket_id=str(body["t"]),
            department_id=str(body["d"]),
            expires=int(body["e"]),
            key_version=int(body.get("k", 1)),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise KIND.lacks_a_field() from e
    KIND.unexpired(link.expires, now)
    return link


def ticket_url(base_url: str, token: str) -> str:
    """``<head office>/api/v1/ticket/<token>``."""
    return KIND.url(base_url, token)
