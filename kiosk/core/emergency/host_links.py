"""Host roll-call links: a signed, expiring token that lets a host mark their own visitors
accounted for or missing from their phone, on a page head office serves.

Built like the department links (``kiosk.core.tickets.links``) on ``signed_links``, with the
site's reply-link key (``KeyPurpose.REPLY_LINK``) and its version field, so head office checks
it with what it already holds. The payload names the site, the incident (its start's entry id),
the host's directory id, an expiry and the key version; ``x`` marks it as a roll-call link, so
a reply or ticket link never marks and this one never replies. No personal data: links end up
in mail archives. Head office refuses a link once its incident has ended
(``sync/server/host_marks.py``). Pure functions; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.core import signed_links
from kiosk.core.config.errors import DeniedError
from kiosk.core.notify.reply_links import SERVER_PREFIX

ROLLCALL_PATH = "/rollcall/"
INVALID = "emergency.host.invalid"
EXPIRED = "emergency.host.expired"
#: how long a host's link works (an emergency rarely lasts longer; it opens nothing after)
TTL_SECONDS = 6 * 3600
_MARK = "rc"
_VERSION = 1
_MAX_TOKEN = 1024


@dataclass(frozen=True, slots=True)
class HostLink:
    site_id: str
    incident_id: str
    host_id: str
    expires: int
    key_version: int = 1


def sign(key: bytes, link: HostLink) -> str:
    body = {
        "v": _VERSION,
        "x": _MARK,
        "s": link.site_id,
        "i": link.incident_id,
        "h": link.host_id,
        "e": link.expires,
    }
    if link.key_version != 1:
        body["k"] = link.key_version
    return signed_links.seal(key, body)


def _decode(token: str) -> tuple[str, dict, bytes]:
    return signed_links.split(
        token, max_length=_MAX_TOKEN, what="roll-call link", error_key=INVALID
    )


def peek_key(token: str) -> tuple[str, int]:
    """The site and key version a token claims (unverified), to pick the verifying key."""
    body = _decode(token)[1]
    version, site = body.get("k", 1), body.get("s", "")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DeniedError("roll-call link names no usable key", key=INVALID)
    if not isinstance(site, str) or not 0 < len(site) <= 64:
        raise DeniedError("roll-call link names no usable site", key=INVALID)
    return site, version


def verify(key: bytes, token: str, *, now: datetime) -> HostLink:
    """The link's content; ``DeniedError`` ``emergency.host.invalid`` (forged, altered, another
    kind of token) or ``emergency.host.expired``."""
    payload, body, mac = _decode(token)
    signed_links.check(key, payload, mac, what="roll-call link", error_key=INVALID)
    if body.get("v") != _VERSION or body.get("x") != _MARK:
        raise DeniedError("not a roll-call link", key=INVALID)
    try:
        link = HostLink(
            site_id=str(body["s"]),
            incident_id=str(body["i"])[:80],
            host_id=str(body["h"])[:80],
            expires=int(body["e"]),
            key_version=int(body.get("k", 1)),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise DeniedError("roll-call link lacks a field", key=INVALID) from e
    if now.timestamp() > link.expires:
        raise DeniedError("roll-call link expired", key=EXPIRED)
    return link


def link_url(base_url: str, token: str) -> str:
    """``<head office>/api/v1/rollcall/<token>``."""
    return f"{base_url.rstrip('/')}{SERVER_PREFIX}{ROLLCALL_PATH}{token}"
