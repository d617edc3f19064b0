"""An in-memory printer for tests: records what it printed, fails when told to."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from kiosk.core.config.errors import PrinterError
from kiosk.core.printing.base import OFFLINE, JobRef, JobState, PrinterStatus, PrintJob


@dataclass
class FakePrinter:
    """An in-memory printer for unit tests: records jobs, fails when told to."""

    name: str = "fake"
    #: raise this from ``print`` while set (or for ``fail_times`` calls when that is > 0)
    error: PrinterError | None = None
    fail_times: int = 0
    #: what ``job_state`` reports for accepted jobs
    completes: JobState = JobState.COMPLETED
    ready: bool = True
    printed: list[PrintJob] = field(default_factory=list)
    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def print(self, job: PrintJob) -> JobRef:
        with self._lock:
            self.calls += 1
            if self.error is not None:
                error = self.error
                if self.fail_times > 0:
                    self.fail_times -= 1
                    if self.fail_times == 0:
                        self.error = None
                raise error
            self.printed.append(job)
            return JobRef(self.name, job.job_id)

    def status(self) -> PrinterStatus:
        if self.ready and self.error is None:
            return PrinterStatus(True, "idle")
        key = self.error.message_key if self.error else OFFLINE
        return PrinterStatus(False, "offline", key)

    def job_state(self, ref: JobRef) -> JobState:
        return self.completes
