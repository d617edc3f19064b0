"""Sync benchmarks.

``sync_drain``: 100,000 queued outbox events pushed by the real sync worker to a real
SQLite-backed ``kiosk-server`` process on loopback; events per second, plus the ratio to a
bare ``executemany`` measured in the same run: the events the drain stored, exactly as stored
(sealed payloads), inserted in one transaction into an empty ``events`` table of the server's
own schema and indexes with the server's pragmas (how close push, validation, sealing and
folding come to the raw insert of what they store). Budget ≥ 5,000/s; the issue's goal 0.3×.
``sync_drain_pg``: the same on PostgreSQL 15 (durable cluster), the bare insert a psycopg
``executemany`` into ``LIKE events INCLUDING ALL`` in the same database.

``sync_load`` (5,000 simulated kiosks, held pulls, two server processes on PostgreSQL) is in
``bench/bench_load.py``.
"""

from __future__ import annotations

import gc
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.core.events import parse_event

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "tests" / "integration") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests" / "integration"))

DRAIN_EVENTS = 100_000
DRAIN_BATCH = 500
#: uvicorn worker processes of the server: one (a second only queues on SQLite's write lock)
DRAIN_SERVER_WORKERS = 1


def _visit_events(n: int, site: str, kiosk: str, start: datetime) -> list[tuple[str, str, dict]]:
    """A day of lobby traffic: check-ins, about two thirds of them checked out later."""
    out: list[tuple[str, str, dict]] = []
    i = 0
    while len(out) < n:
        vid = uuid.uuid4().hex
        at = (start + timedelta(seconds=i)).isoformat()
        visit = {
            "id": vid,
            "site_id": site,
            "kiosk_id": kiosk,
            "visitor_id": f"p{i}",
            "host_id": "h001",
            "department_id": "rnd",
            "state": "checked_in",
            "purpose": "meeting",
            "badge_code": uuid.uuid4().hex,
            "consent_version": "2026-11",
            "invitation_id": None,
            "created_at": at,
            "checked_in_at": at,
        }
        visitor = {
            "id": f"p{i}",
            "name": "张伟",
            "phone": f"138{i:08d}",
            "company": "示例",
            "category": "",
        }
        out.append(
            ("visit.checked_in", vid, {"visit": visit, "visitor": visitor, "language": "zh_CN"})
        )
        if i % 3 and len(out) < n:
            out.append(
                (
                    "visit.checked_out",
                    vid,
                    {
                        "visit_id": vid,
                        "site_id": site,
                        "kiosk_id": kiosk,
                        "checked_out_at": at,
                        "auto": False,
                        "method": "scan",
                    },
                )
            )
        i += 1
    return out


def _bare_sqlite(path: Path, folder: Path) -> float:
    """Seconds for one executemany of the events the drain stored, as stored (sealed payload,
    timestamps as text), into an empty events table of the same schema and indexes (its DDL
    copied from the server's file), on a connection with the server's own pragmas."""
    from sync.server.db import _sqlite_connect

    source = sqlite3.connect(path)
    ddl = [
        sql
        for (sql,) in source.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'events' AND sql IS NOT NULL"
        )
    ]
    rows = source.execute("SELECT * FROM events").fetchall()
    source.close()
    db = sqlite3.connect(folder / "bare.sqlite3", isolation_level=None)
    _sqlite_connect(db, None)
    for sql in ddl:
        db.execute(sql)
    marks = ",".join("?" * len(rows[0]))
    started = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    db.executemany(f"INSERT INTO events VALUES ({marks})", rows)
    db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    assert len(rows) == DRAIN_EVENTS
    return elapsed


def _bare_postgresql(url: str) -> float:
    """Seconds for one psycopg executemany of the events the drain stored, as stored, into an
    empty copy of the events table (``LIKE events INCLUDING ALL``) in the same database."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("CREATE TABLE bare_events (LIKE events INCLUDING ALL)")
        conn.commit()
        rows = conn.execute("SELECT * FROM events").fetchall()
        marks = ",".join(["%s"] * len(rows[0]))
        started = time.perf_counter()
        with conn.cursor() as cur:
            cur.executemany(f"INSERT INTO bare_events VALUES ({marks})", rows)
        conn.commit()
        elapsed = time.perf_counter() - started
    assert len(rows) == DRAIN_EVENTS
    return elapsed


def _drain(url: str, folder: Path) -> float:
    """Seconds for the real sync worker to push DRAIN_EVENTS queued events to a real
    ``kiosk-server`` on ``url``."""
    from tests.support.harness import HeadOffice, ServerProcess, kiosk_for

    ho = HeadOffice(url)
    ho.add_site("bench", "基准", "Bench")
    code = ho.add_kiosk("bench")
    server = ServerProcess(
        url, log_path=folder / "server.log", workers=DRAIN_SERVER_WORKERS
    ).start()
    try:
        from sync.client import enroll

        done = enroll(server.url, code, data_dir=folder / "kiosk")
        token = (folder / "kiosk" / "head-office.token").read_text().strip()
        k = kiosk_for(
            server.url, done.kiosk_id, "bench", token, folder / "kiosk", batch_size=DRAIN_BATCH
        )
        events = _visit_events(
            DRAIN_EVENTS, "bench", done.kiosk_id, datetime(2026, 11, 26, 8, tzinfo=UTC)
        )
        with k.store.transaction() as tx:
            for kind, _entity, payload in events:
                tx.emit(parse_event(kind, payload))
        del events  # a kiosk does not hold its backlog in memory; the collector would walk it
        gc.collect()
        queued = k.store.pending("sync")
        started = time.perf_counter()
        result = k.client.sync_once()
        elapsed = time.perf_counter() - started
        assert result.pushed == queued == DRAIN_EVENTS, (result, queued)
        assert k.store.pending("sync") == 0
        k.close()
    finally:
        server.stop()
        ho.close()
    return elapsed


def _result(elapsed: float, bare: float, database: str) -> dict[str, Any]:
    rate = DRAIN_EVENTS / elapsed
    bare_rate = DRAIN_EVENTS / bare
    return {
        "value": round(rate, 1),
        "unit": "events/s",
        "budget": 5000,
        "ok": rate >= 5000,
        "database": database,
        "seconds_drain": round(elapsed, 2),
        "batch": DRAIN_BATCH,
        "server_workers": DRAIN_SERVER_WORKERS,
        "bare_executemany_events_s": round(bare_rate, 1),
        "ratio_to_bare_insert": round(rate / bare_rate, 4),
        "load_average": round(os.getloadavg()[0], 2),
    }


def sync_drain() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        folder = Path(tmp)
        path = folder / "head-office.sqlite3"
        elapsed = _drain(f"sqlite:///{path}", folder)
        bare = _bare_sqlite(path, folder)
    return _result(elapsed, bare, "sqlite")


def sync_drain_pg() -> dict[str, Any]:
    """The same drain on PostgreSQL 15 (a durable throwaway cluster: fsync on)."""
    if str(ROOT / "tests" / "integration") not in sys.path:
        sys.path.insert(0, str(ROOT / "tests" / "integration"))
    from pg_fixture import PostgresCluster

    cluster = PostgresCluster(fast=False).start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-sync-pg-") as tmp:
            url = cluster.new_database()
            elapsed = _drain(url, Path(tmp))
            bare = _bare_postgresql(url)
    finally:
        cluster.stop()
    return _result(elapsed, bare, "postgresql")


BENCHMARKS = {"sync_drain": sync_drain, "sync_drain_pg": sync_drain_pg}
