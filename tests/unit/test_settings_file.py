"""The settings file written from receptionist mode: only the changed keys, atomically."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.core.config.errors import ConfigError
from kiosk.core.config.settings import load_settings
from kiosk.core.config.settings_file import save_settings

OLD = """# the lobby kiosk
[kiosk]
idle_timeout = 45.0
name = "Lobby east"

[printer]
backend = "cups"
queue = "Badges"
"""


def test_changes_only_the_keys_given_and_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(OLD)
    new = save_settings(path, {"kiosk": {"idle_timeout": 90.0}, "checkin": {"end_of_day": "20:30"}})
    assert new.kiosk.idle_timeout == 90.0 and new.checkin.end_of_day == "20:30"
    again = load_settings(path, environ={})
    assert again.kiosk.idle_timeout == 90.0
    assert again.kiosk.name == "Lobby east"
    assert again.printer.queue == "Badges"
    # defaults the file did not name are not written into it
    assert "retention_days" not in path.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["kiosk.toml"]


def test_a_value_the_kiosk_would_refuse_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(OLD)
    with pytest.raises(ConfigError):
        save_settings(path, {"kiosk": {"idle_timeout": "soon"}})
    assert path.read_text() == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["kiosk.toml"]


def test_a_missing_file_is_created(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "kiosk.toml"
    save_settings(path, {"kiosk": {"role": "desk"}})
    assert load_settings(path, environ={}).kiosk.role == "desk"


_WRITER = """
import os, sys, time
from pathlib import Path
from kiosk.core.config import settings_file

real_fsync = os.fsync
def fsync_then_hang(fd):
    real_fsync(fd)
    print("written", flush=True)
    time.sleep(60)
os.fsync = fsync_then_hang
settings_file.save_settings(Path(sys.argv[1]), {"kiosk": {"idle_timeout": 99.0}})
"""


def test_a_kill_in_the_middle_of_the_write_leaves_the_old_file_intact(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(OLD)
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "written"  # new bytes on disk, not renamed
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    assert path.read_text() == OLD
    assert load_settings(path, environ={}).kiosk.idle_timeout == 45.0
    # the next save replaces the file whole despite the temporary file left behind
    leftovers = [p for p in tmp_path.iterdir() if p.name != "kiosk.toml"]
    assert leftovers and all(p.name.startswith(".kiosk.toml.") for p in leftovers)
    assert save_settings(path, {"kiosk": {"idle_timeout": 60.0}}).kiosk.idle_timeout == 60.0
