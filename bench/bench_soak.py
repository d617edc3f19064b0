"""``soak``: the real app offscreen through N visitors of a realistic mix; growth per 100.

N is ``BENCH_SOAK_VISITORS`` (default 300; ``python -m bench.bench_soak --visitors N`` runs one
child directly). Each visitor checks in as a new walk-in (``tests/support/soak.py``: phone,
pinyin name, company skipped, purpose, host by initials, consent, confirm, badge preview,
home), checks out by phone the visitor three before, every second one looks up the way to a
host (keystrokes, the map floor by floor) and every fifth walks away mid check-in and is
reset by the idle prompt. After a warm-up of 20 visitors it reports the growth per 100
visitors of RSS, open file descriptors, the store's SQLite connections, Python objects, Kivy
widgets, textures, observers bound to the kiosk's own widgets (every property and event of
every widget of the window and of every screen built), threads and the data directory's
size, and each step's median milliseconds over the first and the last 20 visitors measured.
Headline ``value``: RSS growth per 100 visitors in MiB (budget 2); ``fds_per_100`` must be 0.

Two points a run apart swing with whatever the heap holds at that moment (tens of MiB offscreen:
Mesa's software renderer, label textures), so RSS and malloc in use are also sampled every
``SERIES_EVERY`` visitors and ``per_100_fit`` is the least-squares slope through them (whole
run and second half): the trend, not where two samples happened to land.

``BENCH_SOAK_SKIP=directions,checkout,idle`` leaves those parts of the mix out (to find which
one a growth comes with). ``BENCH_SOAK_DIAGNOSE=1`` also traces allocations (tracemalloc, slow)
and reports, between the end of the warm-up and the end, the tracebacks and object types that
grew most, and the traced total beside malloc in use (a leak malloc sees and tracemalloc does
not is native), and the textures new and gone; ``BENCH_SOAK_DIAGNOSE=50,150`` compares
visitors 50 and 150 instead. ``BENCH_SOAK_DIAGNOSE=textures`` is a texture census alone (no
tracemalloc): at each sample of the trend, the textures that came or went since the last one,
named by size and holder (``bench/soak_textures.py``), on standard error and in the report.
The app runs in a child process (``--child``) so its window and memory are its own.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.soak_diagnosis import Diagnosis, diagnose_at, expire_timed_caches, watch_textures
from bench.soak_textures import Census

ROOT = Path(__file__).resolve().parents[1]
WARM_UP = 20
WINDOW = 20  # visitors whose step times make "start" and "end"
SERIES_EVERY = 10  # visitors between two samples of the fitted trend


def _rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _sqlite_mib() -> float:
    """What SQLite holds of malloc's heap now (page caches, statements: ``sqlite3_status64``
    of the library Python's ``sqlite3`` is linked with), to tell its bounded caches from the
    kiosk's own growth in ``malloc_in_use_mib``; 0 where the symbol cannot be found."""
    import _sqlite3
    import ctypes

    try:
        status = ctypes.CDLL(_sqlite3.__file__).sqlite3_status64
    except (AttributeError, OSError):
        return 0.0
    current, highest = ctypes.c_int64(), ctypes.c_int64()
    if status(0, ctypes.byref(current), ctypes.byref(highest), 0) != 0:  # SQLITE_STATUS_MEMORY_USED
        return 0.0
    return current.value / 2**20


def _kiosk_widgets(app: Any) -> list[Any]:
    """Every widget of the window (overlays too) and of every screen built, once each."""
    seen: dict[int, Any] = {}
    roots = [*app.root_window.children, *app.screens()]
    for root in roots:
        for w in root.walk(restrict=False):
            seen.setdefault(id(w), w)
    return list(seen.values())


def _observers(widgets: list[Any]) -> int:
    """Callbacks bound to the widgets' properties and events (Kivy has no total of its own).

    Kivy links an alias or reference-list property (``center``, ``center_x``, ``right``…) to
    the properties it is made of only when it is first used, and reading its observers is
    such a first use: the first count of a widget binds a few callbacks that every later
    count sees (30,418 then 33,552 for the same 472 widgets after one check-in). So a pass
    that links them comes first, and the second pass counts. Without it, the start sample was
    the first count of most of the kiosk's widgets, and the soak reported those links, about
    3,900, as observers that grew after the warm-up."""
    for w in widgets:  # the first use: it links what Kivy links lazily
        for name in (*w.properties(), *w.events()):
            w.get_property_observers(name)
    total = 0
    for w in widgets:
        for name in (*w.properties(), *w.events()):
            total += len(w.get_property_observers(name))
    return total


