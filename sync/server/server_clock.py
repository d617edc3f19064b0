"""Head office's hybrid logical clock, and how far a kiosk's stamp may move it.

Kiosks adopt the server's stamp from every push answer, so the server's clock is shared by
every site: one kiosk whose wall clock is years ahead (a Raspberry Pi without a real-time
clock, or a hostile one) must not drag it along. A pushed stamp moves the clock only while it
is at most ``max_skew()`` ahead of the server's wall clock (``$KIOSK_SERVER_MAX_CLOCK_SKEW``
seconds, default 300). Events stamped further ahead are still stored and folded (their
visitors are real); the clock stays put and an alert names the kiosk and its offset.

Must never: reject an event for its clock alone (only a stamp that cannot be represented is
refused, at the edge in ``folding.py``), or read the database.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta

from kiosk.core.config.clock import SystemClock
from kiosk.core.store.hlc import HybridLogicalClock, Stamp

MAX_CLOCK_SKEW_ENV = "KIOSK_SERVER_MAX_CLOCK_SKEW"
#: seconds a pushed stamp may be ahead of the server's wall clock and still move its clock
DEFAULT_MAX_CLOCK_SKEW = 300
#: one alert per kiosk at most this often (seconds): a kiosk with a wrong clock pushes every few
#: seconds until someone sets it right
ALERT_INTERVAL = 600.0

#: this process's clock for changes made at head office (admin edits, replies) and push answers
SERVER_HLC = HybridLogicalClock(SystemClock(), f"srv{os.getpid()}")

_alerted: dict[str, float] = {}
_alerted_lock = threading.Lock()


def max_skew() -> timedelta:
    """The bound, from ``$KIOSK_SERVER_MAX_CLOCK_SKEW`` (seconds; a bad value is the default)."""
    raw = os.environ.get(MAX_CLOCK_SKEW_ENV, "")
    try:
        seconds = float(raw) if raw else DEFAULT_MAX_CLOCK_SKEW
    except ValueError:
        seconds = DEFAULT_MAX_CLOCK_SKEW
    return timedelta(seconds=max(0.0, seconds))


def ahead_ms(stamp: str, *, now: datetime | None = None) -> int:
    """How many milliseconds ``stamp`` is ahead of the wall clock (negative: behind)."""
    wall = int((now or datetime.now(UTC)).timestamp() * 1000)
    return Stamp.parse(stamp).physical_ms - wall


def observe_pushed(stamp: str, *, now: datetime | None = None) -> int | None:
    """Move the server's clock past ``stamp`` unless it is beyond the bound.

    Returns None when observed, else how far ahead it is (ms): the caller raises the alert.
    """
    offset = ahead_ms(stamp, now=now)
    if offset > max_skew() / timedelta(milliseconds=1):
        return offset
    SERVER_HLC.observe(stamp)
    return None


def should_alert(kiosk_id: str) -> bool:
    """True at most once per ``ALERT_INTERVAL`` per kiosk in this process."""
    now = time.monotonic()
    with _alerted_lock:
        last = _alerted.get(kiosk_id)
        if last is not None and now - last < ALERT_INTERVAL:
            return False
        _alerted[kiosk_id] = now
        return True
