"""``sync_load``: 5,000 simulated kiosks against two ``kiosk-server`` processes on PostgreSQL.

1,000 sites × 5 kiosks, enrolled straight in the database, against two server processes on
one PostgreSQL 15 cluster (started here, fsync on). Each kiosk (``load_kiosks.py``) does what
the sync worker does:
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
``BENCH_LOAD_WORKERS`` (``--workers`` of each, default 1), ``BENCH_LOAD_SECONDS`` (default 60);
the servers' worker threads are ``$KIOSK_SERVER_THREADS`` as set (``sync/server/threads.py``).
Every run reports the CPU the server processes and PostgreSQL spent meanwhile (``/proc``: share
of one core over the whole run, milliseconds per answered request, and ``*_cores_asked``: CPU
seconds per measured second, the cores the load needs), steadier than latency on a shared
machine.
``BENCH_LOAD_SWEEP=250,500,1000`` runs one process at each count instead and reports the
capacity: the most kiosks answered at p99 ≤ 100 ms without errors
(``capacity_kiosks_per_process``, the headline; the goal needs 2,500) and the CPU ceiling
(``cpu_ceiling_kiosks_per_process``: kiosks at which the largest step's server cores asked per
kiosk would fill the one core a process's Python runs on), with each step's figures (``sweep``).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.bench_sync import ROOT
from bench.load_kiosks import KIOSKS_PER_SITE, SECONDS, _generate
from sync.server.threads import threads_from_environment

if str(ROOT / "tests" / "integration") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests" / "integration"))


#: the sweep's knobs (what one server process carries: docs/head-office.md): kiosks in all,
#: ``kiosk-server serve`` processes (each on its own port, kiosks spread over them), the
#: ``--workers`` each runs (the measured seconds: ``load_kiosks.SECONDS``)
SITES = max(1, int(os.environ.get("BENCH_LOAD_KIOSKS", "5000")) // KIOSKS_PER_SITE)
SERVERS = max(1, int(os.environ.get("BENCH_LOAD_SERVERS", "2")))
WORKERS = max(1, int(os.environ.get("BENCH_LOAD_WORKERS", "1")))
#: generator processes, each one asyncio loop (``load_kiosks.py``)
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
        "threads_each": threads_from_environment(),
        "errors": len(errors),
        "error_kinds": sorted({e.split(" ")[0] + " " + e.split(" ")[1][:40] for e in errors})[:5],
        "answered_at_once_per_s": round(len(at_once) / SECONDS, 1),
        "held_delivery_p50_ms": round(_quantile(delivery, 0.5), 1),
        "held_delivery_p99_ms": round(_quantile(delivery, 0.99), 1),
        "held_answers": held,
        "generator_cpu_share": [round(o["cpu_share"], 2) for o in outcomes],
        # CPU the servers and PostgreSQL spent while the kiosks ran (/proc; on a shared machine
        # steadier than any latency): share of one core over the whole run (answers drained
        # after the measured seconds included), per request answered, and the cores the
        # load asks (CPU seconds per measured second: what the kiosks' requests cost)
        "server_cpu_share": [round(c / wall, 3) for c in server_cpu],
        "database_cpu_share": round(database_cpu / wall, 3),
        "server_cores_asked": round(sum(server_cpu) / SECONDS, 3),
        "database_cores_asked": round(database_cpu / SECONDS, 3),
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
    cores = largest["server_cores_asked"]
    return {
        "capacity_kiosks_per_process": max((s["kiosks"] for s in held), default=0),
        "cpu_ceiling_kiosks_per_process": round(largest["kiosks"] / cores) if cores else None,
        "sweep": [
            {
                k: s[k]
                for k in (
                    *("kiosks", "p50_ms", "p99_ms", "push_p99_ms", "errors"),
                    *("held_delivery_p50_ms", "server_cpu_share", "database_cpu_share"),
                    *("server_cpu_ms_per_request", "generator_cpu_share"),
                    *("server_cores_asked", "database_cores_asked"),
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
