"""The notifier's tables (schema step 3): ``notify_visits``, one row per visit (the plan's
stage, the reply), and ``notify_deliveries``, one row per message to one channel.

Every statement the notifier runs is here. Reads take the ``Store`` or the caller's
``Transaction``; writes take the transaction and never open one. A settled delivery keeps its
outcome, not the message: visitor names are personal data.

Must never: decide who is told or when (``notify/plan.py``, ``notify/deliveries.py``).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from kiosk.core.config.clock import iso, parse_iso
from kiosk.core.models import OutboxEvent
from kiosk.core.store.database import Store, Transaction, new_id
from kiosk.core.store.schema import Step

Row = sqlite3.Row
_FORGET_TEXT = "subject='', body_text='', body_html=''"


# -- notify_visits ---------------------------------------------------------------------------
def visit_row(db: Store | Transaction, visit_id: str) -> Row | None:
    sql = "SELECT * FROM notify_visits WHERE visit_id=?"
    if isinstance(db, Transaction):
        return db.execute(sql, (visit_id,)).fetchone()
    return db.query_one(sql, (visit_id,))


# schema steps of the notifier's tables (part of the one sequence, store/schema.py)
SCHEMA = (
    # host notification: one row per visit (stage, reply) and one per message sent
    Step(
        3,
        """
    CREATE TABLE notify_visits (
        visit_id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL,
        host_id TEXT,
        department_id TEXT,
        event_uuid TEXT NOT NULL,
        language TEXT NOT NULL DEFAULT 'zh_CN',
        stage TEXT NOT NULL DEFAULT 'host',
        state TEXT NOT NULL DEFAULT 'notified',
        told TEXT NOT NULL DEFAULT '',
        reply_id TEXT NOT NULL,
        reply TEXT,
        minutes INTEGER,
        replied_by TEXT,
        replied_at TEXT,
        created_at TEXT NOT NULL,
        escalate_at TEXT
    );
    CREATE INDEX notify_visits_escalate ON notify_visits(escalate_at);
    CREATE TABLE notify_deliveries (
        id TEXT PRIMARY KEY,
        visit_id TEXT NOT NULL REFERENCES notify_visits(visit_id),
        stage TEXT NOT NULL,
        recipient TEXT NOT NULL,
        url TEXT NOT NULL,
        channel TEXT NOT NULL,
        subject TEXT NOT NULL,
        body_text TEXT NOT NULL,
        body_html TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        sent_at TEXT
    );
    CREATE INDEX notify_deliveries_due ON notify_deliveries(state, next_attempt_at);
    CREATE INDEX notify_deliveries_visit ON notify_deliveries(visit_id);
    """,
    ),
    # badge print jobs: one per visit (copy 0) plus one per reprint; the unique key is,
)


def add_visit(
    tx: Transaction,
    *,
    visit_id: str,
    site_id: str,
    host_id: str | None,
    department_id: str | None,
    event_uuid: str,
    language: str,
    state: str,
    reply_id: str,
    now: datetime,
) -> None:
    tx.execute(
        "INSERT INTO notify_visits (visit_id, site_id, host_id, department_id, event_uuid, "
        "language, stage, state, reply_id, created_at) VALUES (?,?,?,?,?,?,'',?,?,?)",
        (
            visit_id,
            site_id,
            host_id,
            department_id,
            event_uuid,
            language,
            state,
            reply_id,
            iso(now),
        ),
    )


def set_stage(tx: Transaction, visit_id: str, *, stage: str, told: str, state: str) -> None:
    """The visit's step moves on; ``state`` 'pending' keeps the state it has."""
    tx.execute(
        "UPDATE notify_visits SET stage=?, told=?, state=CASE WHEN ?='pending' THEN state "
        "ELSE ? END, escalate_at=NULL WHERE visit_id=?",
        (stage, told, state, state, visit_id),
    )


def set_escalate_at(tx: Transaction, visit_id: str, due: datetime | None) -> None:
    tx.execute(
        "UPDATE notify_visits SET escalate_at=? WHERE visit_id=?",
        (iso(due) if due else None, visit_id),
    )


def due_for_escalation(store: Store, now: datetime, limit: int = 50) -> list[Row]:
    return store.query(
        "SELECT * FROM notify_visits WHERE escalate_at IS NOT NULL AND escalate_at <= ? "
        "AND reply IS NULL ORDER BY escalate_at LIMIT ?",
        (iso(now), limit),
    )


def next_escalation_at(store: Store) -> str | None:
    row = store.query_one(
        "SELECT min(escalate_at) FROM notify_visits WHERE escalate_at IS NOT NULL AND reply IS NULL"
    )
    return row[0] if row and row[0] else None


def mark_host_notified(tx: Transaction, visit_id: str) -> None:
    tx.execute(
        "UPDATE notify_visits SET state='notified' WHERE visit_id=? AND state IN "
        "('pending', 'failed')",
        (visit_id,),
    )


