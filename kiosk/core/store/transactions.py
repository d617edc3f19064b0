"""A store transaction and one thread's hold on its connection (``database.Store`` opens them).

``Transaction`` is what a ``store.transaction()`` block gets; ``Held`` is a thread's connection
and its open transaction. Must never: open a connection or a transaction itself.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from kiosk.core.config.clock import Clock
from kiosk.core.events import Event
from kiosk.core.privacy.fields import Fields, PlainFields
from kiosk.core.store import outbox
from kiosk.core.store.failures import translate
from kiosk.core.store.hlc import HybridLogicalClock


class Transaction:
    """What a ``store.transaction()`` block gets: SQL on one connection, plus ``emit``.

    ``execute`` is for the store's repositories; code outside ``kiosk/core/store`` calls a
    repository instead.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        clock: Clock,
        hlc: HybridLogicalClock | None = None,
        fields: Fields | None = None,
    ) -> None:
        self.conn = conn
        self.clock = clock
        self.hlc = hlc
        #: the store's field cipher (``privacy/fields.py``): repositories seal personal
        #: values with it before they write them
        self.fields: Fields = fields or PlainFields()
        self.emitted: list[str] = []

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.Error as e:
            raise translate(e, "write failed") from e

    def emit(self, event: Event) -> str:
        """Append a typed event (``kiosk.core.events``) to the outbox in this transaction; returns
        its UUID. The row keeps kind, the event's entity and its payload as JSON."""
        event_uuid = outbox.append(self, event, self.hlc.tick() if self.hlc is not None else "")
        self.emitted.append(event_uuid)
        return event_uuid


class Held:
    """One thread's connection and its open transaction; dropped with the thread's locals."""

    __slots__ = ("__weakref__", "close", "conn", "depth", "tx")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.tx: Transaction | None = None
        self.depth = 0
        self.close: Callable[[], Any] = lambda: None


def forget(opened: dict[int, sqlite3.Connection], lock: threading.Lock, key: int) -> None:
    with lock:
        conn = opened.pop(key, None)
    if conn is not None:
        with suppress(sqlite3.Error):
            conn.close()


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back what is still open. SQLite rolls a transaction back by itself on some errors
    (a full disk among them); a second ROLLBACK would fail and hide the real error."""
    if conn.in_transaction:
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
