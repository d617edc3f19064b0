"""The blind index: keyed HMAC lookups of phone numbers and names, with a key per site.

A lookup key that is a plain (or fixed-salt) hash of a phone number is no secret: the 10^9
mainland numbers are hashed in hours on one core. Keyed with a secret, the index reveals
nothing without the key, and the key lives in a 0600 file (``keys/blind-index.key``), never
in the database. Every kiosk of a site uses the site's key, derived by head office
(``KeyPurpose.BLIND_INDEX``, fetched with the other site keys), so they index a visitor alike;
two sites' indexes never match. A stand-alone kiosk, or one whose site key has not arrived
yet, makes a key of its own.

Adopting a new key (the site key arrives, or is rotated) re-indexes, in one transaction, every
row that keeps its clear value (visitors, invitations). Watchlist rows keep only their index,
so they cannot be re-indexed here: lookups also try the previous key until head office sends
the entry again (``indexes``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading

from kiosk.core.keys.hierarchy import SiteKey
from kiosk.core.keys.key_files import KeyFile, StoredKey, key_folder
from kiosk.core.store import personal_index
from kiosk.core.store.database import Store

log = logging.getLogger(__name__)

KEY_NAME = "blind-index"


class KeyedCodec:
    """A ``PersonalDataCodec`` whose ``index`` is HMAC-SHA256 under the blind-index key."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.key_file = KeyFile(key_folder(store.path), KEY_NAME)
        stored = self.key_file.read() or self.key_file.create_if_absent(
            [StoredKey(secrets.token_bytes(32), source="local")]
        )
        self._lock = threading.Lock()
        self._keys = stored[:2]

    def index(self, value: str) -> str:
        with self._lock:
            key = self._keys[0].key
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()

    def indexes(self, value: str) -> list[str]:
        """The index under the current key, then under the previous one (watchlist rows)."""
        with self._lock:
            keys = [k.key for k in self._keys]
        return [hmac.new(k, value.encode(), hashlib.sha256).hexdigest() for k in keys]

    @property
    def current(self) -> StoredKey:
        with self._lock:
            return self._keys[0]

    def adopt(self, site_key: SiteKey | None) -> bool:
        """Index with the site's key from now on, re-indexing what can be; False when it is
        the key in use already (or there is none)."""
        if site_key is None:
            return False
        now = self.current
        if now.source == "site" and now.version == site_key.version and now.key == site_key.key:
            return False
        fresh = StoredKey(site_key.key, site_key.version, "site")
        with self.store.transaction() as tx:  # check-ins wait: none indexes with a stale key
            self.key_file.write([fresh, now])
            with self._lock:
                self._keys = [fresh, now]
            counted = personal_index.reindex(tx, self.index)
        log.info(
            "blind index now keyed by the site key v%d; %d rows re-indexed", fresh.version, counted
        )
        return True
