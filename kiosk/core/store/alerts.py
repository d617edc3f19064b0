"""The kiosk's alerts table: rows for the receptionist and security (``kiosk.core.alerts``).

``details`` (a watchlist match names the visitor, an undelivered notice the client's address)
is sealed at rest as one JSON value; every read opens it in SQL (``open_field``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.core.config.clock import iso
from kiosk.core.store.schema import Step

if TYPE_CHECKING:
    from kiosk.core.store.database import Store, Transaction

SCHEMA = (
    Step(
        5,
        """
    CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        message_key TEXT NOT NULL,
        details TEXT NOT NULL DEFAULT '{}',
        visit_id TEXT,
        site_id TEXT NOT NULL,
        raised_at TEXT NOT NULL,
        acknowledged_at TEXT,
        acknowledged_by TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX alerts_open ON alerts(acknowledged_at, raised_at);
    """,
    ),
)


#: every column, ``details`` opened
_ROW = (
    "id, kind, severity, message_key, open_field(details, 'alerts', 'details') AS details, "
    "visit_id, site_id, raised_at, acknowledged_at, acknowledged_by"
)


def insert(
    tx: Transaction,
    *,
    alert_id: str,
    kind: str,
    severity: str,
    message_key: str,
    details: Mapping[str, str],
    visit_id: str | None,
    site_id: str,
    raised_at: datetime,
) -> None:
    tx.execute(
        "INSERT INTO alerts (id, kind, severity, message_key, details, visit_id, site_id, "
        "raised_at) VALUES (?,?,?,?,?,?,?,?)",
        (
            alert_id,
            kind,
            severity,
            message_key,
            tx.fields.seal(
                json.dumps(dict(details), ensure_ascii=False, sort_keys=True), "alerts", "details"
            ),
            visit_id,
            site_id,
            iso(raised_at),
        ),
    )


def get(tx: Transaction, alert_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = tx.execute(
        f"SELECT {_ROW} FROM alerts WHERE id = ?", (alert_id,)
    ).fetchone()
    return row


def acknowledge(tx: Transaction, alert_id: str, *, at: datetime, by: str) -> None:
    tx.execute(
        "UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?",
        (iso(at), by, alert_id),
    )


def acknowledge_if_open(tx: Transaction, alert_id: str, *, at: datetime, by: str) -> bool:
    """Acknowledge unless someone already did (the first acknowledgement stands)."""
    cursor = tx.execute(
        "UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? "
        "WHERE id = ? AND acknowledged_at IS NULL",
        (iso(at), by, alert_id),
    )
    return cursor.rowcount > 0


def find(store: Store, alert_id: str) -> sqlite3.Row | None:
    return store.query_one(f"SELECT {_ROW} FROM alerts WHERE id = ?", (alert_id,))


def unacknowledged(store: Store) -> list[sqlite3.Row]:
    return store.query(
        f"SELECT {_ROW} FROM alerts WHERE acknowledged_at IS NULL ORDER BY raised_at DESC, id"
    )


def open_of_kind(tx: Transaction, kind: str, visit_id: str | None = None) -> bool:
    """Whether an unacknowledged alert of ``kind`` (about ``visit_id``, if given) exists."""
    sql = "SELECT 1 FROM alerts WHERE kind = ? AND acknowledged_at IS NULL"
    params: tuple = (kind,)
    if visit_id is not None:
        sql += " AND visit_id = ?"
        params = (kind, visit_id)
    return tx.execute(sql + " LIMIT 1", params).fetchone() is not None


def count_unacknowledged(store: Store) -> int:
    row = store.query_one("SELECT count(*) FROM alerts WHERE acknowledged_at IS NULL")
    return int(row[0]) if row else 0
