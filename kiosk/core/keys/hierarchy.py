"""Per-site keys: what each is for, how it is derived from head office's master secret.

Head office holds one master secret (``sync/server/keys.py``). Every key a site uses is
derived from it by purpose and version: ``HMAC-SHA256(master, "<purpose>/v<version>/<site>")``.
A kiosk only ever holds its own site's keys, and only the purposes in ``KIOSK_PURPOSES``: a
leaked kiosk cannot sign for another site, and a key for one purpose never verifies another.

Rotating a key (``kiosk-server rotate-key SITE PURPOSE``) bumps its version; a link names the
version it was signed with (absent means 1), so the previous version keeps working until what it
signed has expired (``HONOUR_SECONDS``). A badge names its key by the key id byte of its token
(``badges.tokens``); each kiosk keeps the badge key it retired and honours it for the badges it
signed until they expire. The peer key seals what the site's kiosks tell each other. Pure
functions; no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum


class KeyPurpose(StrEnum):
    """What a derived key is for (its value is the derivation label and the CLI's name)."""

    #: signs the "I'm coming" / "Please wait" links in host messages (``reply_links.py``)
    REPLY_LINK = "reply-link"
    #: signs the QR link to the route page on the directions screen (``route_links.py``)
    ROUTE_LINK = "route-link"
    #: keys the blind index of phone numbers and names (``blind_index.py``): one per site, so
    #: every kiosk of the site indexes a visitor alike
    BLIND_INDEX = "blind-index"
    #: peppers staff PINs before argon2 (``kiosk.core.reception.pins``): head office hashes the
    #: PINs it manages with it, the site's kiosks check them with it. Not rotated: a new
    #: version would make every PIN of the site fail (``rotate-key`` refuses it)
    STAFF_PIN = "staff-pin"
    #: signs and verifies the QR token on every visitor badge of the site
    #: (``kiosk.core.badges.tokens``): a badge printed at one kiosk checks out at every other
    BADGE = "badge"
    #: seals (encrypts and authenticates) what the site's kiosks tell each other on the LAN in
    #: emergency mode (``kiosk.core.emergency.peers``): a device outside the site can neither
    #: read the roll call nor start, end or alter an emergency
    PEER = "peer"


#: the purposes a kiosk may fetch (``GET /api/v1/sync/keys``) and sign with
KIOSK_PURPOSES: frozenset[KeyPurpose] = frozenset(
    {
        KeyPurpose.REPLY_LINK,
        KeyPurpose.ROUTE_LINK,
        KeyPurpose.BLIND_INDEX,
        KeyPurpose.STAFF_PIN,
        KeyPurpose.BADGE,
        KeyPurpose.PEER,
    }
)

#: how long after a rotation the previous version still verifies: the longest a link signed
#: with it may live (a reply link's ``notify.reply_ttl`` is capped at this; route links 12 h)
HONOUR_SECONDS: dict[KeyPurpose, int] = {
    KeyPurpose.REPLY_LINK: 7 * 24 * 3600,
    KeyPurpose.ROUTE_LINK: 12 * 3600,
    KeyPurpose.BLIND_INDEX: 0,  # nothing signed to honour: kiosks re-index on the new key
    KeyPurpose.STAFF_PIN: 0,
    #: head office verifies no badge: each kiosk honours its previous badge key for badges that
    #: expire within its ``[printer] badge_valid_hours`` (default, this figure) of adopting the
    #: new one (``BadgeService.adopt``)
    KeyPurpose.BADGE: 12 * 3600,
    #: nothing signed lives on: a kiosk seals with the newest version it holds and opens what
    #: names a version it holds (each kiosk refetches after the rotation's feed change)
    KeyPurpose.PEER: 0,
}


@dataclass(frozen=True, slots=True)
class SiteKey:
    """One version of one site's key for one purpose."""

    purpose: KeyPurpose
    version: int
    key: bytes = b""

    def __repr__(self) -> str:  # never the key itself in a log line or a traceback
        return f"SiteKey({self.purpose.value}, v{self.version})"


def derive(master: bytes, purpose: KeyPurpose, site_id: str, version: int = 1) -> bytes:
    """The key of ``site_id`` for ``purpose`` at ``version``.

    The label puts the site last: the purpose has no "/" and the version is a number, so no two
    (purpose, version, site) triples share a label.
    """
    if version < 1:
        raise ValueError("key versions start at 1")
    label = f"{purpose.value}/v{version}/{site_id}".encode()
    return hmac.new(master, label, hashlib.sha256).digest()


def parse_key(hex_key: str) -> bytes:
    """A key as written in settings or sent by head office (hex); ``ValueError`` if not one."""
    key = bytes.fromhex(hex_key.strip())
    if len(key) < 16:
        raise ValueError("a key needs at least 16 bytes (32 hex digits)")
    return key


def parse_versioned(text: str, purpose: KeyPurpose) -> SiteKey:
    """``VERSION:HEX`` (what ``kiosk-server show-key`` prints) or plain ``HEX`` (version 1)."""
    version, sep, hex_key = text.strip().partition(":")
    if not sep:
        version, hex_key = "1", version
    if not version.isdigit() or int(version) < 1:
        raise ValueError(f"a key version is a whole number from 1, got {version!r}")
    return SiteKey(purpose, int(version), parse_key(hex_key))


def format_versioned(key: SiteKey) -> str:
    return f"{key.version}:{key.key.hex()}"
