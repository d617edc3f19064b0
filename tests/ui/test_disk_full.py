"""A full disk during check-in, through the real app offscreen on a 2 MB tmpfs (issue 12, item 6).

Before: after 33 check-ins on a 2 MB filesystem the kiosk raised ``sqlite3.OperationalError:
cannot rollback - no transaction is active`` into the Kivy loop. Now the confirm screen shows
the calm, translated message, the visit is not half-kept, and the desk gets one alert.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.core.alerts import open_alerts
from kiosk.core.config.i18n import catalogue
from tests.ui.conftest import fresh_database


@pytest.fixture
def small_disk(tmp_path: Path):
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)])
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path, name: str = "filler") -> None:
    """Take every free byte of the filesystem (what a log gone wild does)."""
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as e:
        assert e.errno == errno.ENOSPC
    finally:
        os.close(fd)


def _check_in(kiosk, number: str) -> None:
    app = kiosk.app
    app.home()
    kiosk.frames(2)
    if app.lang != "en":
        kiosk.tap(app.root.ids.lang_toggle)
    kiosk.tap(kiosk.current().ids.checkin)
    kiosk.tap_text("+")
    kiosk.keys(number)
    kiosk.tap_text("Next")
    kiosk.keys("anna")
    kiosk.tap_text("Next")
    kiosk.keys("acme")
    kiosk.tap_text("Next")
    kiosk.tap_text("Interview")
    kiosk.keys("miller")
    kiosk.tap_text("David Miller")
    kiosk.tap_text("I have read this and agree")
    kiosk.tap_text("Check in")  # an exception escaping the screen would raise here


def test_a_full_disk_gives_a_calm_message_and_an_alert(kiosk, small_disk, tmp_path) -> None:
    from kivy.base import ExceptionHandler, ExceptionManager

    app = kiosk.app
    escaped: list[BaseException] = []

    class Record(ExceptionHandler):
        def handle_exception(self, exception):
            escaped.append(exception)
            return ExceptionManager.PASS

    handler = Record()
    ExceptionManager.add_handler(handler)
    try:
        fresh_database(app, small_disk / "kiosk")
        _check_in(kiosk, "447700900100")
        assert kiosk.screen == "done"  # room enough: a normal check-in
        visits = len(app.services.records.visits())
        _fill(small_disk)
        _check_in(kiosk, "447700900101")
        assert kiosk.screen == "confirm"
        calm = catalogue("en")["error.storage_full"]
        assert calm in kiosk.texts()
        kiosk.tap(app.root.ids.lang_toggle)
        assert catalogue("zh_CN")["error.storage_full"] in kiosk.texts()
        assert "请到前台办理" in catalogue("zh_CN")["error.storage_full"]
        assert len(app.services.records.visits()) == visits  # nothing half-kept
        # (on so small a disk the disk watch may also have raised its disk_low warning)
        (alert,) = [a for a in open_alerts(app.services.store) if a.kind != "disk_low"]
        assert (alert.kind, alert.severity) == ("storage_full", "critical")
        # the reserve freed for the alert is taken too: the same message, no second alert
        _fill(small_disk, "filler2")
        _check_in(kiosk, "447700900102")
        assert kiosk.screen == "confirm" and calm in kiosk.texts()
        assert [a.kind for a in open_alerts(app.services.store) if a.kind != "disk_low"] == [
            "storage_full"
        ]
        assert escaped == []
    finally:
        ExceptionManager.remove_handler(handler)
        fresh_database(app, tmp_path / "after")  # off the small disk before it goes
