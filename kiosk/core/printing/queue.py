"""The persistent print queue: every checked-in visitor gets exactly one badge.

A worker (``kiosk.core.workers``) reads ``visit.checked_in`` events from the outbox after its
own position (consumer ``printer``) and turns each into a row of ``print_jobs`` in the same
transaction that moves the position, so a crash can neither lose a badge nor queue it twice
(a malformed event is quarantined, never blocking the queue). Then, for each due job: render
(``badge_content``), hand it to the printer or the fallback and follow it (``hand_over``),
and record the outcome (``jobs``). A state change that matters to others is written together
with its event: ``badge.printed`` when a badge has come out, ``badge.failed`` when it could
not be printed (see docs/events.md). Only ``reprint(visit_id)`` prints another copy.

Callers never wait: ``start()`` returns at once, the check-in commit only wakes the worker
(``store.on_emit``), and ``status_for(visit_id)`` is one small query for the done screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kiosk.core.badges.template import BadgeData, Template, load_template
from kiosk.core.badges.tokens import BadgeService
from kiosk.core.config.clock import Clock, SystemClock, parse_iso
from kiosk.core.config.settings import Settings
from kiosk.core.events import Event, VisitCheckedIn
from kiosk.core.models import OutboxEvent
from kiosk.core.printing import jobs
from kiosk.core.printing.badge_content import BadgeContent, DirectionFor
from kiosk.core.printing.base import Printer
from kiosk.core.printing.hand_over import HandOver
from kiosk.core.printing.jobs import CONSUMER, KINDS, JobStatus
from kiosk.core.printing.test_badge import new_test_id
from kiosk.core.store import print_jobs
from kiosk.core.store.database import Store, Transaction
from kiosk.core.store.records import Records
from kiosk.core.workers.outbox import OutboxRunner
from kiosk.core.workers.retry import RetryPolicy
from kiosk.core.workers.worker import Worker

log = logging.getLogger(__name__)

__all__ = ["CONSUMER", "DirectionFor", "JobStatus", "PrintQueue"]

#: a refused badge is tried again after 2 s, 4 s, 8 s … at most 2 min apart, 10 times in all
RETRY = RetryPolicy(base=2.0, cap=120.0, attempts=10)


class PrintQueue(Worker):
    """The badge print worker. Build once at start-up; ``start()``; ``stop()`` on exit."""

    #: the outbox consumer (``OutboxConsumer``): position key and kinds read
    name: str = CONSUMER
    kinds: tuple[str, ...] = KINDS

    def __init__(
        self,
        *,
        store: Store,
        records: Records,
        printer: Printer,
        clock: Clock | None = None,
        settings: Settings | None = None,
        fallback: Printer | None = None,
        badges: BadgeService | None = None,
        template: Template | None = None,
        directions: DirectionFor | None = None,
        retry: RetryPolicy = RETRY,
        stuck_after: float = 30.0,
        poll_interval: float = 0.5,
        follow_interval: float = 0.1,
    ) -> None:
        clock = clock or store.clock or SystemClock()
        super().__init__(name="print-queue", clock=clock, poll=poll_interval)
        self.store = store
        self.records = records
        self.printer = printer
        self.fallback = fallback
        self.settings = settings or Settings()
        self.template = template or load_template(self.settings.printer.template)
        self.badges = badges or BadgeService(
            store,
            site_id=self.settings.site.id,
            clock=self.clock,
            valid_hours=self.settings.printer.badge_valid_hours,
        )
        self.content = BadgeContent(
            store=store,
            records=records,
            clock=self.clock,
            settings=self.settings,
            badges=self.badges,
            template=self.template,
            directions=directions,
        )
        self.retry = retry
        #: real seconds between looks at a job a printer has accepted
        self.follow_interval = follow_interval
        self.hand_over = HandOver(
            store=store,
            clock=self.clock,
            printer=printer,
            fallback=fallback,
            content=self.content,
            retry=retry,
            stuck_after=stuck_after,
            changed=self._notify,
            site_id=self.settings.site.id,
            kiosk_id=self.settings.kiosk.id,
        )
        self.intake = OutboxRunner(
            store, self, site_id=self.settings.site.id, kiosk_id=self.settings.kiosk.id
        )
        self._listeners: list[Callable[[JobStatus], None]] = []
        self._recovered = False
        store.on_emit(self._on_emit)

    def subscribe(self, listener: Callable[[JobStatus], None]) -> None:
        """Call ``listener(status)`` on the worker thread after each job state change.

        A Kivy screen must hop to the UI thread (``Clock.schedule_once``) before touching
        widgets.
        """
        self._listeners.append(listener)

    def _on_emit(self) -> None:
        if not self.stopping:
            self.wake()

    # -- one round -----------------------------------------------------------------------------
    def run_once(self) -> bool:
        """Do what is due now: take in new events, follow submitted jobs, print one badge.

        Returns True if it did something (the worker then goes round again at once).
        Tests call it directly instead of starting the thread.
        """
        if not self._recovered:
            self.hand_over.recover()
            self._recovered = True
        taken = self.intake.run_once()
        for record in taken:
            self._notify(record.entity_id)
        did = bool(taken)
        did = self.hand_over.follow_all() or did
        row = print_jobs.next_due(self.store, self.clock.now())
        if row is not None:
            self.hand_over.attempt(row)
            did = True
        return did

    def handle(self, tx: Transaction, event: Event, *, record: OutboxEvent) -> None:
        """The outbox consumer: a checked-in visitor gets a queued badge (copy 0, once)."""
        assert isinstance(event, VisitCheckedIn)  # KINDS
        print_jobs.add(
            tx,
            visit_id=event.visit.id,
            copy=0,
            language=event.language,
            event_uuid=record.uuid,
            now=self.clock.now(),
        )

    def due_in(self) -> float | None:
        """Seconds until the next failed badge is retried, None when none will be."""
        retry_at = print_jobs.next_retry_at(self.store)
        if retry_at is None:
            return None
        return max(0.0, (parse_iso(retry_at) - self.clock.now()).total_seconds())

    def poll_in(self) -> float | None:
        # a job the printer has accepted: look again soon, so "please collect your badge"
        # shows as soon as it is out
        if print_jobs.any_at_printer(self.store):
            return min(self.poll or self.follow_interval, self.follow_interval)
        return self.poll

    # -- for the done screen and the receptionist ------------------------------------------------
    def badge_data(self, visit_id: str, language: str = "zh_CN") -> BadgeData:
        """The badge of a visit, from the records (also for previews and reprints)."""
        return self.content.badge_data(visit_id, language)

    def status_for(self, visit_id: str) -> JobStatus:
        """Where this visitor's badge is (the newest copy). Never blocks on a printer."""
        return jobs.status_for(self.store, visit_id)

    def reprint(self, visit_id: str) -> JobStatus:
        """Print this visitor's badge again (receptionist). Idempotent while one is on its way:
        asking twice before it comes out prints one badge, not two."""
        with self.store.transaction() as tx:
            jobs.reprint(tx, visit_id, self.clock.now())
        self._notify(visit_id)
        self.wake()
        return self.status_for(visit_id)

    def use_printer(self, printer: Printer) -> None:
        """Print the next badges on ``printer`` (the settings screen changed it); jobs the old
        one accepted are still followed there until they are done."""
        old = self.hand_over.printer
        if old is not printer:
            self.hand_over.retired.append(old)
        self.printer = self.hand_over.printer = printer
        self.wake()

    def test_print(self, language: str = "zh_CN") -> str:
        """Queue a test badge (``kiosk.core.printing.test_badge``) through this queue's printer
        and fallback; its id follows it in ``status_for``."""
        test_id = new_test_id()
        with self.store.transaction() as tx:
            print_jobs.add(
                tx, visit_id=test_id, copy=0, language=language, event_uuid="", now=self.clock.now()
            )
        self.wake()
        return test_id

    def print_slip(self, number: str, kind: str, language: str = "zh_CN") -> str:
        """Queue a visitor's ticket slip (``kiosk.core.printing.ticket_slip``); its id follows
        it in ``status_for``."""
        from kiosk.core.printing.ticket_slip import new_slip_id

        slip_id = new_slip_id(number, kind)
        with self.store.transaction() as tx:
            print_jobs.add(
                tx, visit_id=slip_id, copy=0, language=language, event_uuid="", now=self.clock.now()
            )
        self.wake()
        return slip_id

    def jobs(self, *, state: str | None = None, limit: int = 100) -> list[dict]:
        """Recent jobs for the receptionist's list (no personal data beyond the visit id)."""
        return [dict(row) for row in print_jobs.recent(self.store, state=state, limit=limit)]

    def _notify(self, visit_id: str) -> None:
        if not self._listeners:
            return
        status = self.status_for(visit_id)
        for listener in list(self._listeners):
            try:
                listener(status)
            except Exception:
                log.exception("print status listener failed")
