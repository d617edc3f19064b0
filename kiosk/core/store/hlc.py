"""Hybrid logical clock: event stamps that keep cause before effect across kiosks.

A kiosk whose wall clock is hours off must not reorder a visit's events: when kiosk B checks
out a visit it learned about from kiosk A (through pull), B first *observes* A's stamp, so B's
check-out is stamped after A's check-in whatever the two wall clocks say.

A stamp is a fixed-width string, so comparing two strings compares the stamps:
``"<13-digit physical ms><6-digit counter>-<node>"``. The node breaks ties between kiosks, so
no two stamps are equal and any set of events has exactly one order.

A stamp the kiosk cannot represent is refused, never adopted: ``observe`` answers False for a
physical part past ``LATEST_MS`` (2255-03-14). The 13-digit field ends at 10^13 - 1 ms; the
last 10^12 ms are headroom for counting on, so no run of ticks from an accepted stamp can
reach a 14th digit (which every other kiosk and head office would reject as malformed: one
poisoned stamp once broke sync for every site).

Plain Python: no I/O, no Kivy. The clock is injected.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from kiosk.core.config.clock import Clock

log = logging.getLogger(__name__)

_COUNTER_MAX = 999_999
#: the largest physical part (ms since 1970) a kiosk adopts from elsewhere: 2255-03-14
LATEST_MS = 9_000_000_000_000
_FIELD_MAX_MS = 10**13 - 1


@dataclass(frozen=True, slots=True, order=True)
class Stamp:
    physical_ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.physical_ms:013d}{self.counter:06d}-{self.node}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        """Parse a stamp; raises ``ValueError`` on anything malformed."""
        head, sep, node = text.partition("-")
        if not sep or len(head) != 19 or not head.isdigit() or not node:
            raise ValueError(f"not a hybrid logical clock stamp: {text!r}")
        return cls(int(head[:13]), int(head[13:]), node)


def is_representable(stamp: Stamp) -> bool:
    """Whether counting on from ``stamp`` stays within the stamp's fixed width."""
    return stamp.physical_ms <= LATEST_MS and 0 <= stamp.counter <= _COUNTER_MAX


def is_stamp(text: str) -> bool:
    try:
        Stamp.parse(text)
    except ValueError:
        return False
    return True


class HybridLogicalClock:
    """Thread-safe HLC (Kulkarni et al.): ``tick()`` for local events, ``observe()`` on receive."""

    def __init__(self, clock: Clock, node: str, *, last: str = "") -> None:
        if not node or "-" in node:
            raise ValueError("the node id must be non-empty and contain no '-'")
        self._clock = clock
        self._node = node
        self._lock = threading.Lock()
        self._ms = 0
        self._counter = 0
        if last:
            self.observe(last)

    @property
    def node(self) -> str:
        return self._node

    def _wall_ms(self) -> int:
        return int(self._clock.now().timestamp() * 1000)

    def tick(self) -> str:
        """A new stamp, greater than every stamp issued or observed before."""
        with self._lock:
            wall = self._wall_ms()
            if wall > self._ms:
                self._ms, self._counter = wall, 0
            else:
                self._bump()
            return str(Stamp(self._ms, self._counter, self._node))

    def observe(self, remote: str) -> bool:
        """Move past a stamp received from elsewhere (a pulled change, a server answer).

        False, and the clock unchanged, for a malformed stamp or one this kiosk cannot
        represent (``LATEST_MS``): adopting it would make every later stamp malformed."""
        try:
            stamp = Stamp.parse(remote)
        except ValueError:
            if remote:
                log.warning("ignoring a malformed clock stamp %r", remote[:40])
            return False
        if not is_representable(stamp):
            log.error("refusing clock stamp %s: past what this kiosk can represent", remote)
            return False
        with self._lock:
            if stamp.physical_ms > self._ms:
                self._ms, self._counter = stamp.physical_ms, stamp.counter
            elif stamp.physical_ms == self._ms and stamp.counter > self._counter:
                self._counter = stamp.counter
        return True

    def _bump(self) -> None:
        if self._counter >= _COUNTER_MAX:
            if self._ms >= _FIELD_MAX_MS:  # unreachable from accepted stamps (LATEST_MS)
                raise OverflowError("the hybrid logical clock has run out of digits")
            self._ms += 1
            self._counter = 0
        else:
            self._counter += 1
