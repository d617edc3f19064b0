"""Warden links: signed, expiring tokens that let a phone mark the roll call of one emergency.

The emergency console shows the link as a QR code; a floor warden who scans it opens the
kiosk's roll-call page (``warden_page``) and marks people accounted for or missing. A token is
``signed_links``' ``<payload>.<signature>``: the site, the incident it is for (its start's entry
id), who on the console handed it out, an expiry (Unix seconds) and the peer key's version.
The signature is HMAC-SHA256 (truncated to 16 bytes, so the QR stays coarse) under a key
derived from the site's peer key, so every kiosk of the site checks a link any of them made,
head office or not, and nobody without the peer key can make one. A link is good for its
incident only: once that one ends, it opens nothing. Tokens carry no personal data.
Pure functions; no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from kiosk.core import signed_links
from kiosk.core.config.errors import DeniedError
from kiosk.core.keys.hierarchy import SiteKey

_VERSION = 1
_MAC = 16
MAX_TOKEN = 512
INVALID = "emergency.warden.invalid"
EXPIRED = "emergency.warden.expired"
#: the path the kiosk's roll-call page serves a token under
PATH = "/w/"


@dataclass(frozen=True, slots=True)
class WardenToken:
    site_id: str
    #: the incident's id (its first start's entry id)
    incident_id: str
    #: the staff id that handed the link out on the console (marks are made in its name)
    by: str
    expires: int
    key_version: int = 1


def link_key(peer: SiteKey) -> bytes:
    """The warden-link key of a site: derived from its peer key, used for nothing else."""
    return hmac.new(peer.key, b"lobbykiosk.warden-link.v1", hashlib.sha256).digest()


def sign(peer: SiteKey, token: WardenToken) -> str:
    body = {
        "v": _VERSION,
        "s": token.site_id,
        "i": token.incident_id,
        "b": token.by,
        "e": token.expires,
        "k": peer.version,
    }
    return signed_links.seal(link_key(peer), body, mac_size=_MAC)


def verify(keys: dict[int, SiteKey], token: str, *, site_id: str, now: datetime) -> WardenToken:
    """The token's content when a key of this site signed it and it has not expired;
    ``DeniedError`` (``emergency.warden.invalid`` / ``.expired``) otherwise."""
    payload, body, mac = signed_links.split(
        token, max_length=MAX_TOKEN, what="warden link", error_key=INVALID
    )
    version = body.get("k")
    key = keys.get(version) if isinstance(version, int) and not isinstance(version, bool) else None
    if key is None:
        raise DeniedError("warden link signed by a key this kiosk does not hold", key=INVALID)
    signed_links.check(
        link_key(key), payload, mac, mac_size=_MAC, what="warden link", error_key=INVALID
    )
    try:
        parsed = WardenToken(
            site_id=str(body["s"]),
            incident_id=str(body["i"]),
            by=str(body["b"])[:48],
            expires=int(body["e"]),
            key_version=int(version),  # type: ignore[arg-type]
        )
    except (KeyError, TypeError, ValueError) as e:
        raise DeniedError("warden link lacks a field", key=INVALID) from e
    if body.get("v") != _VERSION or parsed.site_id != site_id:
        raise DeniedError("warden link of another form or site", key=INVALID)
    if now.timestamp() > parsed.expires:
        raise DeniedError("warden link expired", key=EXPIRED)
    return parsed


def link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{PATH}{token}"
