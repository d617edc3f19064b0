"""The kiosk's copy of its site's keys: fetched from head office, kept, refetched after rotation.

Head office answers ``GET /api/v1/sync/keys`` with the current version of each key a kiosk may
hold (``keys.KIOSK_PURPOSES``), for the kiosk token's own site only. The kiosk keeps every one in
the 0600 key file ``<data dir>/keys/site.key`` (``key_files``), never in the database, so it
signs links offline after a restart and a copy of the database signs nothing. Keys an older
kiosk kept in the store (``kv`` ``site_keys``) are moved into the file at start and the row
deleted. The public URL that came with them is no secret: it stays in ``kv``. A rotation at head
office (``kiosk-server rotate-key``) appends ``site.key_rotated`` to the site's pull feed; the
sync pull records the wanted version (``key_rotated_change``) and the next ``refresh`` fetches
again. Enrollment fetches them at once (``fetch_after_enrollment``), so a new kiosk prints its
first badge with the site's badge key. Fetching runs on a thread of its own: a slow or absent
head office never holds up a host's message (it goes without links), the directions screen (no
QR yet) or a badge (signed with the key kept so far).

``[notify] reply_key`` in the settings file, when set, is this kiosk's reply-link key by hand
(``VERSION:HEX`` from ``kiosk-server show-key``, or plain HEX for version 1) and wins.

The fetch goes through the injected ``HeadOffice`` client (``kiosk.core.head_office.protocol``):
``TransportError`` (retry later), ``DeniedError`` (token refused) or ``NotFoundError`` (head
office has no master secret: ``kiosk-server migrate`` was not run) are logged and retried.
Keys are never logged. No Kivy; the only I/O is the fetch, the key file and the store.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.core.config.clock import Clock
from kiosk.core.config.errors import KioskError
from kiosk.core.events import SiteKeyRotated
from kiosk.core.keys.hierarchy import (
    KIOSK_PURPOSES,
    KeyPurpose,
    SiteKey,
    parse_key,
    parse_versioned,
)
from kiosk.core.keys.key_files import KeyFile, StoredKey, key_folder
from kiosk.core.store import kv
from kiosk.core.store.database import Store, Transaction

if TYPE_CHECKING:
    from kiosk.core.head_office.protocol import AnyHeadOffice

log = logging.getLogger(__name__)

#: where head office serves them
KEYS_PATH = "/api/v1/sync/keys"
#: the key file (``keys/site.key``) every fetched key is kept in
KEY_NAME = "site"
#: where an older kiosk kept them in the store (moved out at start)
KEYS_KV = "site_keys"
PUBLIC_URL_KV = "site_keys.public_url"
WANTED_KV = "site_keys.wanted"
#: the pull-feed change a rotation appends
ROTATED_KIND = SiteKeyRotated.kind
#: seconds between two failed attempts to fetch
RETRY_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class KeySet:
    """What head office answered: the keys, and where links should point (may be empty)."""

    keys: Mapping[KeyPurpose, SiteKey]
    public_url: str = ""

    def stored(self) -> list[StoredKey]:
        """What the key file keeps: every key, with its purpose."""
        return [
            StoredKey(k.key, k.version, "site", k.purpose.value)
            for _, k in sorted(self.keys.items())
        ]


def parse_key_set(body: Any) -> KeySet:
    """The keys in head office's JSON answer (``ValueError``/``KeyError``/``TypeError`` when
    it is not one); a purpose this kiosk does not know is skipped."""
    found = {}
    for item in body["keys"]:
        try:
            purpose = KeyPurpose(item["purpose"])
        except ValueError:
            continue  # a purpose a newer server hands out and this kiosk has no use for
        found[purpose] = SiteKey(purpose, int(item["version"]), parse_key(str(item["key"])))
    return KeySet(found, str(body.get("public_url") or ""))


def key_rotated_change(records: Any, tx: Transaction, change: SiteKeyRotated) -> None:
    """The ``sync.apply`` handler for ``site.key_rotated`` (parsed by the event registry):
    remember the version to fetch."""
    try:
        purpose = KeyPurpose(change.purpose)
    except ValueError:
        log.info("ignoring a %s change of purpose %r: not a kiosk's", ROTATED_KIND, change.purpose)
        return
    version = change.version
    store = records.store
    stored = store.get_value(WANTED_KV)
    wanted = json.loads(stored) if stored else {}
    wanted[purpose.value] = max(version, int(wanted.get(purpose.value, 0)))
    store.set_value(WANTED_KV, json.dumps(wanted), tx)


class SiteKeys:
    """The site's keys this kiosk signs with; ``current`` answers from memory.

    ``refresh`` (the notify worker calls it on each pass, off the UI thread) starts a fetch when
    a kiosk purpose is missing or a rotation asked for a newer version; after a failure it
    waits ``RETRY_SECONDS`` on the injected clock.
    """

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        head_office: AnyHeadOffice | None = None,
        head_office_url: str = "",
        reply_key: str = "",
    ) -> None:
        self.store = store
        self.clock = clock
        self.key_file = KeyFile(key_folder(store.path), KEY_NAME)
        #: the client keys are fetched through (None: a stand-alone kiosk never fetches)
        self.head_office = head_office
        self.head_office_url = head_office_url or (head_office.url if head_office else "")
        self._lock = threading.Lock()
        self._fixed = (
            {KeyPurpose.REPLY_LINK: parse_versioned(reply_key, KeyPurpose.REPLY_LINK)}
            if reply_key
            else {}
        )
        self._set = self._load()
        self._fetch: threading.Thread | None = None
        self._next_try = float("-inf")
        self._listeners: list[Callable[[KeySet], Any]] = []

    def on_keys(self, listener: Callable[[KeySet], Any]) -> None:
        """Call ``listener(keys)`` (on the fetching thread) after keys from head office are
        kept: the blind index adopts its site key this way."""
        self._listeners.append(listener)

    def _load(self) -> KeySet:
        self._move_out_of_database()
        found: dict[KeyPurpose, SiteKey] = {}
        for entry in self._read():
            try:
                purpose = KeyPurpose(entry.purpose)
            except ValueError:
                continue  # kept by a newer kiosk that was rolled back
            found[purpose] = SiteKey(purpose, entry.version, entry.key)
        return KeySet(found, self.store.get_value(PUBLIC_URL_KV, "") or "")

    def _read(self) -> list[StoredKey]:
        try:
            return self.key_file.read()
        except (ValueError, KeyError, TypeError):
            log.warning("the site key file %s is unreadable; fetching again", self.key_file.path)
            return []

    def _move_out_of_database(self) -> None:
        """Keys an older kiosk kept in ``kv`` go to the key file (unless it has keys already:
        a move cut short) and the row is deleted, overwritten on disk (``secure_delete``)."""
        text = self.store.get_value(KEYS_KV)
        if text is None:
            return
        try:
            old = parse_key_set(json.loads(text)) if text else KeySet({})
        except (ValueError, KeyError, TypeError):
            log.warning("the site keys kept in the database are unreadable; fetching them again")
            old = KeySet({})
        if old.keys and not self._read():
            self.key_file.write(old.stored())
        conn = self.store.conn
        conn.execute("PRAGMA secure_delete=ON")  # the freed bytes are zeroed, not left behind
        try:
            with self.store.transaction() as tx:
                kv.delete(tx, KEYS_KV)
                if old.public_url:
                    kv.put_if_absent(tx, PUBLIC_URL_KV, old.public_url)
        finally:
            conn.execute("PRAGMA secure_delete=OFF")
        if not self.store.in_transaction():
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # and the WAL's old pages go
        log.info("moved the site keys out of the database into %s", self.key_file.path)

    def current(self, purpose: KeyPurpose) -> SiteKey | None:
        """The key to sign with now, or None until one is fetched (or configured)."""
        fixed = self._fixed.get(purpose)
        if fixed is not None:
            return fixed
        with self._lock:
            return self._set.keys.get(purpose)

    def link_base(self) -> str:
        """Where links should point: head office's public URL, else the address this kiosk
        reaches it at."""
        with self._lock:
            return self._set.public_url or self.head_office_url

    def _wanted(self) -> dict[str, int]:
        text = self.store.get_value(WANTED_KV, "")
        return json.loads(text) if text else {}

    def needs_fetch(self) -> bool:
        with self._lock:
            have = dict(self._set.keys)
        if any(purpose not in have for purpose in KIOSK_PURPOSES):
            return True
        wanted = self._wanted()
        return any(key.version < int(wanted.get(p.value, 0)) for p, key in have.items())

    def refresh(self) -> None:
        """Start a fetch on its own thread if one is due; never waits for it."""
        if self.head_office is None:
            return
        if self._fetch is not None and self._fetch.is_alive():
            return
        if self.clock.monotonic() < self._next_try or not self.needs_fetch():
            return
        self._fetch = threading.Thread(target=self.fetch_now, name="site-keys", daemon=True)
        self._fetch.start()

    def wait(self, timeout: float = 10.0) -> None:
        """Wait for a fetch in flight (tests, the command line)."""
        if self._fetch is not None:
            self._fetch.join(timeout)

    def fetch_now(self) -> bool:
        """Fetch and keep the site's keys; False (logged, retried later) if that failed."""
        if self.head_office is None:
            return False
        try:
            keys = self.head_office.fetch_keys()
        except KioskError as e:
            log.warning("no site keys from head office yet (%s); links wait for them", e)
            self._next_try = self.clock.monotonic() + RETRY_SECONDS
            return False
        except Exception:  # never let this thread die noisily over an odd answer
            log.exception("fetching the site keys failed")
            self._next_try = self.clock.monotonic() + RETRY_SECONDS
            return False
        self.keep(keys)
        if self.needs_fetch():  # head office is behind the feed (should not be): wait a while
            self._next_try = self.clock.monotonic() + RETRY_SECONDS
        return True

    def keep(self, keys: KeySet) -> None:
        """Keep what head office answered in the key file (the public URL in the store) and
        sign with it from now on."""
        self.key_file.write(keys.stored())
        if self.store.get_value(PUBLIC_URL_KV, "") != keys.public_url:
            self.store.set_value(PUBLIC_URL_KV, keys.public_url)
        with self._lock:
            before = {p: k.version for p, k in self._set.keys.items()}
            self._set = keys
        if before != {p: k.version for p, k in keys.keys.items()}:
            versions = ", ".join(f"{p.value} v{k.version}" for p, k in sorted(keys.keys.items()))
            log.info("site keys from head office: %s", versions)
        for listener in list(self._listeners):
            listener(keys)


def fetch_after_enrollment(head_office: AnyHeadOffice, *, database: Path, clock: Clock) -> bool:
    """Fetch and keep the site's keys right after ``kiosk enroll``, through a client with the
    new token; False (logged) when head office did not answer them: the running kiosk fetches
    them then, and signs badges with its own key until they arrive."""
    from kiosk.core.store.database import Store

    store = Store(database, clock=clock)
    try:
        return SiteKeys(store=store, clock=clock, head_office=head_office).fetch_now()
    finally:
        store.close()
