"""The ``parcels`` and ``visit_ratings`` tables (schema step 11; issue 16, items 6 and 7).

``parcels``: one row per delivery left at reception (快递, 外卖, documents): the courier, the
recipient (a host, or nobody: "leave at the desk"), when it came and, once picked up, when and
which staff member handed it over. ``visit_ratings``: the visitor's optional one-tap rating at
check-out, at most one per visit (the first tap stands).

Reads take the ``Store`` or the caller's ``Transaction``; writes take the transaction and never
open one.

Must never: decide who is told about a parcel (``kiosk/core/deliveries``) or emit events.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.core.config.clock import iso
from kiosk.core.store.schema import Step
from kiosk.core.store.transactions import Transaction

if TYPE_CHECKING:
    from kiosk.core.store.database import Store

Row = sqlite3.Row

SCHEMA = (
    Step(
        11,
        """
    CREATE TABLE parcels (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL,
        kiosk_id TEXT NOT NULL DEFAULT '',
        courier TEXT NOT NULL,
        recipient_host_id TEXT,
        recipient_department_id TEXT,
        received_at TEXT NOT NULL,
        collected_at TEXT,
        collected_by TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX parcels_open ON parcels(collected_at, received_at);
    CREATE TABLE visit_ratings (
        visit_id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL,
        score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
        scale TEXT NOT NULL,
        rated_at TEXT NOT NULL
    );
    CREATE INDEX visit_ratings_at ON visit_ratings(rated_at)
    """,
    ),
)


def add_parcel(
    tx: Transaction,
    *,
    parcel_id: str,
    site_id: str,
    kiosk_id: str,
    courier: str,
    host_id: str | None,
    department_id: str | None,
    now: datetime,
) -> None:
    tx.execute(
        "INSERT INTO parcels (id, site_id, kiosk_id, courier, recipient_host_id, "
        "recipient_department_id, received_at) VALUES (?,?,?,?,?,?,?)",
        (parcel_id, site_id, kiosk_id, courier, host_id, department_id, iso(now)),
    )


def mark_collected(tx: Transaction, parcel_id: str, *, by: str, now: datetime) -> bool:
    """False when the parcel is unknown or was already collected."""
    cursor = tx.execute(
        "UPDATE parcels SET collected_at=?, collected_by=? WHERE id=? AND collected_at IS NULL",
        (iso(now), by, parcel_id),
    )
    return cursor.rowcount > 0


def parcel(db: Store | Transaction, parcel_id: str) -> Row | None:
    return _one(db, "SELECT * FROM parcels WHERE id=?", (parcel_id,))


def uncollected(db: Store | Transaction, limit: int = 200) -> list[Row]:
    """Parcels still at reception, oldest first."""
    return _all(
        db,
        "SELECT * FROM parcels WHERE collected_at IS NULL ORDER BY received_at LIMIT ?",
        (limit,),
    )


def count_uncollected(db: Store | Transaction) -> int:
    return int(_all(db, "SELECT count(*) FROM parcels WHERE collected_at IS NULL", ())[0][0])


def add_rating(
    tx: Transaction, *, visit_id: str, site_id: str, score: int, scale: str, now: datetime
) -> bool:
    """False when this visit was rated already (the first tap stands)."""
    cursor = tx.execute(
        "INSERT OR IGNORE INTO visit_ratings (visit_id, site_id, score, scale, rated_at) "
        "VALUES (?,?,?,?,?)",
        (visit_id, site_id, score, scale, iso(now)),
    )
    return cursor.rowcount > 0


def _all(db: Store | Transaction, sql: str, params: tuple) -> list[Row]:
    if isinstance(db, Transaction):
        return db.execute(sql, params).fetchall()
    return db.query(sql, params)


def _one(db: Store | Transaction, sql: str, params: tuple) -> Row | None:
    rows = _all(db, sql, params)
    return rows[0] if rows else None
