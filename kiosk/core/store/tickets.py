"""The front desk's tickets: ``tickets`` (what was raised) and ``ticket_entries`` (every change).

A ticket's row keeps what ``ticket.raised`` said plus the state folded from its entries
(status, department, outcome, escalation), refreshed by ``kiosk.core.tickets`` after each new
entry; entries are only ever added (their id is the key, so a pulled entry this kiosk already
has is "already had it"). ``number`` is what a visitor is given to look the ticket up.

The raised record (the client's name and contact, the details) and every entry (notes, edits,
what the client was told) are sealed at rest by the store's field cipher (``privacy/fields.py``,
the table and column as associated data); the columns SQL filters on hold no personal data.

Must never: update or delete an entry, or decide a status (``kiosk.core.tickets.model`` does).
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from kiosk.core.config.clock import iso
from kiosk.core.store.schema import Step

if TYPE_CHECKING:
    from kiosk.core.store.database import Store, Transaction


def _fact(record: str, table: str, path: str) -> str:
    """SQL: one fact of a sealed record (the step-13 backfill)."""
    return f"json_extract(open_field({record}, '{table}', '{record}'), '$.{path}')"


SCHEMA = (
    Step(
        10,
        """
    CREATE TABLE tickets (
        id TEXT PRIMARY KEY,
        number TEXT NOT NULL,
        site_id TEXT NOT NULL,
        kiosk_id TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,
        raised TEXT NOT NULL,
        raised_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        department_id TEXT NOT NULL DEFAULT '',
        priority TEXT NOT NULL DEFAULT 'normal',
        due_at TEXT,
        updated_at TEXT NOT NULL,
        escalation INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX tickets_number ON tickets(number);
    CREATE INDEX tickets_status ON tickets(status, due_at);
    CREATE INDEX tickets_raised ON tickets(raised_at);
    CREATE TABLE ticket_entries (
        id TEXT PRIMARY KEY,
        ticket_id TEXT NOT NULL REFERENCES tickets(id),
        at TEXT NOT NULL,
        entry TEXT NOT NULL
    );
    CREATE INDEX ticket_entries_ticket ON ticket_entries(ticket_id, at, id)
    """,
    ),
    # what the reports read of each record, in clear (no personal data: kinds, statuses,
    # departments, times), so a quarter's figures open no sealed record; the rows already
    # there are filled from their sealed records (``open_field`` is on the migrating connection)
    Step(
        14,
        f"""
    ALTER TABLE tickets ADD COLUMN raised_kind TEXT;
    ALTER TABLE tickets ADD COLUMN raised_due_at TEXT;
    ALTER TABLE ticket_entries ADD COLUMN action TEXT;
    ALTER TABLE ticket_entries ADD COLUMN status TEXT;
    ALTER TABLE ticket_entries ADD COLUMN department_id TEXT;
    ALTER TABLE ticket_entries ADD COLUMN edit_kind TEXT;
    ALTER TABLE ticket_entries ADD COLUMN edit_due_at TEXT;
    UPDATE tickets SET raised_kind = {_fact("raised", "tickets", "ticket_kind")},
        raised_due_at = {_fact("raised", "tickets", "due_at")};
    UPDATE ticket_entries SET action = {_fact("entry", "ticket_entries", "action")},
        status = {_fact("entry", "ticket_entries", "status")},
        department_id = {_fact("entry", "ticket_entries", "department_id")},
        edit_kind = {_fact("entry", "ticket_entries", "fields.kind")},
        edit_due_at = {_fact("entry", "ticket_entries", "fields.due_at")}
    """,
    ),
)


def add_ticket(tx: Transaction, raised: dict[str, Any]) -> bool:
    """Store a raised ticket (its ``ticket.raised`` payload); False if it was there already."""
    cur = tx.execute(
        "INSERT OR IGNORE INTO tickets (id, number, site_id, kiosk_id, kind, raised, raised_at,"
        " department_id, priority, due_at, updated_at, raised_kind, raised_due_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            raised["ticket_id"],
            raised["number"],
            raised["site_id"],
            raised["kiosk_id"],
            raised["ticket_kind"],
            tx.fields.seal(json.dumps(raised, ensure_ascii=False), "tickets", "raised"),
            raised["raised_at"],
            raised["department_id"],
            raised["priority"],
            raised.get("due_at"),
            raised["raised_at"],
            raised["ticket_kind"],
            raised.get("due_at"),
        ),
    )
    return cur.rowcount == 1


def add_entry(tx: Transaction, entry: dict[str, Any]) -> bool:
    """Store one ``ticket.updated`` payload; False if this kiosk had it already."""
    cur = tx.execute(
        "INSERT OR IGNORE INTO ticket_entries (id, ticket_id, at, entry, action, status,"
        " department_id, edit_kind, edit_due_at) VALUES (?,?,?,?,?,?,?,?,?)",
        (
            entry["entry_id"],
            entry["ticket_id"],
            entry["at"],
            tx.fields.seal(json.dumps(entry, ensure_ascii=False), "ticket_entries", "entry"),
            entry.get("action"),
            entry.get("status"),
            entry.get("department_id"),
            *(_edited(entry, name) for name in ("kind", "due_at")),
        ),
    )
    return cur.rowcount == 1


def _edited(entry: dict[str, Any], name: str) -> Any:
    fields = entry.get("fields")
    return fields.get(name) if isinstance(fields, dict) else None


def set_state(
    tx: Transaction,
    ticket_id: str,
    *,
    kind: str,
    status: str,
    department_id: str,
    priority: str,
    due_at: str | None,
    updated_at: str,
    escalation: int,
) -> None:
    tx.execute(
        "UPDATE tickets SET kind = ?, status = ?, department_id = ?, priority = ?, due_at = ?,"
        " updated_at = ?, escalation = ? WHERE id = ?",
        (kind, status, department_id, priority, due_at, updated_at, escalation, ticket_id),
    )


def number_taken(tx: Transaction, number: str) -> bool:
    return tx.execute("SELECT 1 FROM tickets WHERE number = ?", (number,)).fetchone() is not None


def raised_of(store: Store, ticket_id: str) -> dict[str, Any] | None:
    row = store.query_one("SELECT raised FROM tickets WHERE id = ?", (ticket_id,))
    return (
        None if row is None else json.loads(store.fields.open(row["raised"], "tickets", "raised"))
    )


def entries_of(store: Store, ticket_id: str) -> list[dict[str, Any]]:
    rows = store.query(
        "SELECT entry FROM ticket_entries WHERE ticket_id = ? ORDER BY at, id", (ticket_id,)
    )
    return [json.loads(store.fields.open(r["entry"], "ticket_entries", "entry")) for r in rows]


def done_since(store: Store, *, kiosk_id: str, since: str) -> list[str]:
    """Ids of the tickets raised at ``kiosk_id`` that are done (resolved, confirmed, closed)
    and changed since ``since``."""
    return [
        r["id"]
        for r in store.query(
            "SELECT id FROM tickets WHERE kiosk_id = ? AND updated_at >= ?"
            " AND status IN ('resolved', 'confirmed', 'closed')",
            (kiosk_id, since),
        )
    ]


def ids_by_number(store: Store, number: str) -> list[str]:
    return [r["id"] for r in store.query("SELECT id FROM tickets WHERE number = ?", (number,))]


def rows(
    store: Store,
    *,
    kind: str = "",
    status: tuple[str, ...] = (),
    department_id: str = "",
    overdue_at: str = "",
    limit: int = 200,
) -> list[sqlite3.Row]:
    """Ticket rows (newest first) matching the console's filters; ``overdue_at``: only those
    still open past their due time at that moment. ``raised`` stays sealed (``raised_of``)."""
    where, params = ["1 = 1"], []
    if kind:
        where.append("kind = ?")
        params.append(kind)
    if status:
        where.append(f"status IN ({','.join('?' * len(status))})")
        params.extend(status)
    if department_id:
        where.append("department_id = ?")
        params.append(department_id)
    if overdue_at:
        where.append("status IN ('open','assigned','in_progress') AND due_at IS NOT NULL")
        where.append("due_at < ?")
        params.append(overdue_at)
    return store.query(
        f"SELECT * FROM tickets WHERE {' AND '.join(where)} ORDER BY raised_at DESC LIMIT ?",
        (*params, limit),
    )


def timelines_between(store: Store, start: str, end: str) -> list[tuple[Any, ...]]:
    """Tickets raised in [start, end), one row per entry (one row with NULL entry columns for
    a ticket without any), ordered by ticket then (at, entry id), as plain tuples with only
    what the figures read: (ticket id, raised_at, raised kind, raised due_at, entry at,
    action, status, department_id, an edit's kind, an edit's due_at). All of it is in clear
    columns (step 14): no sealed record is opened."""
    cursor = store.conn.cursor()
    cursor.row_factory = None  # tens of thousands of rows: no ``sqlite3.Row`` each
    try:
        return cursor.execute(
            "SELECT t.id, t.raised_at, t.raised_kind, t.raised_due_at, e.at, e.action,"
            " e.status, e.department_id, e.edit_kind, e.edit_due_at"
            " FROM tickets t LEFT JOIN ticket_entries e ON e.ticket_id = t.id"
            " WHERE t.raised_at >= ? AND t.raised_at < ?"
            " ORDER BY t.raised_at, t.rowid, e.at, e.id",
            (start, end),
        ).fetchall()
    finally:
        cursor.close()


def iso_or_none(value: Any) -> str | None:
    return None if value is None else iso(value)
