"""``screen_changes``: how long each screen change of a whole check-in takes after the tap.

The real app runs offscreen (1920x1080, Chinese) in a child process and a visitor checks in
``BENCH_SCREENS_ROUNDS`` times (default 12, the first is a warm-up and not counted): home →
phone → name → company → purpose → host → consent → confirm → done → home. Each step is timed
from the touch going down on the button until the next screen is current, what the tap
started on the command runner has delivered, and one more frame has been drawn. Reports each
step's median and p95 in ms; headline ``value``: the slowest step's p95 (budget 100 ms).
Also ``directions_key``: the p95 ms of one keystroke in the directions search (budget 50).

On a shared machine with software GL the wall time says as much about the neighbours as about
the kiosk, so each step also reports ``cpu_p95``, the UI thread's own CPU time for the step
(``time.thread_time``: what other processes do not inflate), ``drawn_p95``, until OpenGL has
finished the frame (``glFinish``), and ``redraw_ms``, the software rasterizer redrawing the
step's target screen with nothing changed (the floor a frame costs on llvmpipe). The machine's
load average is taken before and after. ``BENCH_SCREENS_PROFILE=FILE`` writes a cProfile of the
UI thread over the measured rounds to FILE (``python -m pstats FILE``).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUDGET_MS = 100
KEY_BUDGET_MS = 50


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _timed_tap(kiosk: Any, widget: Any, done: Any) -> float:
    """ms from the touch on ``widget`` until ``done()`` holds and a frame more is drawn."""
    return _measured_tap(kiosk, widget, done)["wall"]


def _measured_tap(kiosk: Any, widget: Any, done: Any, *, queries: bool = True) -> dict[str, float]:
    """The tap on ``widget`` until ``done()`` holds and a frame more is handed to OpenGL:
    ``wall`` ms, the UI thread's ``cpu`` ms in that time, and ``drawn``, until OpenGL has
    finished that frame (what it still had to draw from before is not counted). ``queries``:
    also until the shell's query runner is idle (not for Done, whose later refreshes follow
    the badge printing and the host's message, long after the screen is complete)."""
    from kivy.graphics.opengl import glFinish
    from kivy.tests.common import UnitTestTouch

    app = kiosk.app
    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    glFinish()
    began, cpu = time.perf_counter(), time.thread_time()
    touch.touch_down()
    touch.touch_up()
    deadline = began + 15
    while time.perf_counter() < deadline:
        kiosk.loop.idle()
        idle = app.commands.outstanding == 0 and (not queries or app.queries.outstanding == 0)
        if idle and done():
            kiosk.loop.idle()  # the new screen drawn
            handed, cpu = time.perf_counter(), time.thread_time() - cpu
            glFinish()
            drawn = time.perf_counter()
            return {
                "wall": (handed - began) * 1000,
                "cpu": cpu * 1000,
                "drawn": (drawn - began) * 1000,
            }
    raise AssertionError(f"timed out after a tap on {widget}")


def _button(kiosk: Any, text: str) -> Any:
    from kivy.uix.button import Button

    for w in kiosk.current().walk():
        if isinstance(w, Button) and text in w.text and w.opacity > 0 and not w.disabled:
            return w
    raise AssertionError(f"no button {text!r} on {kiosk.screen}")


def check_in(kiosk: Any, n: int, redraw: bool = False) -> dict[str, dict[str, float]]:
    """One walk-in check-in; each screen change's figures (``_measured_tap``, and with
    ``redraw`` the target screen's full redraw ms), keyed "from→to"."""
    from tests.support.soak import full_redraw_ms

    app, times = kiosk.app, {}

    def measured(name: str, widget: Any, done: Any, *, queries: bool = True) -> None:
        times[name] = _measured_tap(kiosk, widget, done, queries=queries)
        if redraw:
            times[name]["redraw"] = full_redraw_ms(kiosk)

    def step(name: str, widget: Any, target: str) -> None:
        measured(name, widget, lambda: kiosk.screen == target)

    step("home→phone", kiosk.current().ids.checkin, "phone")
    kiosk.current().ids.field.text = f"1391234{n:04d}"
    step("phone→name", kiosk.current().ids.next, "name")
    kiosk.current().ids.field.text = "张伟"
    step("name→company", kiosk.current().ids.next, "company")
    step("company→purpose", kiosk.current().ids.next, "purpose")
    step("purpose→host", _button(kiosk, "会议"), "host")
    kiosk.current().ids.field.text = "ln"
    kiosk.frames(2)
    step("host→consent", _button(kiosk, "李娜"), "consent")
    step("consent→confirm", kiosk.current().ids.agree, "confirm")
    screen = app.screen("done")
    # Done is complete when it shows where to go and who is told (``shown``); the badge
    # preview comes later from the background thread by design (never waited for)
    measured(
        "confirm→done",
        kiosk.current().ids.confirm,
        lambda: kiosk.screen == "done" and screen.shown is not None,
        queries=False,
    )
    began = time.perf_counter()
    kiosk.wait_for(lambda: screen.badge_texture is not None and app.queries.outstanding == 0)
    times["confirm→done"]["settled"] = (
        times["confirm→done"]["wall"] + (time.perf_counter() - began) * 1000
    )
    step("done→home", kiosk.current().ids.finish, "home")
    return times


