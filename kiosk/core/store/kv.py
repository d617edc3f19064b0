"""Small key/value state: sync cursor, kiosk identity, badge keys, document versions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.core.store.schema import Step

if TYPE_CHECKING:
    from kiosk.core.store.database import Store, Transaction

SCHEMA = (
    Step(
        1,
        """
    CREATE TABLE kv (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    ),
)


def get(store: Store, key: str) -> str | None:
    row = store.query_one("SELECT value FROM kv WHERE key = ?", (key,))
    return str(row[0]) if row else None


def put(tx: Transaction, key: str, value: str) -> None:
    tx.execute(
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=?",
        (key, value, value),
    )


def put_if_absent(tx: Transaction, key: str, value: str) -> None:
    tx.execute("INSERT OR IGNORE INTO kv (key, value) VALUES (?, ?)", (key, value))


def delete(tx: Transaction, key: str) -> None:
    tx.execute("DELETE FROM kv WHERE key = ?", (key,))
