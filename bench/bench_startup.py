"""``startup``: process start → first frame of the home screen (offscreen, 1920×1080, demo data).

Also reports the peak resident memory of the kiosk process at that moment. The first run
creates the demo database and any caches and is not counted, as on a real kiosk that starts
every morning on the data it already has.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from kiosk.launch import configure_kivy, prepare_environment
    from pathlib import Path
    data = Path(sys.argv[1])
    prepare_environment(offscreen=True, kivy_home=data / "kivy")
    configure_kivy(size=(1920, 1080), fullscreen=False)
    from kivy.core.window import Window
    from kiosk.app import KioskApp
    from kiosk.core.config.settings import load_settings
    from kiosk.services import build_services
    settings = load_settings(environ={}).replace("kiosk", data_dir=str(data), fullscreen=False)
    app = KioskApp(services=build_services(settings, demo=True), lockdown=True)
    def first_frame(*_):
        if app.root is None or app.manager.current != "home":
            return
        Window.unbind(on_flip=first_frame)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"at": time.time(), "rss_mb": rss_mb}), flush=True)
        app.stop()
    Window.bind(on_flip=first_frame)
    app.run()
    """
)


def _one(data: Path) -> tuple[float, float]:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    started = time.time()
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(data)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"the kiosk did not start: {run.stderr[-2000:]}")
    report = json.loads(lines[-1])
    return report["at"] - started, report["rss_mb"]


def startup(runs: int = 5) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        data = Path(tmp)
        _one(data)  # creates the database, loads the demo, warms caches
        samples = [_one(data) for _ in range(runs)]
    seconds = [s for s, _ in samples]
    rss = [r for _, r in samples]
    return {
        "value": round(statistics.median(seconds), 3),
        "unit": "s",
        "budget": 1.5,
        "ok": statistics.median(seconds) <= 1.5 and max(rss) <= 200,
        "rss_mb": round(max(rss), 1),
        "rss_budget_mb": 200,
        "runs": [round(s, 3) for s in seconds],
    }


BENCHMARKS = {"startup": startup}
