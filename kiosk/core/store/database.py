"""The kiosk's local store: one SQLite file, WAL, ``synchronous=FULL``, foreign keys on.

Every change and the outbox event that reports it are written in one transaction
(``with store.transaction() as tx: ...; tx.emit(...)``), so a crash can never leave a visit
without its event or an event without its visit. Consumers (printer, notifier, sync) read the
outbox after their own stored position, in ``seq`` order.

Transactions are re-entrant: ``store.transaction()`` inside an open one (same thread) joins
it with a SAVEPOINT, so a function that writes simply opens a transaction, whether or not its
caller already has one. A failing inner block rolls back to its savepoint (its events with it)
and the exception goes on up; only the outermost block commits and wakes the consumers.

Each thread gets its own connection, opened on first use and closed when the thread ends (or
at ``release()`` / the end of a ``session()`` block); ``connection_count()`` says how many are
open. Every ``sqlite3`` error leaves as a ``StorageError`` (``failures.translate``).

This module must never import Kivy and never block on the network.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from kiosk.core.config.clock import Clock, SystemClock
from kiosk.core.config.errors import SchemaTooNewError, StorageCorruptError, StorageError
from kiosk.core.models import OutboxEvent
from kiosk.core.privacy import migrate as privacy_migrate
from kiosk.core.privacy.fields import FieldCipher, Fields
from kiosk.core.store import files, integrity, kv, outbox, schema
from kiosk.core.store.failures import translate
from kiosk.core.store.hlc import HybridLogicalClock
from kiosk.core.store.ids import new_id
from kiosk.core.store.transactions import Held, Transaction, forget, rollback

__all__ = ["Store", "Transaction", "new_id"]

_split_sql = schema.split_sql


def __getattr__(name: str) -> Any:
    # assembled from the repositories on first use (they may import this module)
    if name == "SCHEMA_VERSION":
        return schema.schema_version()
    if name == "MIGRATIONS":
        return [";\n".join(v.statements()) for v in schema.migrations()]
    raise AttributeError(name)


class Store:
    """One SQLite database; a connection per thread, so workers never share a cursor.

    ``":memory:"`` gives a private in-memory database shared by this store's connections
    (shared cache: one writer at a time, for tests and tools rather than the kiosk).
    """

    def __init__(
        self,
        path: Path | str,
        *,
        clock: Clock | None = None,
        check_seconds: float = integrity.CHECK_SECONDS,
        fields: Fields | None = None,
    ) -> None:
        self.path = Path(path)
        self.clock: Clock = clock or SystemClock()
        self._local = threading.local()
        self._open: dict[int, sqlite3.Connection] = {}
        self._open_lock = threading.Lock()
        self._listeners: list[Any] = []
        self._anchor: sqlite3.Connection | None = None
        existed = False
        if str(path) == ":memory:":
            self._target = f"file:kiosk-{uuid.uuid4().hex}?mode=memory&cache=shared"
            self._uri = True
            self._anchor = self._connect()  # keeps the database alive while threads come and go
        else:
            self._target, self._uri = str(self.path), False
            files.prepare(self.path)  # the data directory, 0700 when made here
            existed = integrity.before_open(self.path)  # an emptied file is refused
            if not existed:
                files.create_private(self.path)
        #: seals personal fields at rest (``privacy/fields.py``); its key file beside the
        #: database (``keys/data.key``), made on first use
        self.fields: Fields = fields or FieldCipher.for_database(path)
        try:
            self._migrate(existed, check_seconds)
        except StorageCorruptError as e:
            self.close()
            if existed and "will not start on it" not in str(e):
                raise integrity.refuse(self.path, f"is damaged or not a database ({e})") from e
            raise
        except StorageError:
            self.close()
            raise
        self.hlc = HybridLogicalClock(self.clock, uuid.uuid4().hex[:8], last=self._last_hlc())
        try:
            privacy_migrate.seal_existing(self)  # once: what an older kiosk wrote in clear
        except StorageError:
            self.close()
            raise

    # -- connections -------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self._target,
                timeout=30.0,
                isolation_level=None,
                check_same_thread=False,
                uri=self._uri,
            )
        except sqlite3.Error as e:
            raise translate(e, f"cannot open the database {self.path}") from e
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            # freed pages are zeroed, so an erased or re-sealed value leaves no copy behind
            conn.execute("PRAGMA secure_delete=ON")
            # ``open_field(text, table, column)``: SQL that hands rows on as they are (sync's
            # push) opens the sealed ones with it
            conn.create_function("open_field", 3, self._open_field, deterministic=True)
        except sqlite3.Error as e:
            conn.close()
            raise translate(e, f"cannot open the database {self.path}") from e
        return conn

    def _open_field(self, text: str | None, table: str, column: str) -> str:
        return self.fields.open(text, table, column)

    def _held(self) -> Held:
        held: Held | None = getattr(self._local, "held", None)
        if held is None:
            held = Held(self._connect())
            key = id(held)
            with self._open_lock:
                self._open[key] = held.conn
            # runs when the thread ends (its locals go), at release() or at close()
            held.close = weakref.finalize(held, forget, self._open, self._open_lock, key)
            self._local.held = held
        return held

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        return self._held().conn

    def connection_count(self) -> int:
        """How many connections this store holds open now (one per thread that used it)."""
        with self._open_lock:
            return len(self._open) + (1 if self._anchor is not None else 0)

    def release(self) -> None:
        """Close this thread's connection now (the next use opens a new one)."""
        held: Held | None = getattr(self._local, "held", None)
        if held is None:
            return
        if held.tx is not None:
            raise StorageError("cannot release a connection inside its transaction")
        del self._local.held
        held.close()

    @contextmanager
    def session(self) -> Iterator[Store]:
        """Work of a short-lived thread: a connection it opened is closed when the block ends
        (one the thread already had stays open)."""
        had = getattr(self._local, "held", None) is not None
        try:
            yield self
        finally:
            if not had:
                self.release()

    def close(self) -> None:
        with self._open_lock:
            conns = list(self._open.values())
            self._open.clear()
        for conn in conns:
            with suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()
        if self._anchor is not None:
            with suppress(sqlite3.Error):
                self._anchor.close()
            self._anchor = None

    # -- schema ------------------------------------------------------------------------------
    def _migrate(self, existed: bool, check_seconds: float) -> None:
        """Check an existing file (``integrity``), then run the steps it has not had."""
        conn = self.conn
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as e:
            raise translate(e, f"{self.path} is not a kiosk database") from e
        versions = schema.migrations()
        known = len(versions)
        if version > known:
            raise SchemaTooNewError(
                f"{self.path} was written by a newer kiosk (schema {version}, this kiosk knows "
                f"up to {known}); upgrade the kiosk software instead of downgrading data",
                key="error.schema_too_new",
            )
        if existed:
            integrity.after_open(conn, self.path, seconds=check_seconds)
        for step in versions[version:]:
            try:
                conn.execute("BEGIN IMMEDIATE")
                for statement in step.statements():
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version={step.number}")
                conn.execute("COMMIT")
            except sqlite3.Error as e:
                rollback(conn)
                raise translate(e, f"migration to schema {step.number} failed") from e
        try:
            if conn.execute("PRAGMA application_id").fetchone()[0] != integrity.MARKER:
                conn.execute(f"PRAGMA application_id={integrity.MARKER}")
        except sqlite3.Error as e:
            raise translate(e, "cannot mark the database as the kiosk's") from e

    def start_up(self, *private: Path) -> Path | None:
        """What the kiosk does once at start on its (checked) database: warn about files
        others may read (``private``: keys, token, besides the database), keep room in
        reserve for a full disk, and make today's backup; returns the backup."""
        if self._anchor is not None:
            return None
        files.check_private(self.path, *private)
        files.keep_reserve(self.path)
        return integrity.daily_backup(self.conn, self.path, self.clock.now().date())

    def release_reserve(self) -> bool:
        """The disk is full: free the room kept in reserve (``files``) for an alert."""
        return self._anchor is None and files.release_reserve(self.path)

    def _last_hlc(self) -> str:
        """The highest stamp issued or observed (``hlc.observed``, kept by sync) so far."""
        return max(outbox.last_hlc(self), kv.get(self, "hlc.observed") or "")

    @property
    def schema_version(self) -> int:
        return int(self.query_one("PRAGMA user_version")[0])  # type: ignore[index]

    # -- transactions ------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A write transaction (BEGIN IMMEDIATE): all or nothing, the outbox included.

        Inside an open transaction of this thread, joins it with a savepoint instead."""
        held = self._held()
        if held.tx is not None:
            with self._savepoint(held, held.tx) as tx:
                yield tx
            return
        conn = held.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise translate(e, "cannot start a transaction") from e
        tx = Transaction(conn, self.clock, self.hlc, self.fields)
        held.tx = tx
        try:
            try:
                yield tx
            except BaseException:
                rollback(conn)
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as e:
                rollback(conn)
                raise translate(e, "commit failed") from e
        finally:
            held.tx = None
        if tx.emitted:
            for listener in list(self._listeners):
                listener()

    @contextmanager
    def _savepoint(self, held: Held, tx: Transaction) -> Iterator[Transaction]:
        held.depth += 1
        name = f"nested_{held.depth}"
        mark = len(tx.emitted)
        try:
            tx.execute(f"SAVEPOINT {name}")
            try:
                yield tx
            except BaseException:
                if held.conn.in_transaction:
                    with suppress(sqlite3.Error):
                        held.conn.execute(f"ROLLBACK TO {name}")
                        held.conn.execute(f"RELEASE {name}")
                del tx.emitted[mark:]
                raise
            tx.execute(f"RELEASE {name}")
        finally:
            held.depth -= 1

    def in_transaction(self) -> bool:
        """True inside a ``transaction()`` block of this thread."""
        held: Held | None = getattr(self._local, "held", None)
        return held is not None and held.tx is not None

    def on_emit(self, listener: Any) -> None:
        """Call ``listener()`` (no arguments, any thread) after a commit that emitted events.

        Workers use it to wake up at once instead of polling.
        """
        self._listeners.append(listener)

    def query(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as e:
            raise translate(e, "query failed") from e

    def query_one(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def check_current(self, tx: Transaction | None) -> None:
        """``StorageError`` unless ``tx`` is None or this thread's open transaction. Callers
        written before transactions were re-entrant pass theirs; nothing else should."""
        if tx is not None:
            held: Held | None = getattr(self._local, "held", None)
            if held is None or held.tx is not tx:
                raise StorageError("the transaction passed is not this thread's open one")

    def joining(self, tx: Transaction | None = None) -> Any:
        """``self.transaction()``, after ``check_current(tx)``: it joins the open one."""
        self.check_current(tx)
        return self.transaction()

    # -- outbox ------------------------------------------------------------------------------
    def outbox_after(
        self, consumer: str, *, limit: int = 100, kinds: tuple[str, ...] | None = None
    ) -> list[OutboxEvent]:
        """Events after ``consumer``'s stored position, oldest first."""
        return outbox.events_after(self, self.position(consumer), limit=limit, kinds=kinds)

    def outbox_rows(self, after: int, limit: int) -> list[sqlite3.Row]:
        """Stored event rows after ``seq`` ``after``, as they are (what sync pushes)."""
        return outbox.rows_after(self, after, limit)

    def position(self, consumer: str) -> int:
        return outbox.position(self, consumer)

    def advance(self, consumer: str, seq: int, tx: Transaction | None = None) -> None:
        """Move ``consumer`` past ``seq`` (never backwards), joining an open transaction."""
        with self.joining(tx) as t:
            outbox.advance(t, consumer, seq)

    def pending(self, consumer: str, kinds: tuple[str, ...] | None = None) -> int:
        return outbox.count_after(self, self.position(consumer), kinds)

    # -- small key/value state (sync cursor, kiosk identity) ---------------------------------
    def get_value(self, key: str, default: str | None = None) -> str | None:
        value = kv.get(self, key)
        return default if value is None else value

    def set_value(self, key: str, value: str, tx: Transaction | None = None) -> None:
        """Store ``key`` = ``value``, joining an open transaction."""
        with self.joining(tx) as t:
            kv.put(t, key, value)

    def set_value_if_absent(self, key: str, value: str) -> str:
        """Store ``value`` unless ``key`` has one; returns the stored value either way (another
        thread may have won the race)."""
        with self.transaction() as t:
            kv.put_if_absent(t, key, value)
        stored = kv.get(self, key)
        assert stored is not None
        return stored
