"""The systemd watchdog is fed from the UI loop: pings while frames turn, none while frozen.

A datagram socket stands in for systemd's ``NOTIFY_SOCKET``; the real kiosk app (offscreen)
runs the pings on its Kivy clock, as ``kiosk`` does under ``Type=notify``.
"""

from __future__ import annotations

import socket
import time

import pytest

from kiosk.supervision import Systemd, feed_from_ui_loop

pytestmark = pytest.mark.ui


def _drain(sock: socket.socket) -> list[bytes]:
    out = []
    while True:
        try:
            out.append(sock.recv(4096))
        except BlockingIOError:
            return out


def test_watchdog_is_fed_by_the_ui_loop_and_stops_when_it_freezes(kiosk, tmp_path) -> None:
    path = tmp_path / "notify.sock"
    manager = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    manager.bind(str(path))
    manager.setblocking(False)
    systemd = Systemd.from_environ(
        {"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "100000"}  # WatchdogSec=0.1
    )
    assert systemd is not None and systemd.interval == 0.05
    event = feed_from_ui_loop(systemd)
    try:
        first = _drain(manager)
        assert first[0].startswith(b"READY=1")

        deadline = time.monotonic() + 0.6
        while time.monotonic() < deadline:  # the UI loop turns
            kiosk.frames(1)
            time.sleep(0.01)
        running = _drain(manager)
        assert running.count(b"WATCHDOG=1") >= 5, running

        time.sleep(0.6)  # the UI thread is stuck: nothing turns the Kivy clock
        assert _drain(manager) == [], "pinged while the UI loop was frozen"

        resumed: list[bytes] = []  # it turns again: pings resume (within 2 s on a busy machine)
        deadline = time.monotonic() + 2.0
        while b"WATCHDOG=1" not in resumed and time.monotonic() < deadline:
            kiosk.frames(1)
            time.sleep(0.02)
            resumed += _drain(manager)
        assert b"WATCHDOG=1" in resumed
    finally:
        event.cancel()
        systemd.close()
        manager.close()


def test_no_supervisor_no_pings() -> None:
    assert Systemd.from_environ({}) is None
    other = Systemd.from_environ(
        {"NOTIFY_SOCKET": "/nonexistent", "WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"}
    )
    assert other is not None and other.interval is None  # meant for another process
    assert other.feed() is False  # no manager there: logged, never raised
    other.close()
