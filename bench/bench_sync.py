"""Sync benchmarks.

``sync_drain``: 100,000 queued outbox events pushed by the real sync worker to a real
SQLite-backed ``kiosk-server`` process on loopback; events per second, plus the ratio to a
bare SQLite ``executemany`` of the same rows into a table of the same shape, measured in the
same run (how close push, validation and folding come to the raw insert). Budget ≥ 5,000/s.

``sync_load`` (5,000 simulated kiosks, held pulls, two server processes on PostgreSQL) is in
``bench/bench_load.py``.
"""

from __future__ import annotations

import gc
import json
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


def _bare_insert(rows: list[tuple], folder: Path) -> float:
    """Seconds for one executemany of the rows into a same-shaped table (same pragmas)."""
    db = sqlite3.connect(folder / "bare.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute(
        "CREATE TABLE events (uuid TEXT PRIMARY KEY, site_id TEXT, kiosk_id TEXT, kind TEXT, "
        "entity_id TEXT, occurred_at TEXT, hlc TEXT, payload TEXT, received_at TEXT)"
    )
    started = time.perf_counter()
    db.execute("BEGIN")
    db.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?)", rows)
    db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def sync_drain() -> dict[str, Any]:
    from kiosk.core.config.clock import iso
    from tests.support.harness import HeadOffice, ServerProcess, kiosk_for

    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'head-office.sqlite3'}"
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
            now = iso(datetime.now(UTC))
            rows = [
                (
                    e.uuid,
                    "bench",
                    done.kiosk_id,
                    e.kind,
                    e.entity_id,
                    iso(e.occurred_at),
                    e.hlc,
                    json.dumps(e.payload, ensure_ascii=False),
                    now,
                )
                for e in k.store.outbox_after("bench-baseline", limit=DRAIN_EVENTS)
            ]
            k.close()
            bare = _bare_insert(rows, folder)
        finally:
            server.stop()
            ho.close()
    rate = DRAIN_EVENTS / elapsed
    bare_rate = DRAIN_EVENTS / bare
    return {
        "value": round(rate, 1),
        "unit": "events/s",
        "budget": 5000,
        "ok": rate >= 5000,
        "seconds_drain": round(elapsed, 2),
        "batch": DRAIN_BATCH,
        "server_workers": DRAIN_SERVER_WORKERS,
        "bare_executemany_events_s": round(bare_rate, 1),
        "ratio_to_bare_insert": round(rate / bare_rate, 4),
    }


BENCHMARKS = {"sync_drain": sync_drain}
