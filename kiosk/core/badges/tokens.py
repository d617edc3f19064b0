"""Signed badge tokens: the text inside a badge's QR code.

A token proves, offline, that *this site* issued a badge for *this visit* and until *when*. It
is HMAC-SHA256 over a small binary record, with a per-site key, encoded in unpadded RFC 4648
base32 (``A-Z2-7``), so the QR code uses the compact alphanumeric mode and stays easy to scan
on a 62 mm label. A token for a UUID visit id and a short site id is 64 characters.

Binary layout (version 1), all integers big-endian::

    0      version (1)
    1      key id: first byte of SHA-256(key), picks the key when a site has rotated keys
    2..5   expiry, Unix seconds (uint32)
    6      visit id: length in bytes; the high bit set means "32 hex digits packed to 16 bytes"
    ...    visit id
    n      site id length, then the site id (UTF-8)
    -12    the first 12 bytes (96 bits) of HMAC-SHA256(key, DOMAIN + everything before)

Verification refuses, each with its own message key (``badges.po``): a token that is not one
of ours at all (``badge.denied.malformed``), one from another site (``badge.denied.other_site``),
a forged or altered one (``badge.denied.forged``) and an expired one (``badge.denied.expired``).
Only the canonical encoding is accepted, so no two strings verify as the same badge.

Where the key lives: :class:`BadgeService` keeps it in the 0600 key file
``<data dir>/keys/badge.key`` (``kiosk.core.keys.key_files``), never in the database: a copy of
the database cannot forge badges. An enrolled kiosk signs with its site's badge key, derived by
head office and fetched with the other site keys (``kiosk.core.keys.site_keys``; ``adopt``), so
every kiosk of the site verifies every other's badges. A stand-alone kiosk (never reached head
office) makes a random 256-bit key of its own on first use. A key kept by an older kiosk in the
store's ``kv`` table (``badge_key``, ``badge_key_previous``) is moved into the file and deleted
from the table on first use. When a new key is adopted (enrollment, ``kiosk-server rotate-key
SITE badge``), the one it replaces is retired, not forgotten: it still verifies the badges that
expire within ``valid_hours`` (plus ``RETIRE_GRACE``, an hour) of its retirement, the ones it
could have signed, and no later ones, so a leaked old key cannot make badges that outlive the
rotation.

This module does no I/O except through the ``Store`` and the key file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import secrets
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from kiosk.core.config.clock import Clock, SystemClock
from kiosk.core.config.errors import DeniedError
from kiosk.core.keys.hierarchy import KeyPurpose, SiteKey
from kiosk.core.keys.key_files import KeyFile, StoredKey, key_folder
from kiosk.core.store import kv
from kiosk.core.store.database import Store, Transaction

log = logging.getLogger(__name__)

VERSION = 1
MAC_BYTES = 12
DOMAIN = b"lobby-kiosk badge v1\x00"
KV_KEY = "badge_key"
KV_PREVIOUS_KEY = "badge_key_previous"
#: a retired key vouches for badges expiring up to ``valid_hours`` plus this after its
#: retirement: the site's kiosks adopt a rotation minutes apart, and their clocks differ
RETIRE_GRACE = timedelta(hours=1)

MALFORMED = "badge.denied.malformed"
FORGED = "badge.denied.forged"
EXPIRED = "badge.denied.expired"
OTHER_SITE = "badge.denied.other_site"

_HEX = frozenset("0123456789abcdef")
_B32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


@dataclass(frozen=True, slots=True)
class BadgeClaim:
    """What a verified token says."""

    visit_id: str
    site_id: str
    expires_at: datetime
    key_id: int


@dataclass(frozen=True, slots=True)
class RetiredKey:
    """A key no longer signed with: it vouches only for tokens that expire by ``until``."""

    key: bytes
    until: datetime

    def __repr__(self) -> str:  # never the key itself in a log line
        return f"RetiredKey(until {self.until.isoformat()})"


def key_id(key: bytes) -> int:
    return hashlib.sha256(key).digest()[0]


def _mac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, DOMAIN + body, hashlib.sha256).digest()[:MAC_BYTES]


def _pack_visit(visit_id: str) -> bytes:
    if len(visit_id) == 32 and set(visit_id) <= _HEX:
        return bytes([0x80 | 16]) + bytes.fromhex(visit_id)
    raw = visit_id.encode("utf-8")
    if not 0 < len(raw) <= 64:
        raise ValueError("a visit id must be 1 to 64 bytes")
    return bytes([len(raw)]) + raw


def sign(*, visit_id: str, site_id: str, expires_at: datetime, key: bytes) -> str:
    """A token for ``visit_id`` at ``site_id``, valid until ``expires_at``."""
    site = site_id.encode("utf-8")
    if not 0 < len(site) <= 32:
        raise ValueError("a site id must be 1 to 32 bytes")
    if len(key) < 16:
        raise ValueError("a badge key must be at least 16 bytes")
    expiry = int(expires_at.timestamp())
    if not 0 <= expiry < 2**32:
        raise ValueError("expiry out of range")
    body = (
        bytes([VERSION, key_id(key)])
        + struct.pack(">I", expiry)
        + _pack_visit(visit_id)
        + bytes([len(site)])
        + site
    )
    return base64.b32encode(body + _mac(key, body)).decode("ascii").rstrip("=")


def peek(token: str) -> BadgeClaim:
    """Decode a token WITHOUT checking its signature (for display, never for trust)."""
    claim, _body, _mac_bytes = _decode(token)
    return claim


def _decode(token: str) -> tuple[BadgeClaim, bytes, bytes]:
    def malformed(why: str) -> DeniedError:
        return DeniedError(f"not a badge token: {why}", key=MALFORMED)

    if not isinstance(token, str) or not 16 <= len(token) <= 160:
        raise malformed("length")
    if not set(token) <= _B32:
        raise malformed("alphabet")
    try:
        raw = base64.b32decode(token + "=" * (-len(token) % 8))
    except (binascii.Error, ValueError) as e:
        raise malformed("encoding") from e
    # unused trailing bits must be zero: only the canonical spelling of a token is accepted
    if base64.b32encode(raw).decode("ascii").rstrip("=") != token:
        raise malformed("not canonical")
    if len(raw) < 2 + 4 + 1 + 1 + 1 + MAC_BYTES or raw[0] != VERSION:
        raise malformed("version")
    body, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    pos = 6
    (expiry,) = struct.unpack(">I", body[2:6])
    vlen = body[pos]
    pos += 1
    packed_hex = bool(vlen & 0x80)
    vlen &= 0x7F
    if vlen == 0 or (packed_hex and vlen != 16) or pos + vlen >= len(body):
        raise malformed("visit id")
    vraw = body[pos : pos + vlen]
    pos += vlen
    try:
        visit_id = vraw.hex() if packed_hex else vraw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise malformed("visit id") from e
    slen = body[pos]
    pos += 1
    if slen == 0 or pos + slen != len(body):
        raise malformed("site id")
    try:
        site_id = body[pos:].decode("utf-8")
    except UnicodeDecodeError as e:
        raise malformed("site id") from e
    claim = BadgeClaim(
        visit_id=visit_id,
        site_id=site_id,
        expires_at=datetime.fromtimestamp(expiry, UTC),
        key_id=body[1],
    )
    return claim, body, mac


def verify(
    token: str,
    *,
    site_id: str,
    key: bytes | Sequence[bytes | RetiredKey],
    now: datetime,
) -> BadgeClaim:
    """The claim of a genuine, current token of ``site_id``; ``DeniedError`` otherwise.

    ``key`` is the site key, or several (current first) while a rotation is under way; a
    ``RetiredKey`` matches only a token that expires by its ``until`` (a later one was made
    after the key was retired: forged).
    """
    claim, body, mac = _decode(token)
    if claim.site_id != site_id:
        raise DeniedError(f"badge of site {claim.site_id!r}, this is {site_id!r}", key=OTHER_SITE)
    keys = [key] if isinstance(key, bytes | bytearray) else list(key)

    def vouches(k: bytes | RetiredKey) -> bool:
        raw = k.key if isinstance(k, RetiredKey) else bytes(k)
        if not hmac.compare_digest(_mac(raw, body), mac):
            return False
        return not isinstance(k, RetiredKey) or claim.expires_at <= k.until

    if not any(vouches(k) for k in keys):
        raise DeniedError("badge signature does not match", key=FORGED)
    if now >= claim.expires_at:
        raise DeniedError(f"badge expired at {claim.expires_at.isoformat()}", key=EXPIRED)
    return claim


class BadgeService:
    """Issues and verifies the badge tokens of one site, with the key kept in its key file."""

    def __init__(
        self,
        store: Store,
        *,
        site_id: str,
        clock: Clock | None = None,
        valid_hours: float = 12,
    ) -> None:
        self.store = store
        self.site_id = site_id
        self.clock: Clock = clock or store.clock or SystemClock()
        self.valid_for = timedelta(hours=valid_hours)
        self.key_file = KeyFile(key_folder(store.path), "badge")
        self._adopting = threading.Lock()

    def _stored(self) -> list[StoredKey]:
        """The key file's versions, made on first use: from the database's old ``kv`` rows
        (then deleted from it) or fresh. Whichever thread makes the file first, all use it."""
        stored = self.key_file.read()
        if stored:
            return stored
        old = [self.store.get_value(KV_KEY), self.store.get_value(KV_PREVIOUS_KEY)]
        fresh = [StoredKey(_unb64(v)) for v in old if v] or [StoredKey(secrets.token_bytes(32))]
        stored = self.key_file.create_if_absent(fresh)
        if any(old):
            with self.store.transaction() as tx:  # joins a check-in's transaction
                kv.delete(tx, KV_KEY)
                kv.delete(tx, KV_PREVIOUS_KEY)
        return stored

    def key(self) -> bytes:
        """The key badges are signed with now: the site's (from head office) once adopted,
        else this kiosk's own, created (random, 256 bits) and kept in its file on first use."""
        return self._stored()[0].key

    def _honoured(self, entry: StoredKey, now: datetime) -> bool:
        """A retired key is kept while a badge it signed may still be valid."""
        return entry.retired_at is None or now < self._vouches_until(entry.retired_at)

    def _vouches_until(self, retired_at: datetime) -> datetime:
        """The latest expiry a badge signed with a key retired at ``retired_at`` can have."""
        return retired_at + self.valid_for + RETIRE_GRACE

    def _verifying(self) -> list[bytes | RetiredKey]:
        stored, now = self._stored(), self.clock.now()
        found: list[bytes | RetiredKey] = [stored[0].key]
        for entry in stored[1:]:
            if entry.retired_at is None:
                found.append(entry.key)  # kept by an older version, which did not say when
            elif self._honoured(entry, now):
                found.append(RetiredKey(entry.key, self._vouches_until(entry.retired_at)))
        return found

    def keys(self) -> list[bytes]:
        """Keys a token may be signed with: the current one first, then those still honoured."""
        return [k.key if isinstance(k, RetiredKey) else k for k in self._verifying()]

    def adopt(self, site_key: SiteKey | None) -> None:
        """Sign with the site's badge key from head office from now on (None: none yet).

        The key it replaces (this kiosk's own, or the site's previous version) is retired now:
        it still verifies the badges it signed until they expire. Called at start with the kept
        key and on the fetching thread whenever keys arrive (``kiosk.services``).
        """
        if site_key is None:
            return
        if site_key.purpose is not KeyPurpose.BADGE or len(site_key.key) < 16:
            raise ValueError("not a badge key")
        with self._adopting:
            stored, now = self._stored(), self.clock.now()
            if stored[0].key == site_key.key:
                return
            retired = [replace(stored[0], retired_at=now)] + [
                e for e in stored[1:] if e.retired_at is not None and self._honoured(e, now)
            ]
            current = StoredKey(site_key.key, site_key.version, "site", KeyPurpose.BADGE.value)
            self.key_file.write([current, *retired])
        log.info(
            "badges are now signed with the site's badge key v%d; the previous key still "
            "verifies badges that expire by %s",
            site_key.version,
            self._vouches_until(now).isoformat(),
        )

    def issue(
        self, visit_id: str, *, tx: Transaction | None = None, issued_at: datetime | None = None
    ) -> str:
        """A token for ``visit_id``, valid ``valid_hours`` from ``issued_at`` (default now).

        Call it inside the check-in transaction and store the result as the visit's
        ``badge_code``. ``tx`` (from callers written before the store's transactions were
        re-entrant) must be this thread's open transaction; the key creation joins it.
        """
        start = issued_at or self.clock.now()
        self.store.check_current(tx)
        return sign(
            visit_id=visit_id,
            site_id=self.site_id,
            expires_at=start + self.valid_for,
            key=self.key(),
        )

    def verify_badge(self, token: str) -> BadgeClaim:
        """Check a scanned token (check-out by scan); ``DeniedError`` with a message key."""
        return verify(token, site_id=self.site_id, key=self._verifying(), now=self.clock.now())

    # -- the shapes CheckinService takes (badge_issuer=, badge_verifier=) ----------------------
    def issue_code(self, visit_id: str, site_id: str, valid_until: datetime) -> str:
        """``BadgeIssuer``: a token valid until ``valid_until`` (inside the check-in tx)."""
        return sign(visit_id=visit_id, site_id=site_id, expires_at=valid_until, key=self.key())

    def visit_id_for(self, code: str) -> str:
        """``BadgeVerifier``: the visit id a scanned badge proves, or ``DeniedError``."""
        return self.verify_badge(code.strip()).visit_id


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode("ascii"))