def mark_stage_unreachable(tx: Transaction, visit_id: str, stage: str, now: datetime) -> None:
    """Nobody of this step can be reached: escalate now instead of waiting for a reply."""
    tx.execute(
        "UPDATE notify_visits SET escalate_at=?, "
        "state=CASE WHEN state IN ('pending', 'notified') THEN 'failed' ELSE state END "
        "WHERE visit_id=? AND reply IS NULL AND stage=?",
        (iso(now), visit_id, stage),
    )


def set_reply(
    tx: Transaction,
    *,
    visit_id: str,
    reply_id: str,
    reply: str,
    minutes: int,
    recipient: str,
    replied_at: str,
) -> bool:
    """The first reply to the visit's messages; False for a later one or a stranger's."""
    cursor = tx.execute(
        "UPDATE notify_visits SET reply=?, minutes=?, replied_by=?, replied_at=?, "
        "escalate_at=NULL WHERE visit_id=? AND reply_id=? AND reply IS NULL",
        (reply, int(minutes), recipient, replied_at, visit_id, reply_id),
    )
    return cursor.rowcount > 0


def outbox_record(tx: Transaction, event_uuid: str) -> OutboxEvent | None:
    """The outbox record a visit was planned from (escalation messages are built from it)."""
    row = tx.execute("SELECT * FROM outbox WHERE uuid=?", (event_uuid,)).fetchone()
    if row is None:
        return None
    return OutboxEvent(
        seq=row["seq"],
        uuid=row["uuid"],
        kind=row["kind"],
        entity_id=row["entity_id"],
        occurred_at=parse_iso(row["occurred_at"]),
        payload=json.loads(tx.fields.open(row["payload"], "outbox", "payload")),
        hlc=row["hlc"],
    )


# -- notify_deliveries -----------------------------------------------------------------------
def add_delivery(
    tx: Transaction,
    *,
    visit_id: str,
    stage: str,
    recipient: str,
    url: str,
    channel: str,
    subject: str,
    text: str,
    html: str,
    now: datetime,
) -> None:
    tx.execute(
        "INSERT INTO notify_deliveries (id, visit_id, stage, recipient, url, channel, "
        "subject, body_text, body_html, state, attempts, next_attempt_at, created_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,'pending',0,?,?)",
        (
            new_id(),
            visit_id,
            stage,
            recipient,
            url,
            channel,
            tx.fields.seal(subject, "notify_deliveries", "subject"),
            tx.fields.seal(text, "notify_deliveries", "body_text"),
            tx.fields.seal(html, "notify_deliveries", "body_html"),
            iso(now),
            iso(now),
        ),
    )


def due_deliveries(store: Store, now: datetime, limit: int = 200) -> list[Row]:
    return store.query(
        "SELECT id, url, open_field(subject, 'notify_deliveries', 'subject') AS subject, "
        "open_field(body_text, 'notify_deliveries', 'body_text') AS body_text, "
        "open_field(body_html, 'notify_deliveries', 'body_html') AS body_html "
        "FROM notify_deliveries "
        "WHERE state='pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?",
        (iso(now), limit),
    )


def count_due(store: Store, now: datetime) -> int:
    row = store.query_one(
        "SELECT count(*) FROM notify_deliveries WHERE state='pending' AND next_attempt_at <= ?",
        (iso(now),),
    )
    return int(row[0]) if row else 0


def next_attempt_at(store: Store) -> str | None:
    row = store.query_one(
        "SELECT min(next_attempt_at) FROM notify_deliveries WHERE state='pending'"
    )
    return row[0] if row and row[0] else None


def delivery(tx: Transaction, delivery_id: str) -> Row | None:
    """A delivery with its visit's site."""
    return tx.execute(
        "SELECT d.*, v.site_id FROM notify_deliveries d "
        "JOIN notify_visits v ON v.visit_id = d.visit_id WHERE d.id=?",
        (delivery_id,),
    ).fetchone()


def mark_sent(tx: Transaction, delivery_id: str, *, attempts: int, now: datetime) -> None:
    tx.execute(
        "UPDATE notify_deliveries SET state='sent', attempts=?, sent_at=?, "
        f"last_error='', {_FORGET_TEXT} WHERE id=?",
        (attempts, iso(now), delivery_id),
    )


def mark_retry(
    tx: Transaction, delivery_id: str, *, attempts: int, error: str, at: datetime
) -> None:
    tx.execute(
        "UPDATE notify_deliveries SET attempts=?, last_error=?, next_attempt_at=? WHERE id=?",
        (attempts, error, iso(at), delivery_id),
    )


def mark_failed(tx: Transaction, delivery_id: str, *, attempts: int, error: str) -> None:
    tx.execute(
        f"UPDATE notify_deliveries SET state='failed', attempts=?, last_error=?, "
        f"{_FORGET_TEXT} WHERE id=?",
        (attempts, error, delivery_id),
    )


def open_in_stage(tx: Transaction, visit_id: str, stage: str) -> int:
    """Deliveries of the visit's step that have not failed for good."""
    return int(
        tx.execute(
            "SELECT count(*) FROM notify_deliveries WHERE visit_id=? AND stage=? "
            "AND state != 'failed'",
            (visit_id, stage),
        ).fetchone()[0]
    )
