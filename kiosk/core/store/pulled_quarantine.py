"""Pulled changes the kiosk could not apply, kept aside so the feed flows past them.

A change head office forwarded that fails in its handler (a visitor whose category is an
object, a number past SQLite's integers) would otherwise fail the same pull page for ever.
The sync pull loop records it here, with why, and moves on; an administrator can read the
rows (``kiosk sync-status``) and head office the matching alert.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kiosk.core.config.clock import iso
from kiosk.core.store.schema import Step

if TYPE_CHECKING:
    from kiosk.core.store.database import Store, Transaction

SCHEMA = (
    Step(
        7,
        """
    CREATE TABLE pulled_quarantine (
        cursor INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        hlc TEXT NOT NULL DEFAULT '',
        payload TEXT NOT NULL,
        reason TEXT NOT NULL,
        quarantined_at TEXT NOT NULL
    );
    """,
    ),
)


def put(
    tx: Transaction,
    *,
    cursor: int,
    kind: str,
    entity_id: str,
    hlc: str,
    payload: Any,
    reason: str,
    at: datetime,
) -> None:
    """Keep one change aside (a change pulled again after a crash replaces its row)."""
    tx.execute(
        "INSERT OR REPLACE INTO pulled_quarantine "
        "(cursor, kind, entity_id, hlc, payload, reason, quarantined_at) VALUES (?,?,?,?,?,?,?)",
        (
            cursor,
            kind,
            entity_id,
            hlc,
            tx.fields.seal(
                json.dumps(payload, ensure_ascii=False, default=repr),
                "pulled_quarantine",
                "payload",
            ),
            reason,
            iso(at),
        ),
    )


def rows(store: Store) -> list[sqlite3.Row]:
    return store.query(
        "SELECT cursor, kind, entity_id, hlc, reason, quarantined_at, "
        "open_field(payload, 'pulled_quarantine', 'payload') AS payload "
        "FROM pulled_quarantine ORDER BY cursor"
    )
