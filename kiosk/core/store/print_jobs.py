"""The ``print_jobs`` table (schema step 4): one row per badge copy of a visit.

Every statement the print queue runs is here, so the queue reads as states and moves. Reads
take the ``Store``; writes take the caller's ``Transaction`` and never open one.

Must never: decide anything (when to retry, what failed): the print queue does that.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from kiosk.core.config.clock import iso
from kiosk.core.store.database import Store, Transaction, new_id
from kiosk.core.store.schema import Step

Row = sqlite3.Row


# -- reads -----------------------------------------------------------------------------------
def job(store: Store, job_id: str) -> Row:
    row = store.query_one("SELECT * FROM print_jobs WHERE id = ?", (job_id,))
    assert row is not None, job_id
    return row


# schema steps of the print queue's table (part of the one sequence, store/schema.py)
SCHEMA = (
    # what makes a replayed visit.checked_in event print nothing twice
    Step(
        4,
        """
    CREATE TABLE print_jobs (
        id TEXT PRIMARY KEY,
        visit_id TEXT NOT NULL,
        copy INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'queued'
            CHECK (state IN ('queued', 'printing', 'printed', 'failed')),
        language TEXT NOT NULL DEFAULT 'zh_CN',
        event_uuid TEXT NOT NULL DEFAULT '',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        printer TEXT NOT NULL DEFAULT '',
        printer_ref TEXT NOT NULL DEFAULT '',
        submitted_at TEXT,
        reported INTEGER NOT NULL DEFAULT 0,
        error_key TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        printed_at TEXT,
        UNIQUE (visit_id, copy)
    );
    CREATE INDEX print_jobs_due ON print_jobs(state, next_attempt_at);
    """,
    ),
)


def newest_for_visit(store: Store | Transaction, visit_id: str) -> Row | None:
    """The visit's newest copy (the one the done screen and a reprint look at)."""
    sql = "SELECT * FROM print_jobs WHERE visit_id = ? ORDER BY copy DESC LIMIT 1"
    if isinstance(store, Transaction):
        return store.execute(sql, (visit_id,)).fetchone()
    return store.query_one(sql, (visit_id,))


def next_due(store: Store, now: datetime) -> Row | None:
    """The next job to hand to a printer: queued, or failed with its retry time come."""
    return store.query_one(
        "SELECT * FROM print_jobs WHERE state = 'queued' OR (state = 'failed' AND "
        "next_attempt_at IS NOT NULL AND next_attempt_at <= ?) "
        "ORDER BY coalesce(next_attempt_at, created_at), created_at LIMIT 1",
        (iso(now),),
    )


def at_printer(store: Store) -> list[Row]:
    """Jobs a printer has accepted and not yet reported finished."""
    return store.query("SELECT * FROM print_jobs WHERE state = 'printing' AND printer_ref != ''")


def any_at_printer(store: Store) -> bool:
    return (
        store.query_one(
            "SELECT 1 FROM print_jobs WHERE state = 'printing' AND printer_ref != '' LIMIT 1"
        )
        is not None
    )


def interrupted(store: Store) -> list[Row]:
    """Jobs caught mid-hand-over (marked printing, no printer reference yet)."""
    return store.query("SELECT * FROM print_jobs WHERE state = 'printing' AND printer_ref = ''")


def next_retry_at(store: Store) -> str | None:
    row = store.query_one(
        "SELECT min(next_attempt_at) FROM print_jobs WHERE state = 'failed' "
        "AND next_attempt_at IS NOT NULL"
    )
    return row[0] if row and row[0] else None


def recent(store: Store, *, state: str | None = None, limit: int = 100) -> list[Row]:
    sql = "SELECT * FROM print_jobs"
    params: tuple = ()
    if state:
        sql += " WHERE state = ?"
        params = (state,)
    return store.query(sql + " ORDER BY updated_at DESC LIMIT ?", (*params, limit))


def check_in_waiting(store: Store, visit_id: str, after: int) -> bool:
    """A ``visit.checked_in`` for the visit in the outbox past the queue's position."""
    return (
        store.query_one(
            "SELECT 1 FROM outbox WHERE entity_id = ? AND kind = 'visit.checked_in' AND seq > ?",
            (visit_id, after),
        )
        is not None
    )


# -- writes ----------------------------------------------------------------------------------
def add(
    tx: Transaction,
    *,
    visit_id: str,
    copy: int,
    language: str,
    event_uuid: str,
    now: datetime,
) -> None:
    """Queue a copy; a second one for the same (visit, copy) changes nothing (replays)."""
    tx.execute(
        "INSERT OR IGNORE INTO print_jobs (id, visit_id, copy, state, language, event_uuid, "
        "created_at, updated_at) VALUES (?,?,?,'queued',?,?,?,?)",
        (new_id(), visit_id, copy, language, event_uuid, iso(now), iso(now)),
    )


def requeue(tx: Transaction, job_id: str, now: datetime) -> None:
    tx.execute(
        "UPDATE print_jobs SET state='queued', attempts=0, next_attempt_at=NULL, "
        "reported=0, error_key='', error='', printer='', printer_ref='', "
        "updated_at=? WHERE id=?",
        (iso(now), job_id),
    )


def mark_printing(tx: Transaction, job_id: str, now: datetime) -> None:
    tx.execute(
        "UPDATE print_jobs SET state='printing', attempts=attempts+1, printer='', "
        "printer_ref='', submitted_at=NULL, updated_at=? WHERE id=?",
        (iso(now), job_id),
    )


def mark_submitted(tx: Transaction, job_id: str, *, printer: str, ref: str, now: datetime):
    tx.execute(
        "UPDATE print_jobs SET printer=?, printer_ref=?, submitted_at=?, updated_at=? WHERE id=?",
        (printer, ref, iso(now), iso(now), job_id),
    )


def mark_printed(tx: Transaction, job_id: str, now: datetime) -> None:
    tx.execute(
        "UPDATE print_jobs SET state='printed', error_key='', error='', "
        "next_attempt_at=NULL, printed_at=?, updated_at=? WHERE id=?",
        (iso(now), iso(now), job_id),
    )


def mark_failed(
    tx: Transaction,
    job_id: str,
    *,
    key: str,
    detail: str,
    retry_at: datetime | None,
    now: datetime,
) -> None:
    tx.execute(
        "UPDATE print_jobs SET state='failed', error_key=?, error=?, next_attempt_at=?, "
        "reported=1, updated_at=? WHERE id=?",
        (key, detail[:500], iso(retry_at) if retry_at else None, iso(now), job_id),
    )


def mark_reported(tx: Transaction, job_id: str) -> None:
    tx.execute("UPDATE print_jobs SET reported=1 WHERE id=?", (job_id,))
