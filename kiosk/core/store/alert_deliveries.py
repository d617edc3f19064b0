"""The ``alert_deliveries`` table (schema step 9): one row per alert per channel it goes to
(the desk's channels, security's, the backup contact's while the desk is unattended; a
ticket's department and client; a parcel's recipient).

The notifier (``kiosk/core/notify/worker.py``) plans these rows in the transaction that moves
its outbox position past the ``alert.raised`` event, so each alert is planned once; the unique
key (alert, ``url_key``) holds that even if a plan ran twice. Reads take the ``Store`` or the
caller's ``Transaction``; writes take the transaction and never open one. A settled row keeps
its outcome, not the message (a watchlist message names the visitor) nor the URL.

The URL (a client's e-mail address in ``to=``, a relay's password) and the channel shown for it are
sealed like the message (store step 13). The unique key is ``url_key``, the field cipher's
keyed digest of the URL, so "already planned" still holds without the URL in clear (a row from
before step 13 keeps its own id as its key: it was planned already, in the transaction that moved
the notifier past its event, and is not planned again).

Must never: decide who is told (``notify/alert_routes.py``) or when a send is retried
(``notify/alert_routes.record_alert_outcome`` with the notifier's ``RetryPolicy``).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.core.config.clock import iso
from kiosk.core.store.schema import Step

if TYPE_CHECKING:
    from kiosk.core.store.database import Store, Transaction

Row = sqlite3.Row

SCHEMA = (
    Step(
        9,
        """
    CREATE TABLE alert_deliveries (
        id TEXT PRIMARY KEY,
        alert_id TEXT NOT NULL,
        route TEXT NOT NULL,
        url TEXT NOT NULL,
        channel TEXT NOT NULL,
        subject TEXT NOT NULL,
        body_text TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (alert_id, url)
    );
    CREATE INDEX alert_deliveries_due ON alert_deliveries(state, next_attempt_at);
    """,
    ),
    # the URL sealed (``privacy/migrate.SEALED`` seals older rows at open); unique by its digest
    Step(
        13,
        """
    CREATE TABLE alert_deliveries_sealed (
        id TEXT PRIMARY KEY,
        alert_id TEXT NOT NULL,
        route TEXT NOT NULL,
        url TEXT NOT NULL,
        url_key TEXT NOT NULL,
        channel TEXT NOT NULL,
        subject TEXT NOT NULL,
        body_text TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (alert_id, url_key)
    );
    INSERT INTO alert_deliveries_sealed (id, alert_id, route, url, url_key, channel, subject,
        body_text, state, attempts, next_attempt_at, last_error, created_at, sent_at)
        SELECT id, alert_id, route, url, 'row:' || id, channel,
        subject, body_text, state, attempts, next_attempt_at, last_error, created_at, sent_at
        FROM alert_deliveries;
    DROP TABLE alert_deliveries;
    ALTER TABLE alert_deliveries_sealed RENAME TO alert_deliveries;
    CREATE INDEX alert_deliveries_due ON alert_deliveries(state, next_attempt_at);
    """,
    ),
)

_FORGET = "subject='', body_text='', url=''"
_T = "alert_deliveries"
_CHANNEL = "open_field(channel, 'alert_deliveries', 'channel') AS channel"


def add(
    tx: Transaction,
    *,
    delivery_id: str,
    alert_id: str,
    route: str,
    url: str,
    channel: str,
    subject: str,
    text: str,
    now: datetime,
) -> bool:
    """A pending delivery; False when this alert already goes to this URL (every URL is
    sealed: a client's mobile or address, a relay's password)."""
    cursor = tx.execute(
        "INSERT OR IGNORE INTO alert_deliveries (id, alert_id, route, url, url_key, channel, "
        "subject, body_text, next_attempt_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            delivery_id,
            alert_id,
            route,
            tx.fields.seal(url, _T, "url"),
            tx.fields.digest(url, _T, "url"),
            tx.fields.seal(channel, _T, "channel"),
            tx.fields.seal(subject, "alert_deliveries", "subject"),
            tx.fields.seal(text, "alert_deliveries", "body_text"),
            iso(now),
            iso(now),
        ),
    )
    return cursor.rowcount > 0


def planned(tx: Transaction, alert_id: str) -> bool:
    """True when something is already planned for ``alert_id`` (any channel, any state)."""
    return (
        tx.execute("SELECT 1 FROM alert_deliveries WHERE alert_id=?", (alert_id,)).fetchone()
        is not None
    )


def due(store: Store, now: datetime, limit: int = 200) -> list[Row]:
    return store.query(
        "SELECT id, open_field(url, 'alert_deliveries', 'url') AS url, "
        "open_field(subject, 'alert_deliveries', 'subject') AS subject, "
        "open_field(body_text, 'alert_deliveries', 'body_text') AS body_text "
        "FROM alert_deliveries "
        "WHERE state='pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?",
        (iso(now), limit),
    )


def count_due(store: Store, now: datetime) -> int:
    row = store.query_one(
        "SELECT count(*) FROM alert_deliveries WHERE state='pending' AND next_attempt_at <= ?",
        (iso(now),),
    )
    return int(row[0]) if row else 0


def next_attempt_at(store: Store) -> str | None:
    row = store.query_one("SELECT min(next_attempt_at) FROM alert_deliveries WHERE state='pending'")
    return row[0] if row and row[0] else None


def delivery(tx: Transaction, delivery_id: str) -> Row | None:
    return tx.execute(
        f"SELECT id, alert_id, route, {_CHANNEL}, state, attempts, "
        "open_field(url, 'alert_deliveries', 'url') AS url FROM alert_deliveries WHERE id=?",
        (delivery_id,),
    ).fetchone()


def for_alert(db: Store, alert_id: str) -> list[Row]:
    """Where one alert went and how (console, tests, ``kiosk status``)."""
    return db.query(
        f"SELECT id, alert_id, route, {_CHANNEL}, state, attempts, last_error, sent_at "
        "FROM alert_deliveries WHERE alert_id=? ORDER BY route, channel",
        (alert_id,),
    )


def mark_sent(tx: Transaction, delivery_id: str, *, attempts: int, now: datetime) -> None:
    tx.execute(
        f"UPDATE alert_deliveries SET state='sent', attempts=?, sent_at=?, last_error='', "
        f"{_FORGET} WHERE id=?",
        (attempts, iso(now), delivery_id),
    )


def mark_retry(
    tx: Transaction, delivery_id: str, *, attempts: int, error: str, at: datetime
) -> None:
    tx.execute(
        "UPDATE alert_deliveries SET attempts=?, last_error=?, next_attempt_at=? WHERE id=?",
        (attempts, error, iso(at), delivery_id),
    )


def mark_failed(tx: Transaction, delivery_id: str, *, attempts: int, error: str) -> None:
    tx.execute(
        f"UPDATE alert_deliveries SET state='failed', attempts=?, last_error=?, {_FORGET} "
        "WHERE id=?",
        (attempts, error, delivery_id),
    )
