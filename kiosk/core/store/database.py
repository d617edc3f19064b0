"""The kiosk's local store: one SQLite file, WAL, ``synchronous=FULL``, foreign keys on.

Every change and the outbox event that reports it are written in one transaction
(``with store.transaction() as tx: ...; tx.emit(...)``), so a crash can never leave a visit
without its event or an event without its visit. Consumers (printer, notifier, sync) read the
outbox after their own stored position, in ``seq`` order.

This module must never import Kivy and never block on the network.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from kiosk.core.config.clock import Clock, SystemClock, iso, parse_iso
from kiosk.core.config.errors import SchemaTooNewError, StorageError
from kiosk.core.events import Event
from kiosk.core.models import OutboxEvent
from kiosk.core.store.hlc import HybridLogicalClock

# Each entry moves the schema from version i to i+1. Never edit one that has shipped: append.
MIGRATIONS: list[str] = [
    # 1: the foundation
    """
    CREATE TABLE sites (
        id TEXT PRIMARY KEY,
        name_zh TEXT NOT NULL,
        name_en TEXT NOT NULL,
        timezone TEXT NOT NULL DEFAULT 'Asia/Shanghai'
    );
    CREATE TABLE departments (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        name_zh TEXT NOT NULL,
        name_en TEXT NOT NULL,
        floor TEXT NOT NULL DEFAULT '',
        room TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE hosts (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        department_id TEXT NOT NULL REFERENCES departments(id),
        name_zh TEXT NOT NULL DEFAULT '',
        name_en TEXT NOT NULL DEFAULT '',
        floor TEXT NOT NULL DEFAULT '',
        room TEXT NOT NULL DEFAULT '',
        email TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        language TEXT NOT NULL DEFAULT 'zh_CN',
        away INTEGER NOT NULL DEFAULT 0,
        delegate_id TEXT REFERENCES hosts(id),
        notify_urls TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX hosts_department ON hosts(department_id);
    CREATE TABLE visitors (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        phone TEXT NOT NULL,
        phone_key TEXT NOT NULL,
        company TEXT NOT NULL DEFAULT '',
        category TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX visitors_phone_key ON visitors(phone_key);
    CREATE TABLE invitations (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        code TEXT NOT NULL UNIQUE,
        visitor_name TEXT NOT NULL,
        phone TEXT NOT NULL DEFAULT '',
        phone_key TEXT NOT NULL DEFAULT '',
        company TEXT NOT NULL DEFAULT '',
        host_id TEXT REFERENCES hosts(id),
        purpose TEXT NOT NULL DEFAULT 'meeting',
        valid_from TEXT,
        valid_until TEXT,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'used', 'cancelled'))
    );
    CREATE INDEX invitations_phone_key ON invitations(phone_key);
    CREATE TABLE visits (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        visitor_id TEXT NOT NULL REFERENCES visitors(id),
        host_id TEXT REFERENCES hosts(id),
        department_id TEXT REFERENCES departments(id),
        state TEXT NOT NULL
            CHECK (state IN ('expected', 'checked_in', 'checked_out', 'denied', 'cancelled')),
        purpose TEXT NOT NULL,
        kiosk_id TEXT NOT NULL DEFAULT '',
        badge_code TEXT NOT NULL DEFAULT '',
        consent_version TEXT NOT NULL DEFAULT '',
        invitation_id TEXT REFERENCES invitations(id),
        created_at TEXT NOT NULL,
        checked_in_at TEXT,
        checked_out_at TEXT,
        auto_checked_out INTEGER NOT NULL DEFAULT 0,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX visits_state ON visits(state);
    CREATE INDEX visits_visitor ON visits(visitor_id);
    CREATE INDEX visits_badge_code ON visits(badge_code);
    CREATE TABLE watchlist (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL,
        name_key TEXT NOT NULL DEFAULT '',
        phone_key TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT ''
    );
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
    CREATE TABLE kv (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 2: hybrid logical clock stamp on each event (sync orders a visit's events by it)
    """
    ALTER TABLE outbox ADD COLUMN hlc TEXT NOT NULL DEFAULT '';
    """,
    # 3: host notification: one row per visit (stage, reply) and one per message sent
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
    # 4: badge print jobs: one per visit (copy 0) plus one per reprint; the unique key is
    # what makes a replayed visit.checked_in event print nothing twice
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
    # 5: alerts for the receptionist and security (kiosk/core/alerts.py)
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
    # 6: outbox events a consumer could not use (kiosk/core/store/quarantine.py): kept, skipped
    """
    CREATE TABLE outbox_quarantine (
        consumer TEXT NOT NULL,
        seq INTEGER NOT NULL,
        uuid TEXT NOT NULL,
        kind TEXT NOT NULL,
        reason TEXT NOT NULL,
        quarantined_at TEXT NOT NULL,
        PRIMARY KEY (consumer, seq)
    );
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def new_id() -> str:
    """A globally unique record id (visits from several kiosks must never collide)."""
    return uuid.uuid4().hex


class Transaction:
    """What a ``store.transaction()`` block gets: SQL on one connection, plus ``emit``."""

    def __init__(
        self, conn: sqlite3.Connection, clock: Clock, hlc: HybridLogicalClock | None = None
    ) -> None:
        self.conn = conn
        self.clock = clock
        self.hlc = hlc
        self.emitted: list[str] = []

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def emit(self, event: Event) -> str:
        """Append a typed event (``kiosk.core.events``) to the outbox in this transaction; returns
        its UUID. The row keeps kind, the event's entity and its payload as JSON."""
        kind, entity_id, payload = event.kind, event.entity_id, event.payload()
        event_uuid = str(uuid.uuid4())
        self.conn.execute(
            "INSERT INTO outbox (uuid, kind, entity_id, occurred_at, payload, hlc) "
            "VALUES (?,?,?,?,?,?)",
            (
                event_uuid,
                kind,
                entity_id,
                iso(self.clock.now()),
                json.dumps(payload, ensure_ascii=False, sort_keys=True),
                self.hlc.tick() if self.hlc is not None else "",
            ),
        )
        self.emitted.append(event_uuid)
        return event_uuid


class Store:
    """One SQLite database; a connection per thread, so workers never share a cursor."""

    def __init__(self, path: Path | str, *, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self.clock: Clock = clock or SystemClock()
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._listeners: list[Any] = []
        if str(self.path) != ":memory:":
            _check_writable(self.path)
        self._migrate()
        self.hlc = HybridLogicalClock(self.clock, uuid.uuid4().hex[:8], last=self._last_hlc())

    # -- connections -------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                str(self.path), timeout=30.0, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
        except sqlite3.DatabaseError as e:
            raise StorageError(f"cannot open the database {self.path}: {e}") from e
        with self._all_lock:
            self._all.append(conn)
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                with suppress(sqlite3.Error):
                    conn.close()
            self._all.clear()
        self._local = threading.local()

    # -- schema ------------------------------------------------------------------------------
    def _migrate(self) -> None:
        conn = self.conn
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as e:
            raise StorageError(f"{self.path} is not a kiosk database: {e}") from e
        if version > SCHEMA_VERSION:
            raise SchemaTooNewError(
                f"{self.path} was written by a newer kiosk (schema {version}, this kiosk knows "
                f"up to {SCHEMA_VERSION}); upgrade the kiosk software instead of downgrading data",
                key="error.schema_too_new",
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            try:
                conn.execute("BEGIN IMMEDIATE")
                for statement in _split_sql(MIGRATIONS[target - 1]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version={target}")
                conn.execute("COMMIT")
            except sqlite3.Error as e:
                conn.execute("ROLLBACK")
                raise StorageError(f"migration to schema {target} failed: {e}") from e

    def _last_hlc(self) -> str:
        """The highest stamp issued or observed (``hlc.observed``, kept by sync) so far."""
        row = self.conn.execute("SELECT max(hlc) FROM outbox").fetchone()
        seen = self.conn.execute("SELECT value FROM kv WHERE key = 'hlc.observed'").fetchone()
        return max(row[0] or "", seen[0] if seen else "")

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    # -- transactions ------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A write transaction (BEGIN IMMEDIATE): all or nothing, the outbox included."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise StorageError(f"cannot start a transaction: {e}") from e
        tx = Transaction(conn, self.clock, self.hlc)
        try:
            yield tx
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as e:
            conn.execute("ROLLBACK")
            raise StorageError(f"commit failed: {e}") from e
        if tx.emitted:
            for listener in list(self._listeners):
                listener()

    def on_emit(self, listener: Any) -> None:
        """Call ``listener()`` (no arguments, any thread) after a commit that emitted events.

        Workers use it to wake up at once instead of polling.
        """
        self._listeners.append(listener)

    def query(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as e:
            raise StorageError(f"query failed: {e}") from e

    def query_one(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    # -- outbox ------------------------------------------------------------------------------
    def outbox_after(
        self, consumer: str, *, limit: int = 100, kinds: tuple[str, ...] | None = None
    ) -> list[OutboxEvent]:
        """Events after ``consumer``'s stored position, oldest first."""
        position = self.position(consumer)
        sql = "SELECT * FROM outbox WHERE seq > ?"
        params: list[Any] = [position]
        if kinds:
            sql += f" AND kind IN ({','.join('?' * len(kinds))})"
            params.extend(kinds)
        sql += " ORDER BY seq LIMIT ?"
        params.append(limit)
        return [_event(row) for row in self.query(sql, params)]

    def position(self, consumer: str) -> int:
        row = self.query_one(
            "SELECT position FROM outbox_positions WHERE consumer = ?", (consumer,)
        )
        return int(row[0]) if row else 0

    def advance(self, consumer: str, seq: int, tx: Transaction | None = None) -> None:
        """Move ``consumer`` past ``seq`` (never backwards), in ``tx`` when given."""
        sql = (
            "INSERT INTO outbox_positions (consumer, position) VALUES (?, ?) "
            "ON CONFLICT(consumer) DO UPDATE SET position = max(position, excluded.position)"
        )
        if tx is not None:
            tx.execute(sql, (consumer, seq))
        else:
            with self.transaction() as t:
                t.execute(sql, (consumer, seq))

    def pending(self, consumer: str, kinds: tuple[str, ...] | None = None) -> int:
        position = self.position(consumer)
        sql = "SELECT count(*) FROM outbox WHERE seq > ?"
        params: list[Any] = [position]
        if kinds:
            sql += f" AND kind IN ({','.join('?' * len(kinds))})"
            params.extend(kinds)
        row = self.query_one(sql, params)
        return int(row[0]) if row else 0

    # -- small key/value state (sync cursor, kiosk identity) ---------------------------------
    def get_value(self, key: str, default: str | None = None) -> str | None:
        row = self.query_one("SELECT value FROM kv WHERE key = ?", (key,))
        return str(row[0]) if row else default

    def set_value(self, key: str, value: str, tx: Transaction | None = None) -> None:
        sql = "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=?"
        if tx is not None:
            tx.execute(sql, (key, value, value))
        else:
            with self.transaction() as t:
                t.execute(sql, (key, value, value))


def _event(row: sqlite3.Row) -> OutboxEvent:
    return OutboxEvent(
        seq=row["seq"],
        uuid=row["uuid"],
        kind=row["kind"],
        entity_id=row["entity_id"],
        occurred_at=parse_iso(row["occurred_at"]),
        payload=json.loads(row["payload"]),
        hlc=row["hlc"],
    )


def _split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _check_writable(path: Path) -> None:
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StorageError(f"cannot create the data directory {folder}: {e.strerror}") from e
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StorageError(f"the data directory {folder} is not writable")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StorageError(f"the database {path} is not readable and writable")
