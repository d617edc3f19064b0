"""The kiosk process as a new user or systemd starts it: nothing fails silently.

Each test starts the real ``kiosk`` in a subprocess, with Kivy's logging left at the defaults
a user gets (console and file log on, no test overrides). A failure is forced, where one is
needed, by a small launcher that wraps the real ``open_window`` and then breaks the app the
way a bug would; everything else (settings, services, app, error handling) is the real thing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.ui

NO_DISPLAY = (
    "no display: set DISPLAY, or SDL_VIDEODRIVER=kmsdrm on a Raspberry Pi without a desktop"
)

LAUNCHER = """
import logging, sys, warnings
import kiosk.launch as launch
from kiosk.cli import main

mode = sys.argv.pop(1)
real_open_window = launch.open_window

def open_window(*args, **kwargs):
    window = real_open_window(*args, **kwargs)
    from kivy.clock import Clock
    from kiosk.app import KioskApp
    if mode == "start":
        def build(self):
            raise RuntimeError("forced failure at start")
        KioskApp.build = build
    elif mode == "frame":
        def fail(_dt):
            raise RuntimeError("forced failure in a frame")
        Clock.schedule_once(fail, 1.0)
    elif mode == "warn":
        logging.getLogger("kiosk.probe").warning("probe warning from the kiosk")
        logging.getLogger("kiosk.probe").info("probe info for the log file only")
        warnings.warn("probe Python warning", UserWarning, stacklevel=1)
    return window

launch.open_window = open_window
sys.exit(main())
"""


def _env(tmp_path: Path, **changes: str) -> dict[str, str]:
    env = dict(os.environ, KIVY_HOME=str(tmp_path / "kivy"), **changes)
    # what scripts/test sets to keep the suite quiet: a user has none of it
    for name in ("KIVY_NO_CONSOLELOG", "KIVY_NO_FILELOG", "KIOSK_DEBUG", "DISPLAY"):
        if name not in changes:
            env.pop(name, None)
    return env


def _kiosk(tmp_path: Path, *args: str, mode: str | None = None, timeout: float = 90, **env: str):
    launcher = tmp_path / "launcher.py"
    launcher.write_text(LAUNCHER, encoding="utf-8")
    command = [sys.executable, str(launcher), mode] if mode else [sys.executable, "-m", "kiosk"]
    command += ["--demo", "--data-dir", str(tmp_path / "data"), "--windowed", "800x600", *args]
    started = time.monotonic()
    done = subprocess.run(
        command, env=_env(tmp_path, **env), capture_output=True, text=True, timeout=timeout
    )
    return done, time.monotonic() - started


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("display", "says"),
    [(None, ""), (":4711", " (DISPLAY=:4711 could not be opened)")],
    ids=["none", "one-nobody-serves"],
)
def test_no_display_is_said_at_once_and_the_kiosk_exits(tmp_path, display, says):
    env = _env(tmp_path)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"):
        env.pop(name, None)
    if display:
        env["DISPLAY"] = display  # SDL would fall back to drawing offscreen, unseen
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--demo", "--data-dir", str(tmp_path / "data")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    elapsed = time.monotonic() - started
    assert done.returncode != 0
    assert _lines(done.stderr) == [f"kiosk: {NO_DISPLAY}{says}"]
    assert elapsed < 5, f"took {elapsed:.1f} s"


def test_the_first_frame_check_sees_the_home_screen(tmp_path):
    done, _ = _kiosk(tmp_path, "--check", SDL_VIDEODRIVER="offscreen")
    assert done.returncode == 0, done.stderr
    assert "first frame OK: the home screen is drawn (800x600" in done.stdout
    assert (tmp_path / "data" / "first-frame.png").stat().st_size > 10_000
    assert done.stderr == ""  # a clean start has nothing to warn about


def test_a_blank_frame_fails_the_check(tmp_path):
    from PIL import Image

    from kiosk.first_frame import _problem

    blank = tmp_path / "blank.png"
    Image.new("RGB", (800, 600), (0, 0, 0)).save(blank)
    assert _problem({"png": blank, "screen": "home", "frames": 1}).startswith("the frame is blank")
    assert _problem({"png": blank, "screen": "phone", "frames": 1}) == (
        "the current screen is 'phone', not home"
    )


def _assert_one_crash_line(done, message: str) -> None:
    assert done.returncode == 1, done.stderr
    lines = _lines(done.stderr)
    assert len(lines) == 1, done.stderr
    expected = (
        f"kiosk: stopped by an unexpected error: RuntimeError: {message}; the traceback is in "
    )
    assert lines[0].startswith(expected), lines[0]
    log_file = Path(lines[0].removeprefix(expected))
    logged = log_file.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in logged
    assert f"RuntimeError: {message}" in logged


def test_an_exception_at_start_is_one_line_naming_the_log_file(tmp_path):
    done, _ = _kiosk(tmp_path, mode="start", SDL_VIDEODRIVER="offscreen")
    _assert_one_crash_line(done, "forced failure at start")


def test_an_exception_in_a_frame_is_one_line_naming_the_log_file(tmp_path):
    done, _ = _kiosk(tmp_path, mode="frame", SDL_VIDEODRIVER="offscreen")
    _assert_one_crash_line(done, "forced failure in a frame")
    # the database was closed on the way out
    wal = tmp_path / "data" / "kiosk.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0


def test_warnings_reach_stderr_by_default_and_info_stays_in_the_log_file(tmp_path):
    done, _ = _kiosk(tmp_path, "--check", mode="warn", SDL_VIDEODRIVER="offscreen")
    assert done.returncode == 0, done.stderr
    assert "[WARNING] probe warning from the kiosk" in done.stderr
    assert "UserWarning: probe Python warning" in done.stderr
    assert "probe info" not in done.stderr
    assert "[INFO" not in done.stderr
    (log_file,) = (tmp_path / "kivy" / "logs").iterdir()
    logged = log_file.read_text(encoding="utf-8")
    assert "probe warning from the kiosk" in logged
    assert "probe info for the log file only" in logged


def test_kiosk_debug_turns_on_debug_output(tmp_path):
    done, _ = _kiosk(tmp_path, "--check", SDL_VIDEODRIVER="offscreen", KIOSK_DEBUG="1")
    assert done.returncode == 0, done.stderr
    assert "[Kivy        ] v2." in done.stderr or "Kivy: v2." in done.stderr
    assert "DEBUG" in done.stderr
