"""Leaving the app from receptionist mode stops the workers and ends the process.

The app under test must really stop, so it runs in a process of its own
(``leave_app_child.py``, the real app offscreen with its own wiring)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_closing_the_app_stops_the_workers_and_exits(tmp_path: Path) -> None:
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_CLIPBOARD": "dummy"}
    env.pop("DISPLAY", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "ui" / "leave_app_child.py"), str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("REPORT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    report = json.loads(lines[0].removeprefix("REPORT "))
    assert report["confirm_shown"] == 1
    assert report["running_before"] and all(report["running_before"])
    assert not any(report["running_after"])
    assert not [t for t in report["threads"] if t.startswith(("print-queue", "notify-worker"))]
    assert "app.left" in report["actions"]  # audited before the app stopped
