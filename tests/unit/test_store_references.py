"""Every foreign key of the kiosk's database has an index led by its column.

SQLite checks a deleted or re-keyed row's references by looking them up in each referring
table: without an index that is a scan of the table per deleted row (a kiosk catching up on a
year of directory changes spent 78% of its time deleting hosts that way). The test reads the
schema the store's own steps build, so a new table with an unindexed reference fails here.
"""

from __future__ import annotations

import sqlite3

from kiosk.core.store.database import Store


def _unindexed(conn: sqlite3.Connection) -> list[str]:
    missing = []
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    for table in tables:
        leading = {
            cols[0]
            for index in conn.execute(f"PRAGMA index_list({table})")
            if (cols := [c[2] for c in conn.execute(f"PRAGMA index_info({index[1]})")])
        }
        for fk in conn.execute(f"PRAGMA foreign_key_list({table})"):
            if fk[3] not in leading:
                missing.append(f"{table}.{fk[3]} -> {fk[2]}")
    return missing


def test_every_reference_leads_an_index(tmp_path):
    store = Store(tmp_path / "kiosk.sqlite3")
    try:
        with sqlite3.connect(tmp_path / "kiosk.sqlite3") as conn:
            assert _unindexed(conn) == []
    finally:
        store.close()


def test_deleting_hosts_does_not_scan_their_visits(tmp_path):
    """Deleting one host among many visits reads no visit rows: SQLite's plan for the check
    the foreign key makes (the same lookup, asked by hand) uses the index."""
    store = Store(tmp_path / "kiosk.sqlite3")
    try:
        with sqlite3.connect(tmp_path / "kiosk.sqlite3") as conn:
            for table, column in (
                ("visits", "host_id"),
                ("invitations", "host_id"),
                ("hosts", "delegate_id"),
            ):
                plan = " ".join(
                    r[3]
                    for r in conn.execute(
                        f"EXPLAIN QUERY PLAN SELECT 1 FROM {table} WHERE {column} = ?", ("h",)
                    )
                )
                assert "USING" in plan and "INDEX" in plan, (table, column, plan)
    finally:
        store.close()
