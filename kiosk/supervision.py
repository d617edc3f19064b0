"""systemd supervision: ``Type=notify`` readiness and a watchdog fed from the Kivy UI loop.

The kiosk speaks the sd_notify protocol itself (one datagram per message to the Unix socket in
``$NOTIFY_SOCKET``; no extra daemon, no libsystemd). ``READY=1`` goes out once the first frame
is on screen; ``WATCHDOG=1`` every half of ``$WATCHDOG_USEC`` from a Kivy clock callback, so it
is sent only while the UI thread turns: a frozen UI (a deadlock, a screen stuck waiting) stops
the pings and systemd kills and restarts the kiosk (``WatchdogSec=`` in the unit). Under no
supervisor (no ``$NOTIFY_SOCKET``) all of this is a no-op.

Must never: block (a full socket drops the ping, it does not wait), or feed the watchdog from
any thread but the UI thread.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)


class Systemd:
    """The notify socket of the service manager that started this process."""

    def __init__(self, address: str, *, watchdog_usec: int = 0) -> None:
        # a leading "@" is Linux's abstract namespace
        self.address = "\0" + address[1:] if address.startswith("@") else address
        self.watchdog_usec = watchdog_usec
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self._socket.setblocking(False)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Systemd | None:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        if not address:
            return None
        usec = int(env.get("WATCHDOG_USEC", "0") or 0)
        pid = env.get("WATCHDOG_PID", "")
        if pid and pid != str(os.getpid()):
            usec = 0  # the watchdog is meant for another process (a parent shell script)
        return cls(address, watchdog_usec=usec)

    @property
    def interval(self) -> float | None:
        """Seconds between pings: half the watchdog's timeout, or None without a watchdog."""
        return self.watchdog_usec / 2e6 if self.watchdog_usec else None

    def send(self, *fields: str) -> bool:
        try:
            self._socket.sendto("\n".join(fields).encode(), self.address)
            return True
        except OSError as e:  # a manager gone or a full queue: never stop the kiosk for it
            log.warning("sd_notify to %s failed: %s", self.address.lstrip("\0"), e)
            return False

    def ready(self, status: str = "") -> bool:
        return self.send("READY=1", *((f"STATUS={status}",) if status else ()))

    def feed(self) -> bool:
        return self.send("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.send("STOPPING=1")

    def close(self) -> None:
        self._socket.close()


def feed_from_ui_loop(systemd: Systemd, *, interval: float | None = None) -> Any:
    """Say ready and schedule the watchdog's pings on the Kivy clock (call on the UI thread,
    once the app has started); returns the clock event (``cancel()`` stops the pings)."""
    from kivy.clock import Clock

    systemd.ready("lobby kiosk running")
    every = interval or systemd.interval
    if every is None:
        return None
    systemd.feed()
    return Clock.schedule_interval(lambda _dt: systemd.feed(), every)


def supervise(app: Any, environ: Mapping[str, str] | None = None) -> Systemd | None:
    """Wire ``app`` to systemd when it runs under it: ready after start, pings, stopping."""
    systemd = Systemd.from_environ(environ)
    if systemd is None:
        return None
    app.bind(on_start=lambda *_: feed_from_ui_loop(systemd))
    app.bind(on_stop=lambda *_: systemd.stopping())
    return systemd