def _sample(app: Any, data: Path) -> dict[str, float]:
    from kivy.graphics.texture import Texture
    from kivy.uix.widget import Widget

    from kiosk.core.printing.files import directory_size
    from kiosk.shell.memory import heap_usage, release_free_memory
    from tests.support.soak import open_fds

    expire_timed_caches()
    gc.collect()
    # the kiosk trims the heap on the background thread each time it goes home; trimming
    # here too means a sample never lands before that trim, only after it (no race)
    release_free_memory()
    objects = gc.get_objects()
    in_use, free = heap_usage() or (0, 0)
    return {
        "rss_mib": _rss_mib(),
        # RSS that grows while malloc_in_use stays flat is the allocator's, not a leak
        "malloc_in_use_mib": in_use / 2**20,
        "malloc_free_mib": free / 2**20,
        "sqlite_mib": _sqlite_mib(),
        "fds": open_fds(),
        "connections": app.services.store.connection_count(),
        "objects": len(objects),
        "widgets": sum(1 for o in objects if issubclass(type(o), Widget)),  # proxies too
        "textures": sum(1 for o in objects if issubclass(type(o), Texture)),
        "observers": _observers(_kiosk_widgets(app)),
        "threads": threading.active_count(),
        "data_dir_kib": directory_size(data) / 1024,
        # of which: the database (rows until retention) and the file printer's badges (kept
        # [printer] file_keep_hours, a day by default, so they grow through a soak)
        "database_kib": sum(f.stat().st_size for f in data.glob("kiosk.sqlite3*")) / 1024,
        "badge_files_kib": directory_size(data / "badges") / 1024,
    }


def _light_sample() -> dict[str, float]:
    """RSS and malloc in use (MiB) after a collection and a trim, for the fitted trend."""
    import tracemalloc

    from kiosk.shell.memory import heap_usage, release_free_memory

    gc.collect()
    release_free_memory()
    in_use, _free = heap_usage() or (0, 0)
    traced = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else 0
    return {
        "rss_mib": round(_rss_mib(), 1),
        "malloc_in_use_mib": round(in_use / 2**20, 1),
        "sqlite_mib": round(_sqlite_mib(), 1),
        **({"traced_mib": round(traced / 2**20, 2)} if traced else {}),
    }


def _fit_per_100(series: list[tuple[int, dict[str, float]]], since: int) -> dict[str, float]:
    """Least-squares growth per 100 visitors of each figure sampled from visitor ``since``."""
    points = [(n, row) for n, row in series if n >= since]
    if len(points) < 3:
        return {}
    names = points[0][1].keys()
    return {
        k: round(
            statistics.linear_regression([n for n, _ in points], [r[k] for _, r in points])[0]
            * 100,
            2,
        )
        for k in names
    }


def _size() -> tuple[int, int]:
    width, height = os.environ.get("BENCH_SOAK_SIZE", "1920x1080").split("x")
    return int(width), int(height)


def _progress(n: int, began: float) -> None:
    """A line on the parent's standard error (fd 2 itself: Kivy has taken ``sys.stderr``)."""
    line = f"soak: {n} visitors, {time.monotonic() - began:.0f} s, RSS {_rss_mib():.1f} MiB\n"
    os.write(2, line.encode())


