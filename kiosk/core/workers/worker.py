"""The worker base: one long-lived thread that runs rounds and waits on the injected clock.

A subclass says what one round does (``run_once``: True if it did something, so the next
round starts at once) and when it next has something to do (``due_in``: seconds on the
clock, None for "only when woken"). The base owns the thread, the wait, ``wake`` (a commit
or a caller cuts an idle wait short), ``stop`` (returns promptly, even mid-wait) and what
happens when a round raises: logged, counted, and the next round waits ``errors.delay(n)``.

Must never: sleep on real time for anything the clock decides (``poll`` is only for
watching what the clock does not move), or let an exception end the thread.
"""

from __future__ import annotations

import logging
import threading

from kiosk.core.config.clock import Clock
from kiosk.core.config.errors import KioskError
from kiosk.core.workers.retry import RetryPolicy

log = logging.getLogger(__name__)

#: how long an idle worker with nothing due waits before looking anyway (clock seconds)
IDLE_CEILING = 3600.0


class Worker:
    """Start / stop / wake / run_once on one thread; subclasses implement ``run_once``."""

    def __init__(
        self,
        *,
        name: str,
        clock: Clock,
        errors: RetryPolicy | None = None,
        poll: float | None = None,
    ) -> None:
        #: the thread's name (also in log lines)
        self.thread_name = name
        self.clock = clock
        #: the pause after a round that raised, by failures in a row
        self.errors = errors or RetryPolicy(base=1.0, cap=60.0, jitter=0.5)
        #: real seconds between looks at something outside the clock's reach; None: never
        self.poll = poll
        #: rounds in a row that raised (0 after one that did not)
        self.failures = 0
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- what a subclass provides --------------------------------------------------------------
    def run_once(self) -> bool:
        """Do what is due now; True if something was done (go round again at once)."""
        raise NotImplementedError

    def due_in(self) -> float | None:
        """Seconds (on the clock) until the next thing falls due; None: nothing scheduled."""
        return None

    def poll_in(self) -> float | None:
        """Real seconds until the next look at what the clock does not move (default ``poll``)."""
        return self.poll

    def on_error(self, error: Exception) -> None:
        """A round raised: log it (an expected failure briefly, a bug with its traceback)."""
        if isinstance(error, KioskError):
            log.warning(
                "%s: round failed (%d in a row): %s", self.thread_name, self.failures, error
            )
        else:
            log.error("%s: round failed", self.thread_name, exc_info=error)

    # -- life cycle ----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread (returns at once; a second call does nothing)."""
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread: a wait ends at once; a round under way is finished first."""
        self._stopping.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def wake(self) -> None:
        """Look now (new events, a reply, a test moved the clock); safe from any thread."""
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    # -- the thread ----------------------------------------------------------------------------
    def round(self) -> bool:
        """One round with errors counted and logged, never raised (what the thread runs)."""
        try:
            busy = self.run_once()
        except Exception as e:  # the worker must outlive any one bad round
            self.failures += 1
            self.on_error(e)
            return False
        self.failures = 0
        return bool(busy)

    def _run(self) -> None:
        while not self._stopping.is_set():
            # cleared before the round, so a commit during the round wakes the next one at once
            self._wake.clear()
            if self.round():
                continue
            if self.failures:
                self._pause(self.errors.delay(self.failures), poll=None, interruptible=False)
            else:
                due, poll = self._idle()
                self._pause(due, poll=poll, interruptible=True)

    def _idle(self) -> tuple[float | None, float | None]:
        try:
            return self.due_in(), self.poll_in()
        except Exception as e:  # cannot tell (database busy): look again a little later
            log.warning("%s: cannot tell when work is due: %s", self.thread_name, e)
            return self.errors.delay(1), self.poll

    def _pause(self, seconds: float | None, *, poll: float | None, interruptible: bool) -> None:
        """Wait ``seconds`` on the clock (None: until woken), or ``poll`` real seconds.

        A wake ends an interruptible wait; a back-off after a failure runs its course (the
        round after it sees whatever the wake was for). ``stop`` ends either at once.
        """
        if seconds is None:
            seconds = IDLE_CEILING
        due = self.clock.monotonic() + max(0.0, seconds)
        while not self._stopping.is_set():
            left = due - self.clock.monotonic()
            if left <= 0:
                return
            if not self.clock.wait(self._wake, left, poll=poll):
                return  # due, or time to look outside again
            if self._stopping.is_set() or interruptible:
                return
            self._wake.clear()  # the round after the back-off looks at whatever woke us
