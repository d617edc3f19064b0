"""The audit log's table: append-only rows, each holding the hash of the one before.

The chain itself (what is hashed, how it is verified) is ``kiosk.core.reception.audit``; this
module is its SQL. Nothing here updates or deletes a row. ``kv`` ``audit.head`` keeps the last
entry's ``seq:hash`` (written in the same transaction), so a removed last entry is found too.

Designed for the privacy issue's views and exports as well as staff actions: ``subject_kind``
/ ``subject_id`` name the record touched (visit, visitor, alert, staff, settings, export),
``fields`` which personal fields were seen or changed, ``reason`` why.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from kiosk.core.store import kv
from kiosk.core.store.schema import Step

if TYPE_CHECKING:
    from kiosk.core.store.database import Store, Transaction

SCHEMA = (
    Step(
        8,
        """
    CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        at TEXT NOT NULL,
        site_id TEXT NOT NULL,
        kiosk_id TEXT NOT NULL DEFAULT '',
        actor TEXT NOT NULL,
        role TEXT NOT NULL DEFAULT '',
        action TEXT NOT NULL,
        subject_kind TEXT NOT NULL DEFAULT '',
        subject_id TEXT NOT NULL DEFAULT '',
        fields TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',
        details TEXT NOT NULL DEFAULT '{}',
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX audit_log_subject ON audit_log(subject_kind, subject_id);
    CREATE INDEX audit_log_actor ON audit_log(actor, at)
    """,
    ),
)

COLUMNS = (
    "seq",
    "id",
    "at",
    "site_id",
    "kiosk_id",
    "actor",
    "role",
    "action",
    "subject_kind",
    "subject_id",
    "fields",
    "reason",
    "details",
    "prev_hash",
    "hash",
)
HEAD_KEY = "audit.head"


def last(tx: Transaction) -> sqlite3.Row | None:
    row: sqlite3.Row | None = tx.execute(
        "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    return row


def append(tx: Transaction, values: dict[str, Any]) -> None:
    tx.execute(
        f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
        tuple(values[c] for c in COLUMNS),
    )
    kv.put(tx, HEAD_KEY, f"{values['seq']}:{values['hash']}")


def rows(store: Store, *, after: int = 0, limit: int = 10_000) -> list[sqlite3.Row]:
    return store.query("SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit))


def head(store: Store) -> str:
    return kv.get(store, HEAD_KEY) or ""


def recent(store: Store, *, limit: int = 100) -> list[sqlite3.Row]:
    return store.query("SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?", (limit,))
