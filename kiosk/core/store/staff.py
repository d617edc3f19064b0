"""Staff accounts of the receptionist mode: who may open the console, with which role.

A row holds a staff member's pseudonymous id (what the audit log names), display name, role
and the argon2 hash of their PIN (``kiosk.core.reception.pins``); never a PIN. Rows come from
``kiosk staff add`` on this kiosk or from head office's pull feed (``staff.upserted``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.core.config.clock import iso
from kiosk.core.store.base import dt
from kiosk.core.store.schema import Step

if TYPE_CHECKING:
    from kiosk.core.store.database import Store, Transaction

SCHEMA = (
    Step(
        8,
        """
    CREATE TABLE staff (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('receptionist', 'supervisor', 'admin')),
        pin_hash TEXT NOT NULL,
        language TEXT NOT NULL DEFAULT '',
        disabled INTEGER NOT NULL DEFAULT 0,
        origin TEXT NOT NULL DEFAULT 'kiosk' CHECK (origin IN ('kiosk', 'head_office')),
        updated_at TEXT NOT NULL
    );
    CREATE INDEX staff_site ON staff(site_id, disabled)
    """,
    ),
)


@dataclass(frozen=True, slots=True)
class StaffRow:
    id: str
    site_id: str
    name: str
    role: str
    pin_hash: str
    language: str = ""
    disabled: bool = False
    origin: str = "kiosk"
    updated_at: datetime | None = None


def upsert(tx: Transaction, row: StaffRow) -> None:
    tx.execute(
        "INSERT INTO staff (id, site_id, name, role, pin_hash, language, disabled, origin, "
        "updated_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
        "site_id=excluded.site_id, name=excluded.name, role=excluded.role, "
        "pin_hash=excluded.pin_hash, language=excluded.language, disabled=excluded.disabled, "
        "origin=excluded.origin, updated_at=excluded.updated_at",
        (
            row.id,
            row.site_id,
            row.name,
            row.role,
            row.pin_hash,
            row.language,
            int(row.disabled),
            row.origin,
            iso(row.updated_at or tx.clock.now()),
        ),
    )


def get(store: Store, staff_id: str) -> StaffRow | None:
    row = store.query_one("SELECT * FROM staff WHERE id = ?", (staff_id,))
    return _row(row) if row else None


def for_site(store: Store, site_id: str, *, include_disabled: bool = False) -> list[StaffRow]:
    sql = "SELECT * FROM staff WHERE site_id = ?"
    if not include_disabled:
        sql += " AND disabled = 0"
    return [_row(r) for r in store.query(sql + " ORDER BY name, id", (site_id,))]


def _row(r: sqlite3.Row) -> StaffRow:
    return StaffRow(
        id=r["id"],
        site_id=r["site_id"],
        name=r["name"],
        role=r["role"],
        pin_hash=r["pin_hash"],
        language=r["language"],
        disabled=bool(r["disabled"]),
        origin=r["origin"],
        updated_at=dt(r["updated_at"]),
    )
