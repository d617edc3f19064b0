"""Sync benchmarks.

``sync_drain``: 100,000 queued outbox events pushed by the real sync worker to a real
SQLite-backed ``kiosk-server`` process on loopback; events per second, plus the ratio to a
bare SQLite ``executemany`` of the same rows into a table of the same shape, measured in the
same run (how close push, validation and folding come to the raw insert). Budget ≥ 5,000/s.

``sync_load``: 500 simulated kiosks (50 sites × 10) pushing and pulling concurrently against
two server processes on one PostgreSQL 15 cluster (started here, fsync on); p50 and p99
request latency. Budget p99 ≤ 250 ms. Loopback only, bounded in time.
"""

from __future__ import annotations

import asyncio
import gc
import gzip
import json
import random
import sqlite3
import statistics
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


# -- sync_load -------------------------------------------------------------------------------
LOAD_SITES = 50
LOAD_KIOSKS_PER_SITE = 10
LOAD_SECONDS = 45.0
#: mean seconds between one kiosk's sync rounds: the product default (head_office.interval);
#: a commit wakes the worker at once, so arrivals are random (exponential gaps) around it
LOAD_ROUND_INTERVAL = 15.0


def _provision_load(url: str) -> list[tuple[str, str, str]]:
    """Sites and enrolled kiosks straight in the database; returns (kiosk, site, token)."""
    from sync.server.api.sites_routes import create_site_record
    from sync.server.models import Kiosk
    from sync.server.security import digest, new_kiosk_token
    from tests.support.harness import HeadOffice

    ho = HeadOffice(url)
    out = []
    with ho.sessions() as s, s.begin():
        for i in range(LOAD_SITES):
            site = f"site{i:03d}"
            create_site_record(s, id=site, name_zh=site, name_en=site)
            for j in range(LOAD_KIOSKS_PER_SITE):
                token = new_kiosk_token()
                kid = f"{site}-k{j}"
                now = datetime.now(UTC)
                s.add(
                    Kiosk(
                        id=kid,
                        site_id=site,
                        name="",
                        token_hash=digest(token),
                        created_at=now,
                        enrolled_at=now,
                    )
                )
                out.append((kid, site, token))
    ho.close()
    return out


async def _simulate(servers: list[str], kiosks: list[tuple[str, str, str]]) -> dict[str, Any]:
    import httpx

    latencies: dict[str, list[float]] = {"push": [], "pull": []}
    errors: list[str] = []
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    clients = [httpx.AsyncClient(base_url=u, timeout=30, limits=limits) for u in servers]
    deadline = time.perf_counter() + LOAD_SECONDS
    start = datetime.now(UTC)

    async def kiosk(index: int, kid: str, site: str, token: str) -> None:
        rng = random.Random(index)
        headers = {"Authorization": f"Bearer {token}"}
        push_headers = {**headers, "Content-Type": "application/json", "Content-Encoding": "gzip"}
        cursor = 0
        node = f"k{index}"
        counter = 0
        await asyncio.sleep(rng.uniform(0, LOAD_ROUND_INTERVAL))
        while time.perf_counter() < deadline:
            client = clients[rng.randrange(len(clients))]
            batch = _visit_events(rng.randint(1, 4), site, kid, start)
            events = []
            for kind, entity, payload in batch:
                counter += 1
                ms = int(time.time() * 1000)
                events.append(
                    {
                        "uuid": str(uuid.uuid4()),
                        "kind": kind,
                        "entity_id": entity,
                        "occurred_at": start.isoformat(),
                        "hlc": f"{ms:013d}{counter:06d}-{node}",
                        "payload": payload,
                    }
                )
            body = gzip.compress(json.dumps({"events": events}).encode(), 5)
            t0 = time.perf_counter()
            try:
                r = await client.post("/api/v1/sync/push", content=body, headers=push_headers)
                latencies["push"].append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors.append(f"push {r.status_code}")
                t0 = time.perf_counter()
                r = await client.get("/api/v1/sync/pull", params={"after": cursor}, headers=headers)
                latencies["pull"].append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors.append(f"pull {r.status_code}")
                else:
                    cursor = r.json()["cursor"]
            except httpx.HTTPError as e:
                errors.append(repr(e))
            gap = rng.expovariate(1 / LOAD_ROUND_INTERVAL)
            await asyncio.sleep(max(0.0, min(gap, deadline - time.perf_counter())))

    await asyncio.gather(*(kiosk(i, *k) for i, k in enumerate(kiosks)))
    for c in clients:
        await c.aclose()
    return {"latencies": latencies, "errors": errors}


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def sync_load() -> dict[str, Any]:
    from pg_fixture import PostgresCluster

    from tests.support.harness import ServerProcess

    cluster = PostgresCluster(fast=False, max_connections=200).start()
    servers: list[ServerProcess] = []
    try:
        url = cluster.new_database()
        kiosks = _provision_load(url)
        with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
            servers = [
                ServerProcess(url, log_path=Path(tmp) / f"server{i}.log").start() for i in (0, 1)
            ]
            started = time.perf_counter()
            outcome = asyncio.run(_simulate([s.url for s in servers], kiosks))
            wall = time.perf_counter() - started
    finally:
        for s in servers:
            s.stop()
        cluster.stop()
    all_ms = [x * 1000 for v in outcome["latencies"].values() for x in v]
    push_ms = [x * 1000 for x in outcome["latencies"]["push"]]
    pull_ms = [x * 1000 for x in outcome["latencies"]["pull"]]
    p99 = _quantile(all_ms, 0.99)
    return {
        "value": round(p99, 1),
        "unit": "ms p99",
        "budget": 250,
        "p50_ms": round(statistics.median(all_ms), 1),
        "push_p99_ms": round(_quantile(push_ms, 0.99), 1),
        "pull_p99_ms": round(_quantile(pull_ms, 0.99), 1),
        "requests": len(all_ms),
        "requests_per_s": round(len(all_ms) / wall, 1),
        "offered_rounds_per_s": round(len(kiosks) / LOAD_ROUND_INTERVAL, 1),
        "errors": len(outcome["errors"]),
        "kiosks": len(kiosks),
        "server_processes": 2,
        "round_interval_s": LOAD_ROUND_INTERVAL,
        "duration_s": LOAD_SECONDS,
    }


BENCHMARKS = {"sync_drain": sync_drain, "sync_load": sync_load}
