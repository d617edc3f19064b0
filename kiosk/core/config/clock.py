"""Time, injected everywhere so tests can move it.

Never call ``time.time()`` or ``datetime.now()`` in the core: take a ``Clock``.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC wall-clock time."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (for timeouts and back-off)."""
        ...

    def sleep(self, seconds: float) -> None: ...

    def wait(self, event: threading.Event, seconds: float, *, poll: float | None = None) -> bool:
        """Block until ``event`` is set or ``seconds`` have passed on this clock; True if set.

        ``poll`` bounds the wait in real seconds, for a worker that also watches something the
        clock does not move (a printer's job list, another thread's answer). Workers wait here,
        never on ``time.sleep``, so a test's clock drives their back-off and schedules.
        """
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))

    def wait(self, event: threading.Event, seconds: float, *, poll: float | None = None) -> bool:
        timeout = max(0.0, seconds if poll is None else min(seconds, poll))
        return event.wait(timeout)


class FakeClock:
    """A clock that moves only when told to; ``sleep`` advances it instantly, ``wait`` blocks
    until ``advance`` has moved it far enough (or the event is set)."""

    #: real seconds between two looks at a waiter's event (an event cannot notify the clock)
    SLICE = 0.01

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
        self._mono = 1000.0
        self._lock = threading.Lock()
        self._moved = threading.Condition(self._lock)

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds
            self._moved.notify_all()

    def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))

    def wait(self, event: threading.Event, seconds: float, *, poll: float | None = None) -> bool:
        real_due = None if poll is None else time.monotonic() + max(0.0, poll)
        with self._lock:
            due = self._mono + max(0.0, seconds)
            while not event.is_set():
                if self._mono >= due:
                    return False
                if real_due is not None and time.monotonic() >= real_due:
                    return False
                self._moved.wait(self.SLICE)
        return True


def site_time(when: datetime, zone: str) -> datetime:
    """``when`` on the site's wall clock (``site.timezone``), as the top bar's clock shows it; a
    zone name this machine does not know falls back to the machine's own zone."""
    try:
        return when.astimezone(ZoneInfo(zone)) if zone else when.astimezone()
    except (ZoneInfoNotFoundError, ValueError):
        return when.astimezone()


def iso(dt: datetime) -> str:
    """The one text form of a time stored or sent: ISO 8601, UTC, microseconds."""
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def parse_iso(text: str) -> datetime:
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt
