"""The end-of-day check-out as a worker: visits still open at ``checkin.end_of_day`` are
closed as "not signed out", once per day, on the kiosk's one long-lived worker thread for it.

The same rounds do the daily housekeeping: the file printer's badge files older than
``[printer] file_keep_hours`` are deleted (looked at every ``check_every`` seconds), and the
data directory's size is logged once a day.

It looks at most every ``check_every`` seconds of the injected clock, and at the cutoff
itself, so a test's clock drives it and the UI thread never starts it.

Must never: run on the UI thread, or close a visit twice (``run_end_of_day_if_due``).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

from kiosk.core.printing.files import delete_old_badges, directory_size
from kiosk.core.visits.checkin import CheckinService
from kiosk.core.workers.worker import Worker

log = logging.getLogger(__name__)


class EndOfDayWorker(Worker):
    def __init__(
        self,
        *,
        checkin: CheckinService,
        check_every: float = 60.0,
        badge_dirs: tuple[Path, ...] = (),
        keep_badge_hours: float = 24.0,
        data_dir: Path | None = None,
    ) -> None:
        super().__init__(name="end-of-day", clock=checkin.clock)
        self.checkin = checkin
        self.check_every = check_every
        #: the file printers' folders whose badge files are deleted after ``keep_badge_hours``
        self.badge_dirs = badge_dirs
        self.keep_badge_hours = keep_badge_hours
        #: the folder whose size is logged once a day (None: not logged)
        self.data_dir = data_dir
        self._size_logged_on: date | None = None
        #: the data directory's size in bytes when it was last logged
        self.data_dir_bytes: int | None = None

    def run_once(self) -> bool:
        closed = self.checkin.run_end_of_day_if_due()
        if closed:
            log.info("end of day: %d visits closed as not signed out", len(closed))
        self.housekeeping()
        return False

    def housekeeping(self) -> None:
        """Delete badge files past their time; log the data directory's size once a day."""
        now = self.clock.now()
        for folder in self.badge_dirs:
            deleted = delete_old_badges(folder, now=now, keep_hours=self.keep_badge_hours)
            if deleted:
                log.info(
                    "deleted %d badge files older than %s h in %s",
                    deleted,
                    self.keep_badge_hours,
                    folder,
                )
        today = now.date()
        if self.data_dir is not None and self._size_logged_on != today:
            self.data_dir_bytes = directory_size(self.data_dir)
            self._size_logged_on = today
            log.info("data directory %s holds %.1f MiB", self.data_dir, self.data_dir_bytes / 2**20)

    def due_in(self) -> float | None:
        next_cutoff = self.checkin.last_cutoff() + timedelta(days=1)
        until = (next_cutoff - self.clock.now()).total_seconds()
        return max(0.0, min(self.check_every, until))
