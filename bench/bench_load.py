"""``sync_load``: 5,000 simulated kiosks against two ``kiosk-server`` processes on PostgreSQL.

1,000 sites × 5 kiosks, enrolled straight in the database, against two server processes on
one PostgreSQL 15 cluster (started here, fsync on). Each kiosk does what the sync worker does:
a busy morning's check-ins (a push of one or two visit events, exponential gaps of
``CHECKIN_GAP`` s on average; every visitor a person of their own, phone included) and, for
four kiosks in five, a held pull (``?wait=15``: the answer comes when the site's feed moves,
else after 15 s) kept open the whole time; the fifth pulls plainly every ``ROUND`` s (older
kiosks, or ``held_pull = false``).

Measured: latency of the requests answered at once (pushes, and the plain pulls: "nothing new"
or changes waiting), p50/p99 per kind; for the held pulls, the delay from a push's answer at one
kiosk to the delivery of its change at the site's other kiosks (a held poll is not "slow" for
being held); errors (non-2xx, refused or dropped connections). The load comes from
``GENERATORS`` processes, each one asyncio loop with plain HTTP/1.1 keep-alive connections (no
client library's pool to scan); their CPU use is reported, to show they are not the limit.

The sweep for one server process's capacity (docs/head-office.md): ``BENCH_LOAD_KIOSKS``
(default 5000, five per site), ``BENCH_LOAD_SERVERS`` (processes, default 2),
``BENCH_LOAD_WORKERS`` (``--workers`` of each, default 1), ``BENCH_LOAD_SECONDS`` (default 60).
Every run reports the CPU the server processes and PostgreSQL spent meanwhile (``/proc``: share
of one core, and milliseconds per answered request), steadier than latency on a shared machine.
``BENCH_LOAD_SWEEP=250,500,1000`` runs one process at each count instead and reports the
capacity: the most kiosks answered at p99 ≤ 100 ms without errors
(``capacity_kiosks_per_process``, the headline; the goal needs 2,500) and the CPU ceiling
(``cpu_ceiling_kiosks_per_process``: kiosks at which the largest step's CPU per kiosk would
fill the one core a process's Python runs on), with each step's figures (``sweep``).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.bench_sync import ROOT, _visit_events

if str(ROOT / "tests" / "integration") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests" / "integration"))

KIOSKS_PER_SITE = 5
#: the sweep's knobs (what one server process carries: docs/head-office.md): kiosks in all,
#: ``kiosk-server serve`` processes (each on its own port, kiosks spread over them), the
#: ``--workers`` each runs, and the measured seconds
SITES = max(1, int(os.environ.get("BENCH_LOAD_KIOSKS", "5000")) // KIOSKS_PER_SITE)
SERVERS = max(1, int(os.environ.get("BENCH_LOAD_SERVERS", "2")))
WORKERS = max(1, int(os.environ.get("BENCH_LOAD_WORKERS", "1")))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
#: kiosks start over this many seconds (connections opened gradually, as kiosks boot)
RAMP = 10.0
CHECKIN_GAP = 120.0
ROUND = 15.0
WAIT = 15
GENERATORS = 3
#: the goal (5,000 kiosks on two processes at p99 ≤ 100 ms) per process
GOAL_PER_PROCESS = 2500


def _provision(url: str, sites: int) -> list[tuple[str, str, str]]:
    from sync.server.api.sites_routes import create_site_record
    from sync.server.models import Kiosk
    from sync.server.security import digest, new_kiosk_token
    from tests.support.harness import HeadOffice

    ho = HeadOffice(url)
    out = []
    now = datetime.now(UTC)
    with ho.sessions() as s, s.begin():
        for i in range(sites):
            site = f"site{i:04d}"
            create_site_record(s, id=site, name_zh=site, name_en=site)
            for j in range(KIOSKS_PER_SITE):
                token = new_kiosk_token()
                kid = f"{site}-k{j}"
                s.add(
                    Kiosk(
                        id=kid,
                        site_id=site,
                        token_hash=digest(token),
                        created_at=now,
                        enrolled_at=now,
                    )
                )
                out.append((kid, site, token))
    ho.close()
    return out


class Connection:
    """One keep-alive HTTP/1.1 connection, reopened after a failure or when idle longer than
    uvicorn keeps it (5 s; what urllib3's check for a dropped connection does for a kiosk)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self.used = 0.0

    async def request(self, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
        if self.streams is not None and time.monotonic() - self.used > 4.0:
            self.streams[1].close()
            self.streams = None
        if self.streams is None:
            self.streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.streams
        try:
            writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
            await writer.drain()
            raw = await reader.readuntil(b"\r\n\r\n")
            lines = raw.split(b"\r\n")
            status = int(lines[0].split()[1])
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            answer = await reader.readexactly(length)
            self.used = time.monotonic()
            return status, answer
        except BaseException:
            writer.close()
            self.streams = None
            raise


async def _kiosks(ports: list[int], kiosks: list[tuple[int, str, str, str]]) -> dict[str, Any]:
    lat: dict[str, list[float]] = {"push": [], "pull_nothing_new": [], "pull_changes": []}
    delivery: list[float] = []
    errors: list[str] = []
    held = {"answered_with_changes": 0, "timed_out": 0}
    committed: dict[str, float] = {}  # entity -> wall time its push was answered
    started = time.perf_counter()
    deadline = started + SECONDS
    start = datetime.now(UTC)

    async def pause(seconds: float) -> None:
        """Sleep, but never past the end of the run."""
        await asyncio.sleep(max(0.0, min(seconds, deadline - time.perf_counter())))

    def head(method: str, path: str, token: str, extra: bytes = b"") -> bytes:
        return (
            f"{method} {path} HTTP/1.1\r\nHost: ho\r\nAuthorization: Bearer {token}\r\n".encode()
            + extra
        )

    async def pusher(index: int, kid: str, site: str, token: str, port: int) -> None:
        rng = random.Random(index)
        conn = Connection(port)
        extra = b"Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
        counter = 0
        await pause(rng.uniform(0, RAMP) + rng.expovariate(1 / CHECKIN_GAP))
        while time.perf_counter() < deadline:
            events: list[dict[str, Any]] = []
            for kind, entity, payload in _visit_events(rng.randint(1, 2), site, kid, start):
                counter += 1
                if "visitor" in payload:
                    # a person of this kiosk's own (another site's is refused), with a phone
                    # of their own: ``_visit_events`` numbers phones from 0 in every call, so
                    # every visitor of a site had one of the same two, and each check-in was a
                    # "two open visits" conflict with every open visit before it
                    person = f"{kid}-p{counter}"
                    payload["visitor"]["id"] = payload["visit"]["visitor_id"] = person
                    payload["visitor"]["phone"] = f"1{index * 100_000 + counter:010d}"
                ms = int(time.time() * 1000)
                events.append(
                    {
                        "uuid": uuid.uuid4().hex,
                        "kind": kind,
                        "entity_id": entity,
                        "occurred_at": start.isoformat(),
                        "hlc": f"{ms:013d}{counter:06d}-{kid}",
                        "payload": payload,
                    }
                )
            body = gzip.compress(json.dumps({"protocol": 1, "events": events}).encode(), 3)
            t0 = time.perf_counter()
            try:
                status, raw = await conn.request(
                    head("POST", "/api/v1/sync/push", token, extra), body
                )
                lat["push"].append(time.perf_counter() - t0)
                if status != 200:
                    errors.append(f"push {status}")
                elif refused := json.loads(raw)["rejected"]:
                    errors.append(f"rejected {refused[0]['reason'][:40]}")
                now = time.time()
                for e in events:
                    committed[e["entity_id"]] = now
            except (OSError, asyncio.IncompleteReadError, ValueError) as e:
                errors.append(f"push {e!r}")
            await pause(rng.expovariate(1 / CHECKIN_GAP))

    async def puller(index: int, kid: str, site: str, token: str, port: int) -> None:
        rng = random.Random(-index - 1)
        conn = Connection(port)
        holding = index % 5 != 0
        cursor = 0
        await pause(rng.uniform(0, RAMP))
        while time.perf_counter() < deadline:
            wait = f"&wait={WAIT}" if holding else ""
            t0 = time.perf_counter()
            try:
                status, raw = await conn.request(
                    head("GET", f"/api/v1/sync/pull?after={cursor}&limit=500{wait}", token)
                )
            except (OSError, asyncio.IncompleteReadError, ValueError) as e:
                errors.append(f"pull {e!r}")
                await pause(1.0)
                continue
            took = time.perf_counter() - t0
            if status != 200:
                errors.append(f"pull {status}")
                await pause(1.0)
                continue
            page = json.loads(raw)
            now = time.time()
            if wait:
                held["answered_with_changes" if page["changes"] else "timed_out"] += 1
                for c in page["changes"]:
                    if (at := committed.get(c["entity_id"])) is not None:
                        delivery.append(now - at)
            else:
                lat["pull_changes" if page["changes"] else "pull_nothing_new"].append(took)
            cursor = page["cursor"]
            if not holding and not page["more"]:
                await pause(rng.uniform(0.5, 1.5) * ROUND)

    cpu = time.process_time()
    await asyncio.gather(
        *(pusher(i, kid, site, token, ports[i % len(ports)]) for i, kid, site, token in kiosks),
        *(puller(i, kid, site, token, ports[i % len(ports)]) for i, kid, site, token in kiosks),
    )
    wall = time.perf_counter() - started
    return {
        "latencies": lat,
        "delivery": delivery,
        "errors": errors,
        "held": held,
        "cpu_share": (time.process_time() - cpu) / wall,
    }


def _generate(ports: list[int], kiosks: list[tuple[int, str, str, str]]) -> dict[str, Any]:
    return asyncio.run(_kiosks(ports, kiosks))


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of ``pid``, its children it reaped and its live descendants,
    from ``/proc``: a server's ``--workers`` children, PostgreSQL's backends."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    spent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # ended meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
        spent[int(entry)] = sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += spent.get(p, 0)
        todo.extend(child for child, parent in parents.items() if parent == p)
    return total / tick


def _postmaster(cluster: Any) -> int:
    return int((Path(cluster.root) / "data" / "postmaster.pid").read_text().split()[0])


def _run(sites: int, servers: int, workers: int) -> dict[str, Any]:
    """One run: ``sites`` × 5 kiosks against ``servers`` processes of ``workers`` each."""
    from pg_fixture import PostgresCluster

    from tests.support.harness import ServerProcess

    cluster = PostgresCluster(fast=False, max_connections=200).start()
    running: list[ServerProcess] = []
    try:
        url = cluster.new_database()
        kiosks = [(i, *k) for i, k in enumerate(_provision(url, sites))]
        with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
            running = [
                ServerProcess(url, log_path=Path(tmp) / f"server{i}.log", workers=workers).start()
                for i in range(servers)
            ]
            ports = [s.port for s in running]
            # whole sites per generator (a site's deliveries are timed in one process); forked,
            # so the generators share this process's settings
            per = KIOSKS_PER_SITE * (sites // GENERATORS + 1)
            shares = [kiosks[i : i + per] for i in range(0, len(kiosks), per)]
            pids = [s.proc.pid for s in running if s.proc is not None]
            database = _postmaster(cluster)
            before = [_tree_cpu(p) for p in pids], _tree_cpu(database), time.perf_counter()
            with multiprocessing.get_context("fork").Pool(len(shares)) as pool:
                outcomes = pool.starmap(_generate, [(ports, share) for share in shares])
            wall = time.perf_counter() - before[2]
            server_cpu = [_tree_cpu(p) - b for p, b in zip(pids, before[0], strict=True)]
            database_cpu = _tree_cpu(database) - before[1]
    finally:
        for s in running:
            s.stop()
        cluster.stop()
    lat: dict[str, list[float]] = {}
    for o in outcomes:
        for kind, values in o["latencies"].items():
            lat.setdefault(kind, []).extend(v * 1000 for v in values)
    at_once = [v for values in lat.values() for v in values]
    delivery = [v * 1000 for o in outcomes for v in o["delivery"]]
    errors = [e for o in outcomes for e in o["errors"]]
    held = {k: sum(o["held"][k] for o in outcomes) for k in outcomes[0]["held"]}
    answered = len(at_once) + sum(held.values())
    p99 = _quantile(at_once, 0.99)
    result: dict[str, Any] = {
        "value": round(p99, 1),
        "unit": "ms p99",
        "budget": 100,
        "ok": p99 <= 100 and not errors,
        "p99_ms": round(p99, 1),
        "p50_ms": round(_quantile(at_once, 0.5), 1),
        "kiosks": len(kiosks),
        "sites": sites,
        "server_processes": servers,
        "workers_each": workers,
        "errors": len(errors),
        "error_kinds": sorted({e.split(" ")[0] + " " + e.split(" ")[1][:40] for e in errors})[:5],
        "answered_at_once_per_s": round(len(at_once) / SECONDS, 1),
        "held_delivery_p50_ms": round(_quantile(delivery, 0.5), 1),
        "held_delivery_p99_ms": round(_quantile(delivery, 0.99), 1),
        "held_answers": held,
        "generator_cpu_share": [round(o["cpu_share"], 2) for o in outcomes],
        # CPU the servers and PostgreSQL spent while the kiosks ran (/proc; on a shared machine
        # steadier than any latency): share of one core, and per request answered
        "server_cpu_share": [round(c / wall, 3) for c in server_cpu],
        "database_cpu_share": round(database_cpu / wall, 3),
        "server_cpu_ms_per_request": round(1000 * sum(server_cpu) / max(1, answered), 3),
        "database_cpu_ms_per_request": round(1000 * database_cpu / max(1, answered), 3),
        "duration_s": SECONDS,
    }
    for kind, values in lat.items():
        result[f"{kind}_n"] = len(values)
        result[f"{kind}_p50_ms"] = round(_quantile(values, 0.5), 1)
        result[f"{kind}_p99_ms"] = round(_quantile(values, 0.99), 1)
    return result


def _capacity(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """What one process carries: the most kiosks of the sweep answered at p99 ≤ 100 ms without
    errors, and the CPU ceiling (the kiosks at which the process's CPU per kiosk, measured at
    the sweep's largest step, would fill one core: its Python runs on one core at a time)."""
    held = [s for s in steps if s["ok"]]
    largest = max(steps, key=lambda s: s["kiosks"])
    share = sum(largest["server_cpu_share"])
    return {
        "capacity_kiosks_per_process": max((s["kiosks"] for s in held), default=0),
        "cpu_ceiling_kiosks_per_process": round(largest["kiosks"] / share) if share else None,
        "sweep": [
            {
                k: s[k]
                for k in (
                    *("kiosks", "p50_ms", "p99_ms", "push_p99_ms", "errors"),
                    *("held_delivery_p50_ms", "server_cpu_share", "database_cpu_share"),
                    *("server_cpu_ms_per_request", "generator_cpu_share"),
                )
                if k in s
            }
            for s in steps
        ],
    }


def sync_load() -> dict[str, Any]:
    sweep = [int(n) for n in os.environ.get("BENCH_LOAD_SWEEP", "").split(",") if n.strip()]
    if not sweep:
        return _run(SITES, SERVERS, WORKERS)
    # the sweep: one process, one run per kiosk count; the headline is the largest run's p99
    steps = [_run(max(1, n // KIOSKS_PER_SITE), 1, WORKERS) for n in sorted(sweep)]
    capacity = _capacity(steps)
    return {
        **steps[-1],
        **capacity,
        # the goal's 5,000 kiosks on two processes need 2,500 each
        "ok": capacity["capacity_kiosks_per_process"] >= GOAL_PER_PROCESS,
        "value": capacity["capacity_kiosks_per_process"],
        "unit": "kiosks/proc",
        "budget": GOAL_PER_PROCESS,
    }


BENCHMARKS = {"sync_load": sync_load}
