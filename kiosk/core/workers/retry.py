"""One back-off rule for every worker: capped exponential delay with optional jitter.

A policy is a value: ``delay(n)`` is the wait after the n-th failure in a row, ``retry_at``
the time of the next attempt (None once ``attempts`` are spent). The random source is
injected so tests can pin the jitter; time comes from the caller's injected clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    #: seconds after the first failure
    base: float = 1.0
    #: the delay never grows past this
    cap: float = 300.0
    #: attempts in all (the first included); None: retry for ever
    attempts: int | None = None
    #: share of each delay drawn at random: 0 = exact, 0.5 = between half and all of it
    jitter: float = 0.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.base <= 0 or self.cap < self.base:
            raise ValueError(f"retry: need 0 < base <= cap, got base={self.base} cap={self.cap}")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError(f"retry: jitter is a share between 0 and 1, got {self.jitter}")
        if self.attempts is not None and self.attempts < 1:
            raise ValueError(f"retry: at least one attempt, got {self.attempts}")

    def delay(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failures in a row (1 = the first)."""
        # the exponent is bounded: a worker down for months must not overflow a float
        ceiling = min(self.cap, self.base * 2.0 ** min(max(0, failures - 1), 64))
        if not self.jitter:
            return ceiling
        spread = ceiling * self.jitter
        return ceiling - spread + self.rng.uniform(0.0, spread)

    def exhausted(self, attempts: int) -> bool:
        """True once ``attempts`` attempts have been made and no more are allowed."""
        return self.attempts is not None and attempts >= self.attempts

    def retry_at(self, now: datetime, attempts: int) -> datetime | None:
        """When to try again after ``attempts`` failed attempts; None when they are spent."""
        if self.exhausted(attempts):
            return None
        return now + timedelta(seconds=self.delay(attempts))
