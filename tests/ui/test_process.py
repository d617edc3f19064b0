"""The kiosk process: it refuses window close requests but stops cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.ui


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_process_shuts_the_kiosk_down_cleanly(tmp_path, signum):
    env = dict(os.environ, SDL_VIDEODRIVER="offscreen", KIVY_HOME=str(tmp_path / "kivy"))
    env.pop("DISPLAY", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk",
            "--demo",
            "--data-dir",
            str(tmp_path),
            "--windowed",
            "800x600",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "kiosk.sqlite3").exists() and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        time.sleep(2.0)  # the window is up and the app is running
        assert proc.poll() is None
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    # the database was closed cleanly: no write-ahead log left behind to replay
    wal = tmp_path / "kiosk.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0


def test_a_stop_signal_stops_the_kiosk_on_the_clock_not_inside_the_interrupted_code():
    # the handler runs between two bytecodes of whatever the UI thread was doing (building a
    # screen ahead, its kv rules reading ``app``): stopping there left that code a stopped app
    from kivy.clock import Clock

    from kiosk.cli import stop_on_signal

    asked: list[str] = []

    class App:
        def exit_kiosk(self) -> None:
            asked.append("exit")

    stop_on_signal(App())(signal.SIGTERM, None)
    assert asked == []
    Clock.tick()
    assert asked == ["exit"]
