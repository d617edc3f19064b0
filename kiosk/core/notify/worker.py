"""The notifier worker: tells hosts about their visitors, follows up, and reports what it did.

An outbox consumer ("notifier", ``kiosk.core.workers``) of ``visit.checked_in``, so a host is
told even while head office is down, after a crash, or when a receptionist checked the
visitor in (same event). For each visit it records one ``notify_visits`` row and one
``notify_deliveries`` row per channel, in the transaction that moves its position, so each
visit is planned exactly once; a malformed event is quarantined and later ones still go.

Each round: collect finished sends (``sending``) and record them (``deliveries``), take in
new check-ins, escalate what is due (``plan``: host → delegate or department → front desk,
one step every ``notify.escalate_after`` seconds until somebody replies; a host marked away,
or with no channel at all, skips straight to the next step), give up on sends that never came
back, and hand what is due to the channel threads. Messages are built by ``compose`` from
the typed event; replies are applied by ``replies``; the done screen reads ``status_for``.

It also reads ``alert.raised``: ``alert_routes`` plans each alert's messages to the desk's,
security's and the backup contact's channels (``alert_deliveries``), sent by the same channel
threads with the same retries; and ``parcel.received``: ``kiosk.core.deliveries.notice`` plans
the recipient's notice of a parcel at reception, sent like an alert's; and this kiosk's
``emergency.switched``: ``kiosk.core.emergency.host_notice`` plans each host's roll-call link.

Never imports Kivy.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from kiosk.core.config.clock import Clock, parse_iso
from kiosk.core.config.errors import KioskError, ValidationError
from kiosk.core.config.settings import Settings
from kiosk.core.events import Event, VisitCheckedIn, parse_event
from kiosk.core.keys.site_keys import SiteKeys
from kiosk.core.models import Host, OutboxEvent, VisitState
from kiosk.core.notify import alert_routes
from kiosk.core.notify.channels import Message, Notifier, department_urls, redact_url
from kiosk.core.notify.compose import Arrival, Composer
from kiosk.core.notify.deliveries import RETRY, record_outcome
from kiosk.core.notify.messages import language
from kiosk.core.notify.notices import plan_notice
from kiosk.core.notify.plan import EscalationPlan, Step
from kiosk.core.notify.replies import apply_reply
from kiosk.core.notify.reply_links import new_reply_id
from kiosk.core.notify.sending import ChannelPool, Job
from kiosk.core.notify.startup_checks import channel_problems
from kiosk.core.notify.status import NotifyStatus, status_for
from kiosk.core.store import alert_deliveries
from kiosk.core.store import notify_deliveries as db
from kiosk.core.store.database import Store, Transaction
from kiosk.core.store.records import Records
from kiosk.core.workers.outbox import OutboxRunner
from kiosk.core.workers.retry import RetryPolicy
from kiosk.core.workers.worker import Worker

log = logging.getLogger(__name__)

CONSUMER = "notifier"
KINDS: tuple[str, ...] = (
    "visit.checked_in",
    "alert.raised",
    "parcel.received",
    "emergency.switched",
)


class NotifyWorker(Worker):
    """Plans, sends, retries and escalates host notifications. ``start()`` / ``stop()``."""

    #: the outbox consumer (``OutboxConsumer``): position key and kinds read
    name: str = CONSUMER
    kinds: tuple[str, ...] = KINDS

    def __init__(
        self,
        *,
        store: Store,
        records: Records,
        notifier: Notifier,
        clock: Clock,
        settings: Settings,
        poll_interval: float = 0.5,
        retry: RetryPolicy = RETRY,
        hang_grace: float = 5.0,
        head_office_url: str = "",
        site_keys: SiteKeys | None = None,
    ) -> None:
        super().__init__(
            name="notify-worker",
            clock=clock,
            poll=poll_interval,
            errors=RetryPolicy(base=poll_interval * 4, cap=60.0, jitter=0.5),
        )
        self.store = store
        self.records = records
        self.notifier = notifier
        self.settings = settings
        self.retry = retry
        #: head office (the enrollment's URL when the settings name none); reply links point
        #: at its public URL, signed with the site's reply-link key fetched from there
        self.head_office_url = head_office_url or settings.head_office.url
        #: without ``site_keys`` (built by kiosk.services with the head-office client) the
        #: worker fetches no key: links only with ``[notify] reply_key``
        self.site_keys = site_keys or SiteKeys(
            store=store,
            clock=clock,
            head_office_url=self.head_office_url,
            reply_key=settings.notify.reply_key,
        )
        self.plan = EscalationPlan(
            records=records,
            settings=settings,
            department_urls=department_urls(settings.notify.department_urls),
        )
        self.composer = Composer(
            records=records,
            settings=settings,
            clock=clock,
            site_keys=self.site_keys,
            head_office_url=self.head_office_url,
        )
        self.sending = ChannelPool(
            notifier=notifier,
            send_timeout=settings.notify.send_timeout,
            hang_grace=hang_grace,
            woken=self.wake,
        )
        #: alerts to the desk's, security's and the backup contact's channels
        self.alerts = alert_routes.AlertRouter(store=store, records=records, settings=settings)
        self.intake = OutboxRunner(
            store,
            self,
            site_id=settings.site.id,
            kiosk_id=settings.kiosk.id,
            batch=20,
            per_transaction=1,  # planning renders and signs messages: keep the lock short
        )
        self._pass_lock = threading.Lock()
        self._listening = False

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        if self.running:
            return
        try:
            problems = channel_problems(
                self.records, self.notifier, mail_server=self.settings.notify.mail_server
            )
            for problem in problems:
                log.warning("notification channel unusable: %s", problem)
        except KioskError as e:  # a check, never a reason not to start
            log.warning("could not check the notification channels: %s", e)
        if not self._listening:
            self.store.on_emit(self.wake)
            self._listening = True
        super().start()

    # -- one pass --------------------------------------------------------------------------
    def run_once(self) -> bool:
        """Take in new check-ins, record finished sends, escalate what is due, send what is due."""
        with self._pass_lock:
            self._collect()
            self.site_keys.refresh()
            while self.intake.run_once():
                pass
            self._escalate_due()
            self._watchdog()
            self._dispatch()
        return False

    def due_in(self) -> float | None:
        """Seconds until the next escalation or retry falls due on the clock."""
        times = [
            t
            for t in (
                db.next_escalation_at(self.store),
                db.next_attempt_at(self.store),
                alert_deliveries.next_attempt_at(self.store),
            )
            if t
        ]
        if not times:
            return None
        return max(0.0, (parse_iso(min(times)) - self.clock.now()).total_seconds())

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Run passes until nothing is queued, in flight or due now (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.run_once()
            now = self.clock.now()
            due = db.count_due(self.store, now) + alert_deliveries.count_due(self.store, now)
            if not self.sending.busy() and not due and not self.intake.pending():
                with self._pass_lock:
                    self._collect()
                return True
            time.sleep(0.005)
        return False

    # -- intake (the outbox consumer) ------------------------------------------------------
    def handle(self, tx: Transaction, event: Event, *, record: OutboxEvent) -> None:
        """Plan a checked-in visit (its row, the first step's deliveries, the escalation) or
        an alert's deliveries (``alert_routes``)."""
        if not isinstance(event, VisitCheckedIn):  # an alert's, a parcel's, an emergency's
            plan_notice(
                tx,
                event,
                alerts=self.alerts,
                records=self.records,
                settings=self.settings,
                site_keys=self.site_keys,
            )
            return
        visit = event.visit
        if db.visit_row(tx, visit.id) is not None:
            return
        now = self.clock.now()
        host = self.records.host(visit.host_id) if visit.host_id else None
        department_id = visit.department_id or (host.department_id if host else None)
        steps = self.plan.steps(host, department_id)
        reply_id = new_reply_id()
        db.add_visit(
            tx,
            visit_id=visit.id,
            site_id=visit.site_id,
            host_id=host.id if host else visit.host_id,
            department_id=department_id,
            event_uuid=record.uuid,
            language=language(event.language),
            state="pending" if steps else "failed",
            reply_id=reply_id,
            now=now,
        )
        if not steps:
            log.warning(
                "visit %s: no channel configured for its host, department or front desk", visit.id
            )
            return
        arrival = Arrival.of(event)
        first = steps[0]
        if first.stage == "host" or host is None:
            reason = "new"
        else:  # the host has no channel of their own: the first step already stands in
            reason = "away" if host.away else "failed"
        self._send_step(tx, first, arrival, reply_id, reason=reason, host=host)
        # an away host is told, and the next step at the same moment
        if first.stage == "host" and host is not None and host.away and len(steps) > 1:
            self._send_step(tx, steps[1], arrival, reply_id, reason="away", host=host)
        self._schedule_next(tx, visit.id, now)

    def _send_step(
        self,
        tx: Transaction,
        step: Step,
        arrival: Arrival,
        reply_id: str,
        *,
        reason: str,
        host: Host | None,
    ) -> None:
        now = self.clock.now()
        message = self.composer.message(step, arrival, reply_id, reason=reason, host=host)
        for url in step.urls:
            db.add_delivery(
                tx,
                visit_id=arrival.visit_id,
                stage=step.stage,
                recipient=step.recipient,
                url=url,
                channel=redact_url(url),
                subject=message.subject,
                text=message.text,
                html=message.html,
                now=now,
            )
        db.set_stage(
            tx,
            arrival.visit_id,
            stage=step.stage,
            told=f"{reason}|{step.recipient}",
            state=step.state_after,
        )

    def _schedule_next(self, tx: Transaction, visit_id: str, now: datetime) -> None:
        """Set when the next step is due, if there is one."""
        row = db.visit_row(tx, visit_id)
        assert row is not None
        host = self.records.host(row["host_id"]) if row["host_id"] else None
        if self.plan.has_next(host, row["department_id"], row["stage"]):
            due = now + timedelta(seconds=self.settings.notify.escalate_after)
            db.set_escalate_at(tx, visit_id, due)

    # -- escalation ------------------------------------------------------------------------
    def _escalate_due(self) -> None:
        for row in db.due_for_escalation(self.store, self.clock.now()):
            self.escalate(row["visit_id"], reason="no_reply")

    def escalate(self, visit_id: str, *, reason: str = "no_reply") -> bool:
        """Send the next step for ``visit_id`` now; False if there is none or it is answered."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            row = db.visit_row(tx, visit_id)
            if row is None or row["reply"] is not None:
                return False
            visit = self.records.visit(visit_id)
            host = self.records.host(row["host_id"]) if row["host_id"] else None
            step = self.plan.after(host, row["department_id"], row["stage"])
            if step is None or (visit is not None and visit.state is not VisitState.CHECKED_IN):
                db.set_escalate_at(tx, visit_id, None)
                return False
            arrival = self._arrival(tx, row)
            self._send_step(tx, step, arrival, row["reply_id"], reason=reason, host=host)
            self._schedule_next(tx, visit_id, now)
        self.wake()
        return True

    def _arrival(self, tx: Transaction, row) -> Arrival:
        """The visit as its check-in event told it (parsed through the registry)."""
        record = db.outbox_record(tx, row["event_uuid"])
        if record is not None:
            try:
                event = parse_event(record.kind, record.payload)
                if isinstance(event, VisitCheckedIn):
                    return Arrival.of(event)
            except ValidationError as e:  # planned from it, so never expected: say so
                log.error("visit %s: its check-in event no longer parses: %s", row["visit_id"], e)
        return Arrival.from_records(self.records, row["visit_id"], row["site_id"])

    # -- sending ---------------------------------------------------------------------------
    def _dispatch(self) -> None:
        for row in db.due_deliveries(self.store, self.clock.now()):
            message = Message(row["subject"], row["body_text"], row["body_html"])
            self.sending.submit(Job(row["id"], row["url"], message))
        for row in alert_deliveries.due(self.store, self.clock.now()):
            message = alert_routes.message_of(row)
            self.sending.submit(Job(row["id"], row["url"], message, of="alert"))

    def _watchdog(self) -> None:
        """Give up on sends that never came back: the channel gets a fresh thread and plugin."""
        for job, error in self.sending.abandoned():
            log.warning("%s; abandoning that send", error)
            self._record(job, error)

    def _collect(self) -> None:
        for job, error in self.sending.finished():
            self._record(job, error)

    def _record(self, job: Job, error: str | None) -> None:
        if job.of == "alert":
            alert_routes.record_alert_outcome(
                self.store,
                delivery_id=job.delivery_id,
                error=error,
                clock=self.clock,
                retry=self.retry,
                site_id=self.settings.site.id,
                kiosk_id=self.settings.kiosk.id,
            )
            return
        record_outcome(
            self.store,
            delivery_id=job.delivery_id,
            error=error,
            clock=self.clock,
            retry=self.retry,
            kiosk_id=self.settings.kiosk.id,
        )

    # -- replies and status ----------------------------------------------------------------
    def record_reply(
        self,
        *,
        visit_id: str,
        reply_id: str,
        reply: str,
        minutes: int,
        recipient: str = "",
        replied_at: datetime | None = None,
        tx: Transaction | None = None,
    ) -> bool:
        """Note a host's reply (from head office's pull feed); True if it was news."""
        applied = apply_reply(
            self.store,
            visit_id=visit_id,
            reply_id=reply_id,
            reply=reply,
            minutes=minutes,
            recipient=recipient,
            replied_at=replied_at or self.clock.now(),
            tx=tx,
        )
        self.wake()
        return applied

    def status_for(self, visit_id: str, lang: str | None = None) -> NotifyStatus:
        """The live line for the done screen, in ``lang`` (default: the visitor's language)."""
        return status_for(self.store, self.records, visit_id, lang, self.plan)
