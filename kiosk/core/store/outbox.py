"""The outbox (every event, in ``seq`` order) and each consumer's position in it.

``Transaction.emit`` appends, the payload sealed at rest (``privacy/fields.py``: it names the
visitor); ``rows_after`` opens it for sync, which sends it to head office over HTTPS.
Consumers (printer, notifier, sync) read after their stored position and move it forward in
the transaction that handled the events.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import TYPE_CHECKING, Any

from kiosk.core.config.clock import iso, parse_iso
from kiosk.core.models import OutboxEvent
from kiosk.core.store.schema import Step

if TYPE_CHECKING:
    from kiosk.core.events import Event
    from kiosk.core.privacy.fields import Fields
    from kiosk.core.store.database import Store, Transaction

SCHEMA = (
    Step(
        1,
        """
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        payload TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX outbox_entity ON outbox(entity_id);
    CREATE TABLE outbox_positions (
        consumer TEXT PRIMARY KEY,
        position INTEGER NOT NULL DEFAULT 0
    );
    """,
    ),
    # hybrid logical clock stamp on each event (sync orders a visit's events by it)
    Step(2, "ALTER TABLE outbox ADD COLUMN hlc TEXT NOT NULL DEFAULT ''"),
)


def append(tx: Transaction, event: Event, hlc: str) -> str:
    """Write one event row; returns its new UUID."""
    event_uuid = str(uuid.uuid4())
    tx.execute(
        "INSERT INTO outbox (uuid, kind, entity_id, occurred_at, payload, hlc) "
        "VALUES (?,?,?,?,?,?)",
        (
            event_uuid,
            event.kind,
            event.entity_id,
            iso(tx.clock.now()),
            tx.fields.seal(
                json.dumps(event.payload(), ensure_ascii=False, sort_keys=True), "outbox", "payload"
            ),
            hlc,
        ),
    )
    return event_uuid


def last_hlc(store: Store) -> str:
    row = store.query_one("SELECT max(hlc) FROM outbox")
    return str(row[0] or "") if row else ""


def rows_after(store: Store, seq: int, limit: int) -> list[sqlite3.Row]:
    """Raw rows after ``seq`` (what sync pushes as they are stored)."""
    return store.query(
        "SELECT seq, uuid, kind, entity_id, occurred_at, hlc, "
        "open_field(payload, 'outbox', 'payload') AS payload FROM outbox "
        "WHERE seq > ? ORDER BY seq LIMIT ?",
        (seq, limit),
    )


def events_after(
    store: Store, position: int, *, limit: int, kinds: tuple[str, ...] | None
) -> list[OutboxEvent]:
    sql = "SELECT * FROM outbox WHERE seq > ?"
    params: list[Any] = [position]
    if kinds:
        sql += f" AND kind IN ({','.join('?' * len(kinds))})"
        params.extend(kinds)
    sql += " ORDER BY seq LIMIT ?"
    params.append(limit)
    return [_event(row, store.fields) for row in store.query(sql, params)]


def count_after(store: Store, position: int, kinds: tuple[str, ...] | None) -> int:
    sql = "SELECT count(*) FROM outbox WHERE seq > ?"
    params: list[Any] = [position]
    if kinds:
        sql += f" AND kind IN ({','.join('?' * len(kinds))})"
        params.extend(kinds)
    row = store.query_one(sql, params)
    return int(row[0]) if row else 0


def position(store: Store, consumer: str) -> int:
    row = store.query_one("SELECT position FROM outbox_positions WHERE consumer = ?", (consumer,))
    return int(row[0]) if row else 0


def advance(tx: Transaction, consumer: str, seq: int) -> None:
    tx.execute(
        "INSERT INTO outbox_positions (consumer, position) VALUES (?, ?) "
        "ON CONFLICT(consumer) DO UPDATE SET position = max(position, excluded.position)",
        (consumer, seq),
    )


def _event(row: sqlite3.Row, fields: Fields) -> OutboxEvent:
    return OutboxEvent(
        seq=row["seq"],
        uuid=row["uuid"],
        kind=row["kind"],
        entity_id=row["entity_id"],
        occurred_at=parse_iso(row["occurred_at"]),
        payload=json.loads(fields.open(row["payload"], "outbox", "payload")),
        hlc=row["hlc"],
    )
