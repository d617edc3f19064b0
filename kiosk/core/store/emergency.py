"""Emergency mode's tables: the incident timeline's entries and what peers last told us.

``emergency_entries`` holds every timeline entry this kiosk knows, its own and those passed on
by the site's other kiosks, once each (``entry_id``), with its hybrid-clock stamp: the state,
marks and incident record are folded from it in stamp order (``kiosk.core.emergency.timeline``).
``emergency_peer_rosters`` keeps each peer kiosk's last roster, sealed with the site's peer key
(names are never at rest in the clear), and the newest stamp accepted from it (an older one is
a replay). An entry's payload (an end's reason is free text) is sealed at rest by the store's
field cipher (``privacy/fields.py``); ``entries`` opens it.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from kiosk.core.store.schema import Step

if TYPE_CHECKING:
    from kiosk.core.store.database import Store, Transaction

SCHEMA = (
    Step(
        12,
        """
    CREATE TABLE emergency_entries (
        entry_id TEXT PRIMARY KEY,
        stamp TEXT NOT NULL,
        kind TEXT NOT NULL,
        kiosk_id TEXT NOT NULL,
        payload TEXT NOT NULL,
        local INTEGER NOT NULL DEFAULT 0,
        received_at TEXT NOT NULL
    );
    CREATE INDEX emergency_entries_stamp ON emergency_entries(stamp);
    CREATE TABLE emergency_peer_rosters (
        kiosk_id TEXT PRIMARY KEY,
        stamp TEXT NOT NULL,
        received_at TEXT NOT NULL,
        sealed BLOB NOT NULL
    )
    """,
    ),
)


def add_entry(
    tx: Transaction,
    *,
    entry_id: str,
    stamp: str,
    kind: str,
    kiosk_id: str,
    payload: str,
    local: bool,
) -> bool:
    """Keep one entry; False when it was kept already (whoever passed it on)."""
    cur = tx.execute(
        "INSERT OR IGNORE INTO emergency_entries "
        "(entry_id, stamp, kind, kiosk_id, payload, local, received_at) VALUES (?,?,?,?,?,?,?)",
        (
            entry_id,
            stamp,
            kind,
            kiosk_id,
            tx.fields.seal(payload, "emergency_entries", "payload"),
            int(local),
            tx.clock.now().isoformat(),
        ),
    )
    return cur.rowcount == 1


def entries(store: Store, *, since_stamp: str = "") -> list[sqlite3.Row]:
    """Every entry from ``since_stamp`` on, in stamp order (the one order every kiosk folds)."""
    return store.query(
        "SELECT entry_id, stamp, kind, kiosk_id, "
        "open_field(payload, 'emergency_entries', 'payload') AS payload, local "
        "FROM emergency_entries WHERE stamp >= ? ORDER BY stamp, entry_id",
        (since_stamp,),
    )


def entry_ids(store: Store) -> set[str]:
    return {str(r[0]) for r in store.query("SELECT entry_id FROM emergency_entries")}


def peer_stamp(store: Store, kiosk_id: str) -> str:
    row = store.query_one(
        "SELECT stamp FROM emergency_peer_rosters WHERE kiosk_id = ?", (kiosk_id,)
    )
    return str(row[0]) if row else ""


def put_peer_roster(tx: Transaction, kiosk_id: str, stamp: str, sealed: bytes) -> None:
    tx.execute(
        "INSERT INTO emergency_peer_rosters (kiosk_id, stamp, received_at, sealed) "
        "VALUES (?,?,?,?) ON CONFLICT(kiosk_id) DO UPDATE SET stamp = excluded.stamp, "
        "received_at = excluded.received_at, sealed = excluded.sealed",
        (kiosk_id, stamp, tx.clock.now().isoformat(), sealed),
    )


def peer_rosters(store: Store) -> list[sqlite3.Row]:
    return store.query("SELECT kiosk_id, stamp, received_at, sealed FROM emergency_peer_rosters")
