"""Failed attempts per address, slowed down with a growing delay (issue 12, item 7).

``FailureLimiter`` counts failures (a wrong enrollment code, an unknown token) per client
address in a sliding window. The first ``free`` pass untouched; after that each failure makes
the address wait ``base * 2**(n - free)`` seconds (at most ``cap``) before its next attempt,
answered 429 with ``Retry-After`` until then: an operator's typo costs nothing, a guesser's
rate falls to one try per ``cap``. One limiter per purpose (``ENROLL``, ``TOKENS``; the
dashboard's login takes one of its own), so a guessed code never locks out a kiosk's pushes.

In memory, per server process: several processes each apply it (the proxy's ``limit_req`` in
docs/head-office.md bounds the total). Must never: log or keep the secret that was tried.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import HTTPException, Request

log = logging.getLogger("kiosk.server.attempts")


@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0
    blocked_until: float = 0.0


@dataclass
class FailureLimiter:
    what: str
    free: int = 5
    base: float = 1.0
    cap: float = 60.0
    #: failures older than this are forgotten (seconds)
    window: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _records: dict[str, _Record] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, address: str) -> None:
        """429 while ``address`` must still wait."""
        with self._lock:
            record = self._records.get(address)
            wait = record.blocked_until - self.clock() if record else 0.0
        if wait > 0:
            raise HTTPException(
                429,
                detail=f"too many failed {self.what}; try again in {int(wait) + 1} s",
                headers={"Retry-After": str(int(wait) + 1)},
            )

    def failed(self, address: str) -> int:
        """Count a failure; returns how many this address has in the window."""
        now = self.clock()
        with self._lock:
            if len(self._records) > 100_000:  # a flood of addresses: forget the stale ones
                self._records = {
                    a: r for a, r in self._records.items() if now - r.last < self.window
                }
            record = self._records.setdefault(address, _Record())
            if now - record.last > self.window:
                record.failures = 0
            record.failures += 1
            record.last = now
            over = record.failures - self.free
            if over > 0:
                record.blocked_until = now + min(self.cap, self.base * 2 ** (over - 1))
            count = record.failures
        log.warning(
            "failed %s from %s (%d in %d min)", self.what, address, count, int(self.window // 60)
        )
        return count


def address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ENROLL = FailureLimiter("enrollment attempts")
TOKENS = FailureLimiter("token checks")
#: the web dashboard's logins, per address and per account (``dashboard/accounts.py``): the
#: sixth failure locks for 30 s, each further one twice as long, up to 15 min
LOGINS = FailureLimiter("dashboard logins", free=5, base=30.0, cap=900.0)
