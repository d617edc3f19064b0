"""Host roll-call links: a signed, expiring token that lets a host mark their own visitors
accounted for or missing from their phone, on a page head office serves.

One ``signed_links.LinkKind``, as the department links (``kiosk.core.tickets.links``) are,
with the site's reply-link key (``KeyPurpose.REPLY_LINK``) and its version field, so head
office checks it with what it already holds. The payload names the site, the incident (its
start's entry id), the host's directory id, an expiry and the key version; ``x`` marks it as
a roll-call link, so a reply or ticket link never marks and this one never replies. No
personal data: links end up in mail archives. Head office refuses a link once its incident
has ended (``sync/server/host_marks.py``). Pure functions; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.core.signed_links import LinkKind

ROLLCALL_PATH = "/rollcall/"
INVALID = "emergency.host.invalid"
EXPIRED = "emergency.host.expired"
#: how long a host's link works (an emergency rarely lasts longer; it opens nothing after)
TTL_SECONDS = 6 * 3600
KIND = LinkKind(
    what="roll-call link", invalid=INVALID, expired=EXPIRED, path=ROLLCALL_PATH, mark="rc"
)


@dataclass(frozen=True, slots=True)
class HostLink:
    site_id: str
    incident_id: str
    host_id: str
    expires: int
    key_version: int = 1


def sign(key: bytes, link: HostLink) -> str:
    fields = {"s": link.site_id, "i": link.incident_id, "h": link.host_id, "e": link.expires}
    return KIND.seal(key, fields, key_version=link.key_version)


def peek_key(token: str) -> tuple[str, int]:
    """The site and key version a token claims (unverified), to pick the verifying key."""
    return KIND.peek_key(token, named_site=True)


def verify(key: bytes, token: str, *, now: datetime) -> HostLink:
    """The link's content; ``DeniedError`` ``emergency.host.invalid`` (forged, altered, another
    kind of token) or ``emergency.host.expired``."""
    body = KIND.open(key, token)
    try:
        link = HostLink(
            site_id=str(body["s"]),
            incident_id=str(body["i"])[:80],
            host_id=str(body["h"])[:80],
            expires=int(body["e"]),
            key_version=int(body.get("k", 1)),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise KIND.lacks_a_field() from e
    KIND.unexpired(link.expires, now)
    return link


def link_url(base_url: str, token: str) -> str:
    """``<head office>/api/v1/rollcall/<token>``."""
    return KIND.url(base_url, token)
