"""``soak``: the real app offscreen through N walk-in check-ins; growth per 100 visitors.

N is ``BENCH_SOAK_VISITORS`` (default 300; ``python -m bench.bench_soak --visitors N`` runs one
child directly). Each visitor checks in by the walk-in flow of the UI tests
(``tests/support/soak.py``: phone, pinyin name, company skipped, purpose, host by initials,
consent, confirm, badge preview, home), each with a different phone number. After a warm-up
of 20 visitors it reports the growth per 100 visitors of RSS, open file descriptors, the
store's SQLite connections, Python objects, Kivy widgets, threads and the data directory's
size, and each step's median milliseconds over the first and the last 20 visitors measured.
Headline ``value``: RSS growth per 100 visitors in MiB (budget 2); ``fds_per_100`` must be 0.

The app runs in a child process (``--child``) so its window and memory are its own.
Not measured: textures and observers (no public count in Kivy 2.3.1).
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
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WARM_UP = 20
WINDOW = 20  # visitors whose step times make "start" and "end"


def _rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _sample(app: Any, data: Path) -> dict[str, float]:
    from kivy.uix.widget import Widget

    from kiosk.core.printing.files import directory_size
    from tests.support.soak import open_fds

    gc.collect()
    objects = gc.get_objects()
    return {
        "rss_mib": _rss_mib(),
        "fds": open_fds(),
        "connections": app.services.store.connection_count(),
        "objects": len(objects),
        "widgets": sum(1 for o in objects if issubclass(type(o), Widget)),  # proxies too
        "threads": threading.active_count(),
        "data_dir_kib": directory_size(data) / 1024,
    }


def child(visitors: int, data: Path) -> dict:
    from kiosk.launch import configure_kivy, prepare_environment

    prepare_environment(offscreen=True, kivy_home=data / "kivy")
    configure_kivy(size=(1920, 1080), fullscreen=False)
    from kiosk.app import KioskApp
    from kiosk.core.config.settings import load_settings
    from kiosk.services import build_services
    from tests.support.kiosk_driver import Driver
    from tests.support.soak import quiet, walk_in

    settings = load_settings(environ={}).replace("kiosk", data_dir=str(data), fullscreen=False)
    app = KioskApp(services=build_services(settings, demo=True), lockdown=True)
    app._run_prepare()
    kiosk = Driver(app)
    kiosk.frames(3)
    steps: list[dict[str, float]] = []
    start: dict[str, float] = {}
    try:
        for n in range(visitors):
            steps.append(walk_in(kiosk, n))
            if n + 1 == WARM_UP:
                quiet(kiosk)
                start = _sample(app, data)
        quiet(kiosk)
        end = _sample(app, data)
    finally:
        app.stop()
        kiosk.frames(1)
    measured = visitors - WARM_UP
    growth = {k: round((end[k] - start[k]) * 100 / measured, 3) for k in start}
    measured_steps = steps[WARM_UP:]

    def medians(rows: list[dict[str, float]]) -> dict[str, float]:
        return {k: round(statistics.median(r[k] for r in rows), 1) for k in rows[0]}

    return {
        "visitors": visitors,
        "warm_up": WARM_UP,
        "start": {k: round(v, 1) for k, v in start.items()},
        "end": {k: round(v, 1) for k, v in end.items()},
        "per_100": growth,
        "steps_ms_start": medians(measured_steps[:WINDOW]),
        "steps_ms_end": medians(measured_steps[-WINDOW:]),
    }


def soak() -> dict:
    visitors = int(os.environ.get("BENCH_SOAK_VISITORS", "300"))
    if visitors <= WARM_UP:
        raise ValueError(f"soak: need more than {WARM_UP} visitors, got {visitors}")
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        run = subprocess.run(
            [sys.executable, "-m", "bench.bench_soak", "--child", str(visitors), tmp],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=60 * 60,
        )
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("{")]
    report = json.loads(lines[-1]) if lines else {"error": run.stderr[-3000:]}
    if run.returncode or "error" in report:
        raise RuntimeError(f"the soak run failed ({run.returncode}): {report['error']}")
    per_100 = report["per_100"]
    return {
        "value": per_100["rss_mib"],
        "unit": "MiB/100",
        "budget": 2,
        "ok": per_100["rss_mib"] <= 2 and per_100["fds"] <= 0 and per_100["connections"] <= 0,
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