def child(visitors: int, data: Path) -> dict:
    from kiosk.launch import configure_kivy, prepare_environment

    prepare_environment(offscreen=True, kivy_home=data / "kivy")
    configure_kivy(size=_size(), fullscreen=False)
    from kiosk.app import KioskApp
    from kiosk.core.config.settings import load_settings
    from kiosk.services import build_services
    from tests.support.kiosk_driver import Driver
    from tests.support.soak import full_redraw_ms, quiet, visitor

    settings = load_settings(environ={}).replace("kiosk", data_dir=str(data), fullscreen=False)
    # the end-of-day check-out twelve hours from now: a run that crossed 22:00 at the site
    # would see its visitors closed under it and their check-outs by phone find nothing
    site_now = datetime.now(ZoneInfo(settings.site.timezone))
    cutoff = (site_now + timedelta(hours=12)).strftime("%H:%M")
    settings = settings.replace("checkin", end_of_day=cutoff)
    app = KioskApp(services=build_services(settings, demo=True), lockdown=True)
    app._run_prepare()
    kiosk = Driver(app)
    kiosk.frames(3)
    steps: list[dict[str, float]] = []
    start: dict[str, float] = {}
    skip = frozenset(filter(None, os.environ.get("BENCH_SOAK_SKIP", "").split(",")))
    diagnose = diagnose_at(os.environ.get("BENCH_SOAK_DIAGNOSE", ""), WARM_UP, visitors)
    diagnosis = Diagnosis() if diagnose else None
    watch = Census() if os.environ.get("BENCH_SOAK_DIAGNOSE") == "textures" else None
    watched: list[dict[str, Any]] = []
    found: dict[str, Any] = {}
    series: list[tuple[int, dict[str, float]]] = []
    began = time.monotonic()
    half = WARM_UP + (visitors - WARM_UP) // 2
    middle: dict[str, float] = {}
    try:
        for n in range(visitors):
            steps.append(visitor(kiosk, n, skip))
            if (n + 1) % 10 == 0:
                _progress(n + 1, began)
            if n + 1 >= WARM_UP and (n + 1 - WARM_UP) % SERIES_EVERY == 0:
                quiet(kiosk)
                series.append((n + 1, _light_sample()))
                if watch is not None:
                    watched += watch_textures(watch, app, n + 1)
            if n + 1 == half:
                quiet(kiosk)
                middle = _sample(app, data)
            if n + 1 == WARM_UP:
                quiet(kiosk)
                start = _sample(app, data)
                redraw_start = statistics.median(full_redraw_ms(kiosk) for _ in range(5))
            if diagnosis and diagnose and n + 1 == diagnose[0]:
                quiet(kiosk)
                diagnosis.mark(app)
            if diagnosis and diagnose and n + 1 == diagnose[1]:
                quiet(kiosk)
                found = {"between": list(diagnose), **diagnosis.report(app)}
        quiet(kiosk)
        end = _sample(app, data)
        redraw_end = statistics.median(full_redraw_ms(kiosk) for _ in range(5))
    finally:
        app.stop()
        kiosk.frames(1)
    measured = visitors - WARM_UP
    growth = {k: round((end[k] - start[k]) * 100 / measured, 3) for k in start}
    # the second half alone: what still grows once whatever fills up in use has filled
    late = {k: round((end[k] - middle[k]) * 100 / (visitors - half), 3) for k in middle}
    measured_steps = steps[WARM_UP:]

    def medians(rows: list[dict[str, float]]) -> dict[str, float]:
        names = dict.fromkeys(k for r in rows for k in r)  # not every visitor does every step
        return {k: round(statistics.median(r[k] for r in rows if k in r), 1) for k in names}

    return {
        "visitors": visitors,
        "warm_up": WARM_UP,
        "window": "x".join(map(str, _size())),
        "skipped": sorted(skip),
        "minutes": round((time.monotonic() - began) / 60, 1),
        "start": {k: round(v, 1) for k, v in start.items()},
        "end": {k: round(v, 1) for k, v in end.items()},
        "per_100": growth,
        "per_100_second_half": late,
        # the least-squares trend through a sample every SERIES_EVERY visitors
        "per_100_fit": {
            "whole": _fit_per_100(series, WARM_UP),
            "second_half": _fit_per_100(series, half),
        },
        "series": [{"n": n, **row} for n, row in series],
        "middle": {k: round(v, 1) for k, v in middle.items()},
        "steps_ms_start": medians(measured_steps[:WINDOW]),
        "steps_ms_end": medians(measured_steps[-WINDOW:]),
        "full_redraw_ms": {"start": round(redraw_start, 1), "end": round(redraw_end, 1)},
        **({"diagnosis": found} if diagnosis else {}),
        **({"texture_watch": watched} if watch is not None else {}),
    }


def soak() -> dict:
    visitors = int(os.environ.get("BENCH_SOAK_VISITORS", "300"))
    if visitors <= WARM_UP:
        raise ValueError(f"soak: need more than {WARM_UP} visitors, got {visitors}")
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        run = subprocess.run(
            [sys.executable, "-m", "bench.bench_soak", "--child", str(visitors), tmp],
            stdout=subprocess.PIPE,  # its progress lines go to our standard error
            text=True,
            env=env,
            cwd=ROOT,
            timeout=60 * 60,
        )
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("{")]
    report = json.loads(lines[-1]) if lines else {"error": "no report (see above)"}
    if run.returncode or "error" in report:
        raise RuntimeError(f"the soak run failed ({run.returncode}): {report['error']}")
    per_100 = report["per_100"]
    flat = ("fds", "connections", "widgets", "textures", "observers", "threads")
    return {
        "value": per_100["rss_mib"],
        "unit": "MiB/100",
        "budget": 2,
        "ok": per_100["rss_mib"] <= 2 and all(per_100[k] <= 0 for k in flat),
        "fds_per_100": per_100["fds"],
        **report,
    }


BENCHMARKS = {"soak": soak}


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        try:
            report = child(int(argv[1]), Path(argv[2]))
        except BaseException:  # Kivy sends standard error to its log: say it on stdout
            print(json.dumps({"error": traceback.format_exc()}), flush=True)
            return 1
        print(json.dumps(report), flush=True)
        return 0
    if argv[:1] == ["--visitors"]:
        os.environ["BENCH_SOAK_VISITORS"] = argv[1]
    print(json.dumps(soak(), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
