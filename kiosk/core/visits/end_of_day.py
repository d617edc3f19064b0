"""The end-of-day check-out as a worker: visits still open at ``checkin.end_of_day`` are
closed as "not signed out", once per day, on the kiosk's one long-lived worker thread for it.

It looks at most every ``check_every`` seconds of the injected clock, and at the cutoff
itself, so a test's clock drives it and the UI thread never starts it.

Must never: run on the UI thread, or close a visit twice (``run_end_of_day_if_due``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from kiosk.core.visits.checkin import CheckinService
from kiosk.core.workers.worker import Worker

log = logging.getLogger(__name__)


class EndOfDayWorker(Worker):
    def __init__(self, *, checkin: CheckinService, check_every: float = 60.0) -> None:
        super().__init__(name="end-of-day", clock=checkin.clock)
        self.checkin = checkin
        self.check_every = check_every

    def run_once(self) -> bool:
        closed = self.checkin.run_end_of_day_if_due()
        if closed:
            log.info("end of day: %d visits closed as not signed out", len(closed))
        return False

    def due_in(self) -> float | None:
        next_cutoff = self.checkin.last_cutoff() + timedelta(days=1)
        until = (next_cutoff - self.clock.now()).total_seconds()
        return max(0.0, min(self.check_every, until))
