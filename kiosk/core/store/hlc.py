"""Hybrid logical clock: event stamps that keep cause before effect across kiosks.

A kiosk whose wall clock is hours off must not reorder a visit's events: when kiosk B checks
out a visit it learned about from kiosk A (through pull), B first *observes* A's stamp, so B's
check-out is stamped after A's check-in whatever the two wall clocks say.

A stamp is a fixed-width string, so comparing two strings compares the stamps:
``"<13-digit physical ms><6-digit counter>-<node>"``. The node breaks ties between kiosks, so
no two stamps are equal and any set of events has exactly one order.

Plain Python: no I/O, no Kivy. The clock is injected.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from kiosk.core.config.clock import Clock

_COUNTER_MAX = 999_999


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

    def observe(self, remote: str) -> None:
        """Move past a stamp received from elsewhere (a pulled change, a server answer)."""
        try:
            stamp = Stamp.parse(remote)
        except ValueError:
            return
        with self._lock:
            if stamp.physical_ms > self._ms:
                self._ms, self._counter = stamp.physical_ms, stamp.counter
            elif stamp.physical_ms == self._ms and stamp.counter > self._counter:
                self._counter = stamp.counter

    def _bump(self) -> None:
        if self._counter >= _COUNTER_MAX:
            self._ms += 1
            self._counter = 0
        else:
            self._counter += 1
