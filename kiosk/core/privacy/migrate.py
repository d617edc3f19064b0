"""Sealing the personal fields of a kiosk database written before they were encrypted.

``SEALED`` lists every column of the kiosk's store that holds a visitor's personal data
(names, mobile numbers, e-mail and company, free text that may hold them, and the outbox and
quarantine payloads that carry them, tickets' raised records and entries, the emergency
timeline's entries). ``seal_existing`` runs once when a store opens (a ``kv`` marker says it
ran, and with which ``SEALED_VERSION``: a column added later is sealed on the next start):
one transaction seals every clear value still in those columns, then a
checkpoint and a VACUUM rewrite the file and empty the WAL, so no freed page keeps the clear
text (``PRAGMA secure_delete`` zeroes what is freed from then on).

``reseal`` moves every sealed value to the cipher's current key after a rotation.

Must never: open a value it does not seal again, log a value, import Kivy.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING

from kiosk.core.config.errors import StorageError
from kiosk.core.privacy.fields import FieldCipher, is_sealed
from kiosk.core.store import kv

if TYPE_CHECKING:
    from kiosk.core.store.database import Store

log = logging.getLogger(__name__)

#: (table, columns) of the kiosk's store whose values are sealed at rest
SEALED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("visitors", ("name", "phone", "company")),
    ("invitations", ("visitor_name", "phone", "company")),
    ("visits", ("note",)),
    ("visit_annotations", ("old_value", "new_value", "reason")),
    ("outbox", ("payload",)),
    ("notify_deliveries", ("subject", "body_text", "body_html")),
    ("alert_deliveries", ("subject", "body_text", "url", "channel")),
    ("alerts", ("details",)),
    ("pulled_quarantine", ("payload",)),
    ("tickets", ("raised",)),
    ("ticket_entries", ("entry",)),
    ("emergency_entries", ("payload",)),
    ("visit_id_numbers", ("id_number",)),
)

MARKER = "privacy.sealed"
#: the marker's value once every column of ``SEALED`` was sealed; a column added to ``SEALED``
#: bumps it, so a database sealed before that column was listed gets that column sealed too
SEALED_VERSION = "4"


def seal_existing(store: Store) -> int:
    """Seal what an older kiosk stored in clear; returns how many values it sealed (0 when
    this store already ran it, or keeps its values in clear by choice, ``PlainFields``)."""
    fields = store.fields
    if not isinstance(fields, FieldCipher) or kv.get(store, MARKER) == SEALED_VERSION:
        return 0
    count = 0
    with store.transaction() as tx:
        for table, column, rowid, value in _values(store):
            if not is_sealed(value):
                tx.execute(
                    f"UPDATE {table} SET {column} = ? WHERE rowid = ?",
                    (fields.seal(value, table, column), rowid),
                )
                count += 1
        kv.put(tx, MARKER, SEALED_VERSION)
    if count:
        compact(store)
        log.info("sealed %d personal values written before encryption at rest", count)
    return count


def reseal(store: Store, fields: FieldCipher) -> int:
    """Seal every value again under ``fields``' current key (after ``rotate``); returns how
    many values moved. Runs in batches of one table column each, so check-ins go on."""
    moved = 0
    for table, columns in _tables(store):
        for column in columns:
            with store.transaction() as tx:
                rows = tx.execute(
                    f"SELECT rowid, {column} FROM {table} WHERE {column} LIKE 'pf1.%'"
                ).fetchall()
                prefix = f"pf1.{fields.version}."
                for rowid, value in rows:
                    if value.startswith(prefix):
                        continue
                    clear = fields.open(value, table, column)
                    tx.execute(
                        f"UPDATE {table} SET {column} = ? WHERE rowid = ?",
                        (fields.seal(clear, table, column), rowid),
                    )
                    moved += 1
    return moved


def rotate_keys(store: Store) -> tuple[int, int]:
    """``kiosk rotate-keys``: a new data key, then every sealed value moved to it (batches of
    one column, so a running kiosk's check-ins go on; it takes up the new key within a second).
    Returns (the new key's version, values moved)."""
    fields = store.fields
    if not isinstance(fields, FieldCipher):
        raise StorageError("this store keeps its values in clear: nothing to rotate")
    fresh = fields.rotate()
    moved = reseal(store, fields)
    log.info("data key rotated to v%d; %d sealed values moved to it", fresh.version, moved)
    return fresh.version, moved


def compact(store: Store) -> None:
    """Rewrite the file without its free pages and empty the WAL (a file in memory: nothing)."""
    if str(store.path) == ":memory:":
        return
    conn = store.conn
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as e:  # a busy reader: the next start tries again
        log.warning("could not compact the database after sealing: %s", e)


def _tables(store: Store) -> list[tuple[str, tuple[str, ...]]]:
    present = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type='table'")}
    return [(t, cols) for t, cols in SEALED if t in present]


def _values(store: Store) -> list[tuple[str, str, int, str]]:
    out = []
    for table, columns in _tables(store):
        for column in columns:
            rows = store.query(f"SELECT rowid, {column} FROM {table} WHERE {column} != ''")
            out += [(table, column, int(r[0]), str(r[1])) for r in rows]
    return out
