"""Run by test_console_leave.py in a process of its own: the real app offscreen, an admin
signs in, opens the settings, taps "Close the app" and confirms. Prints what was left running
as JSON once ``app.run()`` has returned (the app stopping is what ends this process)."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

PIN = "864209"


def main(data: Path) -> int:
    from kiosk.launch import configure_kivy, prepare_environment

    prepare_environment(offscreen=True, kivy_home=data / "kivy")
    configure_kivy(size=(1280, 800), fullscreen=False)
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    from kiosk.app import KioskApp
    from kiosk.core.config.settings import load_settings
    from kiosk.services import build_services

    settings = load_settings(environ={}).replace("kiosk", data_dir=str(data), fullscreen=False)
    services = build_services(settings.replace("printer", out_dir=str(data / "badges")))
    services.reception.staff.add("Li Jing", "admin", PIN)
    app = KioskApp(services=services, lockdown=True)
    workers = list(services.workers)
    seen: dict[str, object] = {}

    def tap(widget) -> None:
        touch = UnitTestTouch(*widget.to_window(*widget.center))
        touch.touch_down()
        touch.touch_up()

    def sign_in(_dt: float) -> None:
        seen["running_before"] = [w.running for w in workers if hasattr(w, "running")]
        app.reception.opened(services.reception.staff.enter(PIN))
        app.go("reception_settings")
        Clock.schedule_once(ask, 1.0)

    def ask(_dt: float) -> None:
        tap(app.manager.current_screen.ids.leave)
        Clock.schedule_once(confirm, 0.5)

    def confirm(_dt: float) -> None:
        dialogs = [w for w in Window.children if type(w).__name__ == "ConfirmLeave"]
        seen["confirm_shown"] = len(dialogs)
        tap(dialogs[0].ids.leave)

    Clock.schedule_once(sign_in, 1.0)
    threading.Timer(60, lambda: os._exit(3)).start()  # never hang the test run
    app.run()
    from kiosk.core.config.clock import SystemClock
    from kiosk.core.store.database import Store

    store = Store(settings.database_path, clock=SystemClock())
    actions = [r["action"] for r in store.query("SELECT action FROM audit_log")]
    store.close()
    report = {
        **seen,
        "running_after": [w.running for w in workers if hasattr(w, "running")],
        "threads": sorted(t.name for t in threading.enumerate() if t.name != "MainThread"),
        "actions": actions,
    }
    print("REPORT " + json.dumps(report), flush=True)
    os._exit(0)  # the watchdog timer thread must not keep the process


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
