"""The watchlist: blind keys of names and phones only, never the clear values.

An entry may expire (``expires_at``, from head office): from that time on it no longer matches,
although the kiosk keeps it until head office removes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.core.config.clock import iso
from kiosk.core.models import WatchlistEntry
from kiosk.core.store.base import Repository
from kiosk.core.store.personal import normalise_name, normalise_phone
from kiosk.core.store.schema import Step

if TYPE_CHECKING:
    from kiosk.core.store.database import Transaction

SCHEMA = (
    Step(
        1,
        """
    CREATE TABLE watchlist (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL,
        name_key TEXT NOT NULL DEFAULT '',
        phone_key TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT ''
    );
    """,
    ),
    # issue 19: watchlist entries with an end (ISO time, '' for none)
    Step(15, "ALTER TABLE watchlist ADD COLUMN expires_at TEXT NOT NULL DEFAULT ''"),
)


class WatchlistRepository(Repository):
    def replace_watchlist(self, tx: Transaction, entries: Iterable[WatchlistEntry]) -> None:
        tx.execute("DELETE FROM watchlist")
        for e in entries:
            self.add_watchlist_entry(tx, e)

    def add_watchlist_entry(self, tx: Transaction, e: WatchlistEntry) -> None:
        tx.execute(
            "INSERT OR REPLACE INTO watchlist (id, site_id, name_key, phone_key, reason, "
            "expires_at) VALUES (?,?,?,?,?,?)",
            (
                e.id,
                e.site_id,
                self.name_key(e.name),
                self.phone_key(e.phone),
                e.reason,
                iso(e.expires_at) if e.expires_at else "",
            ),
        )

    def remove_watchlist_entry(self, tx: Transaction, entry_id: str) -> None:
        tx.execute("DELETE FROM watchlist WHERE id = ?", (entry_id,))

    def watchlist_match(
        self, *, site_id: str, name: str, phone: str, at: datetime | None = None
    ) -> str | None:
        """The id of a watchlist entry matching this name or phone at ``at`` (default: the
        store's clock's now), else None; an entry expired by then does not match."""
        when = iso(at or self.store.clock.now())
        # rows keep only keys: one indexed before a re-key matches under the previous key
        names = self.lookup_keys("name:" + normalise_name(name)) if name else [""]
        phones = self.lookup_keys("phone:" + normalise_phone(phone)) if phone else [""]
        row = self.store.query_one(
            "SELECT id FROM watchlist WHERE (site_id = ? OR site_id = '*') AND "
            "(expires_at = '' OR expires_at > ?) AND "
            f"((name_key != '' AND name_key IN ({','.join('?' * len(names))})) OR "
            f"(phone_key != '' AND phone_key IN ({','.join('?' * len(phones))}))) LIMIT 1",
            (site_id, when, *names, *phones),
        )
        return str(row["id"]) if row else None