def directions_keys(kiosk: Any) -> list[float]:
    """ms per keystroke typing "ln" and "503" into the directions search, results drawn."""
    kiosk.tap(kiosk.current().ids.directions)
    screen, out = kiosk.current(), []
    for word in ("ln", "503", "lina"):
        for letter in word:
            key = next(
                w
                for w in screen.ids.keyboard.walk()
                if getattr(w, "text", None) == letter and w.__class__.__name__ == "Key"
            )
            out.append(_timed_tap(kiosk, key, lambda: True))
        screen.ids.field.text = ""
        kiosk.frames(2)
    kiosk.app.home()
    kiosk.frames(2)
    return out


def child(rounds: int, data: Path) -> dict:
    from kiosk.launch import configure_kivy, prepare_environment

    prepare_environment(offscreen=True, kivy_home=data / "kivy")
    configure_kivy(size=(1920, 1080), fullscreen=False)
    from kiosk.app import KioskApp
    from kiosk.core.config.settings import load_settings
    from kiosk.services import build_services
    from tests.support.kiosk_driver import Driver

    settings = load_settings(environ={}).replace("kiosk", data_dir=str(data), fullscreen=False)
    settings = settings.replace("printer", out_dir=str(data / "badges"))
    app = KioskApp(services=build_services(settings, demo=True), lockdown=False)
    app._run_prepare()
    kiosk = Driver(app)
    kiosk.frames(3)
    kiosk.wait_for(lambda: app.services.ime is None or app.services.ime.loaded, timeout=30)
    rows: list[dict[str, dict[str, float]]] = []
    load_before = [round(v, 1) for v in os.getloadavg()]
    profile_to = os.environ.get("BENCH_SCREENS_PROFILE")
    profiler = None
    try:
        rows.append(check_in(kiosk, 0))  # builds every screen once: a kiosk does that at start
        if profile_to:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()  # the UI thread only: the bench drives the loop on it
        for n in range(1, rounds):
            # every other round redraws each screen once more, to price the rasterizer
            rows.append(check_in(kiosk, n, redraw=n % 2 == 0))
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile_to)
        keys = directions_keys(kiosk) + directions_keys(kiosk)
    finally:
        app.stop()
        kiosk.frames(1)
    measured = rows[1:]
    steps = {}
    for name in measured[0]:
        wall = [r[name]["wall"] for r in measured]
        redraws = [r[name]["redraw"] for r in measured if "redraw" in r[name]]
        steps[name] = {
            "median": round(statistics.median(wall), 1),
            "p95": round(_p95(wall), 1),
            "cpu_median": round(statistics.median(r[name]["cpu"] for r in measured), 1),
            "cpu_p95": round(_p95([r[name]["cpu"] for r in measured]), 1),
            "drawn_p95": round(_p95([r[name]["drawn"] for r in measured]), 1),
            "redraw_ms": round(statistics.median(redraws), 1) if redraws else None,
        }
        settled = [r[name]["settled"] for r in measured if "settled" in r[name]]
        if settled:  # Done with its badge preview and the print queue's first refreshes
            steps[name]["settled_p95"] = round(_p95(settled), 1)
    # software GL and a shared CPU dominate the wall times: the load says what the run shared
    load = [round(v, 1) for v in os.getloadavg()]
    return {
        "steps": steps,
        "directions_key_p95": round(_p95(keys), 1),
        "load_average": load,
        "load_average_before": load_before,
        "cpus": os.cpu_count(),
    }


def screen_changes() -> dict:
    rounds = max(2, int(os.environ.get("BENCH_SCREENS_ROUNDS", "12")))
    with tempfile.TemporaryDirectory(prefix="bench-screens-") as tmp:
        run = subprocess.run(
            [sys.executable, "-m", "bench.bench_screens", "--child", str(rounds), tmp],
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
            cwd=ROOT,
            timeout=30 * 60,
        )
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("{")]
    report: dict[str, Any] = json.loads(lines[-1]) if lines else {"error": "no report (see above)"}
    if run.returncode or "error" in report:
        raise RuntimeError(f"screen_changes failed ({run.returncode}): {report.get('error')}")
    slowest = max(report["steps"].items(), key=lambda kv: kv[1]["p95"])
    slowest_cpu = max(report["steps"].items(), key=lambda kv: kv[1]["cpu_p95"])
    key_p95 = report["directions_key_p95"]
    return {
        "value": slowest[1]["p95"],
        "unit": "ms p95",
        "budget": BUDGET_MS,
        "ok": slowest[1]["p95"] <= BUDGET_MS and key_p95 <= KEY_BUDGET_MS,
        "slowest": slowest[0],
        # the UI thread's own share: within budget here means the rest was the machine
        "cpu_value": slowest_cpu[1]["cpu_p95"],
        "cpu_slowest": slowest_cpu[0],
        "rounds": rounds - 1,
        **report,
    }


BENCHMARKS = {"screen_changes": screen_changes}


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        try:
            report = child(int(argv[1]), Path(argv[2]))
        except BaseException:  # Kivy sends standard error to its log: say it on stdout
            print(json.dumps({"error": traceback.format_exc()}), flush=True)
            return 1
        print(json.dumps(report, ensure_ascii=False), flush=True)
        return 0
    print(json.dumps(screen_changes(), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
