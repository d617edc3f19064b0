"""The notifier worker: tells hosts about their visitors, follows up, and reports what it did.

It reads ``visit.checked_in`` events from the outbox after its own position ("notifier"), so a
host is told even while head office is down, after a crash, or when a receptionist checked the
visitor in (same event). For each visit it records one ``notify_visits`` row and one
``notify_deliveries`` row per channel, in the transaction that moves its position, so each
visit is planned exactly once.

Escalation, one step every ``notify.escalate_after`` seconds until somebody replies:
host → the host's delegate (or else the department) → the front desk. A host marked away, or
with no channel at all, skips straight to the next step at check-in.

Sending happens on one thread per channel (per apprise URL), never on the worker's own thread,
so a dead or slow channel only delays its own messages; a send that does not come back is
abandoned after a deadline and retried with back-off on the injected clock. Each delivery's
outcome is recorded and emitted as ``notify.sent`` / ``notify.failed`` for head office.

Never imports Kivy; the done screen reads ``status_for(visit_id)``.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from kiosk.core.config.clock import Clock, iso, parse_iso
from kiosk.core.config.errors import (
    ConfigError,
    KioskError,
    NotifyError,
    ValidationError,
)
from kiosk.core.config.i18n import LOCALE_DIR, translate
from kiosk.core.config.settings import Settings
from kiosk.core.events import HostReplied, NotifyFailed, NotifySent, VisitCheckedIn, parse_event
from kiosk.core.keys.hierarchy import HONOUR_SECONDS, KeyPurpose, parse_versioned
from kiosk.core.keys.site_keys import SiteKeys
from kiosk.core.models import Host, OutboxEvent, VisitState
from kiosk.core.notify.channels import (
    Message,
    Notifier,
    check_mail_server,
    department_urls,
    host_channels,
    redact_url,
    scrub,
    validate_urls,
)
from kiosk.core.notify.messages import HostMessageContext, language, render_host_message
from kiosk.core.notify.reply_links import ReplyToken, new_reply_id, reply_url, sign
from kiosk.core.store.database import Store, Transaction, new_id
from kiosk.core.store.records import Records

log = logging.getLogger(__name__)

CONSUMER = "notifier"
KINDS = ("visit.checked_in",)
#: seconds between attempts of one delivery; the last value repeats
BACKOFF = (5.0, 15.0, 30.0, 60.0, 120.0)
MAX_ATTEMPTS = 6
#: a settled delivery keeps its outcome, not the message: visitor names are personal data
_FORGET_TEXT = "subject='', body_text='', body_html=''"


@dataclass(frozen=True, slots=True)
class NotifyStatus:
    """What the visitor's done screen shows about their host.

    ``state``: pending (not sent yet), notified, coming, wait, escalated (delegate or department
    told; ``key`` says whether because the host is away), front_desk, failed.
    Names are in ``lang`` (ask again after a language switch); ``text()`` is the line to show,
    the same as ``translate(status.key, status.lang, **status.params)``.
    """

    visit_id: str
    state: str
    host_name: str
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    minutes: int | None = None
    delegate_name: str = ""
    lang: str = "zh_CN"

    def text(self) -> str:
        return translate(self.key, self.lang, LOCALE_DIR, **self.params)


@dataclass(frozen=True, slots=True)
class _Step:
    stage: str
    recipient: str
    urls: tuple[str, ...]
    lang: str
    name_zh: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en


@dataclass
class _Job:
    delivery_id: str
    url: str
    message: Message


class _Channel:
    """One sending thread per URL; exits after a while without work."""

    IDLE_SECONDS = 30.0

    def __init__(
        self,
        url: str,
        send: Callable[[_Job], None],
    ) -> None:
        self.url = url
        self._send = send
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._alive = False
        self.busy: _Job | None = None
        #: real (not injected) time the current send started: this watches a real thread
        self.busy_since = 0.0
        self.abandoned = False

    def submit(self, job: _Job) -> None:
        with self._lock:
            self.busy = job
            self.busy_since = time.monotonic()
            self._jobs.put(job)
            if not self._alive:
                self._alive = True
                threading.Thread(
                    target=self._run, name=f"notify-channel-{id(self):x}", daemon=True
                ).start()

    def _run(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=self.IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._jobs.empty():
                        self._alive = False
                        return
                continue
            self._send(job)
            if self.abandoned:
                return


class NotifyWorker:
    """Plans, sends, retries and escalates host notifications. ``start()`` / ``stop()``."""

    def __init__(
        self,
        *,
        store: Store,
        records: Records,
        notifier: Notifier,
        clock: Clock,
        settings: Settings,
        poll_interval: float = 0.5,
        backoff: Sequence[float] = BACKOFF,
        max_attempts: int = MAX_ATTEMPTS,
        hang_grace: float = 5.0,
        head_office_url: str = "",
        site_keys: SiteKeys | None = None,
    ) -> None:
        self.store = store
        self.records = records
        self.notifier = notifier
        self.clock = clock
        self.settings = settings
        self.poll_interval = poll_interval
        self.backoff = tuple(backoff)
        self.max_attempts = max_attempts
        #: seconds beyond twice ``send_timeout`` before a send that never returned is abandoned
        self.hang_grace = hang_grace
        self._department_urls = department_urls(settings.notify.department_urls)
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
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pass_lock = threading.Lock()
        self._channels: dict[str, _Channel] = {}
        self._results: queue.SimpleQueue[tuple[_Job, str | None]] = queue.SimpleQueue()
        self._listening = False

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
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
            self.store.on_emit(self._wake.set)
            self._listening = True
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="notify-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            # cleared before the pass, so a commit during the pass wakes the next one at once
            self._wake.clear()
            try:
                self.run_once()
            except Exception:  # the worker must outlive any one bad event or database hiccup
                log.exception("notifier pass failed; retrying")
                self._stop.wait(self.poll_interval * 4)
            self._wake.wait(self.poll_interval)

    # -- one pass --------------------------------------------------------------------------
    def run_once(self) -> None:
        """Take in new check-ins, record finished sends, escalate what is due, send what is due."""
        with self._pass_lock:
            self._collect()
            self.site_keys.refresh()
            while self._intake():
                pass
            self._escalate_due()
            self._watchdog()
            self._dispatch()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Run passes until nothing is queued, in flight or due now (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.run_once()
            now = iso(self.clock.now())
            due = self.store.query_one(
                "SELECT count(*) FROM notify_deliveries WHERE state='pending' "
                "AND next_attempt_at <= ?",
                (now,),
            )
            busy = any(c.busy is not None for c in self._channels.values())
            if not busy and not (due and due[0]) and not self.store.pending(CONSUMER, KINDS):
                with self._pass_lock:
                    self._collect()
                return True
            time.sleep(0.005)
        return False

    # -- intake ----------------------------------------------------------------------------
    def _intake(self) -> bool:
        events = self.store.outbox_after(CONSUMER, limit=20, kinds=KINDS)
        if not events:
            return False
        for event in events:
            with self.store.transaction() as tx:
                tx.execute("SAVEPOINT plan")
                try:
                    self._plan(tx, event)
                except ValidationError as e:  # a malformed event: nothing of it stays
                    tx.execute("ROLLBACK TO plan")
                    log.error("notifier skips event %s (%s): %s", event.uuid, event.kind, e)
                except KioskError:
                    raise  # the database, not the event: retry the whole pass later
                except Exception as e:
                    # a malformed event must not block every later check-in; nothing of it stays
                    tx.execute("ROLLBACK TO plan")
                    log.error("notifier skips event %s (%s): %s", event.uuid, event.kind, e)
                tx.execute("RELEASE plan")
                self.store.advance(CONSUMER, event.seq, tx)
        return True

    def _plan(self, tx: Transaction, event: OutboxEvent) -> None:
        payload = event.payload
        checked_in = parse_event(event.kind, payload)
        assert isinstance(checked_in, VisitCheckedIn)  # KINDS
        visit = checked_in.visit
        visit_id = visit.id
        if tx.execute("SELECT 1 FROM notify_visits WHERE visit_id=?", (visit_id,)).fetchone():
            return
        now = self.clock.now()
        host = self.records.host(visit.host_id) if visit.host_id else None
        department_id = visit.department_id or (host.department_id if host else None)
        steps = self._steps(host, department_id)
        reply_id = new_reply_id()
        tx.execute(
            "INSERT INTO notify_visits (visit_id, site_id, host_id, department_id, event_uuid, "
            "language, stage, state, reply_id, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                visit_id,
                visit.site_id,
                host.id if host else visit.host_id,
                department_id,
                event.uuid,
                language(checked_in.language),
                "",
                "pending" if steps else "failed",
                reply_id,
                iso(now),
            ),
        )
        if not steps:
            log.warning(
                "visit %s: no channel configured for its host, department or front desk", visit_id
            )
            return
        first = steps[0]
        if first.stage == "host" or host is None:
            reason = "new"
        else:  # the host has no channel of their own: the first step already stands in
            reason = "away" if host.away else "failed"
        self._send_step(tx, visit_id, first, payload, reply_id, reason=reason, host=host)
        # an away host is told, and the next step at the same moment
        if first.stage == "host" and host is not None and host.away and len(steps) > 1:
            self._send_step(tx, visit_id, steps[1], payload, reply_id, reason="away", host=host)
        self._schedule_next(tx, visit_id, now)

    def _steps(self, host: Host | None, department_id: str | None) -> list[_Step]:
        """Who is told, in order: host, then delegate or department, then the front desk."""
        default = self.settings.kiosk.default_language
        steps: list[_Step] = []
        if host is not None and (host_urls := self._channels_of(host)):
            steps.append(
                _Step(
                    "host",
                    f"host:{host.id}",
                    host_urls,
                    language(host.language),
                    host.name("zh_CN"),
                    host.name("en"),
                )
            )
        delegate = self.records.host(host.delegate_id) if host and host.delegate_id else None
        dept_urls = self._department_urls.get(department_id or "", ())
        if (
            delegate is not None
            and not delegate.away
            and (delegate_urls := self._channels_of(delegate))
        ):
            steps.append(
                _Step(
                    "delegate",
                    f"host:{delegate.id}",
                    delegate_urls,
                    language(delegate.language),
                    delegate.name("zh_CN"),
                    delegate.name("en"),
                )
            )
        elif dept_urls:
            dept = self.records.department(department_id or "")
            steps.append(
                _Step(
                    "department",
                    f"department:{department_id}",
                    dept_urls,
                    language(default),
                    dept.name_zh if dept else str(department_id),
                    dept.name_en if dept else str(department_id),
                )
            )
        if self.settings.notify.front_desk_urls:
            steps.append(
                _Step(
                    "front_desk",
                    "front_desk",
                    self.settings.notify.front_desk_urls,
                    language(default),
                    translate("notify.front_desk", "zh_CN"),
                    translate("notify.front_desk", "en"),
                )
            )
        return steps

    def _channels_of(self, host: Host) -> tuple[str, ...]:
        return host_channels(host.notify_urls, host.email, self.settings.notify.mail_server)

    def _send_step(
        self,
        tx: Transaction,
        visit_id: str,
        step: _Step,
        payload: dict,
        reply_id: str,
        *,
        reason: str,
        host: Host | None,
    ) -> None:
        now = self.clock.now()
        message = self._message(step, payload, reply_id, reason=reason, host=host)
        for url in step.urls:
            tx.execute(
                "INSERT INTO notify_deliveries (id, visit_id, stage, recipient, url, channel, "
                "subject, body_text, body_html, state, attempts, next_attempt_at, created_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,'pending',0,?,?)",
                (
                    new_id(),
                    visit_id,
                    step.stage,
                    step.recipient,
                    url,
                    redact_url(url),
                    message.subject,
                    message.text,
                    message.html,
                    iso(now),
                    iso(now),
                ),
            )
        state = {"host": "pending", "front_desk": "front_desk"}.get(step.stage, "escalated")
        tx.execute(
            "UPDATE notify_visits SET stage=?, told=?, state=CASE WHEN ?='pending' THEN state "
            "ELSE ? END, escalate_at=NULL WHERE visit_id=?",
            (step.stage, f"{reason}|{step.recipient}", state, state, visit_id),
        )

    def _kiosk_name(self, kiosk_id: str) -> str:
        """What a host message calls the kiosk: this kiosk's name from head office (or the
        settings), else the id the visit carries."""
        kiosk = self.settings.kiosk
        if kiosk_id in ("", kiosk.id) and kiosk.name:
            return kiosk.name
        return kiosk_id or kiosk.id

    def _message(
        self, step: _Step, payload: dict, reply_id: str, *, reason: str, host: Host | None
    ) -> Message:
        visit = payload["visit"]
        visitor = payload.get("visitor") or {}
        lang = step.lang
        site = self.records.site(visit.get("site_id") or self.settings.site.id)
        site_name = (
            site.name(lang)
            if site
            else (self.settings.site.name_zh if lang == "zh_CN" else self.settings.site.name_en)
        )
        department = self.records.department(visit.get("department_id") or "")
        arrived = visit.get("checked_in_at") or visit.get("created_at")
        coming = wait = None
        key = self.site_keys.current(KeyPurpose.REPLY_LINK) if self.head_office_url else None
        ttl = self.settings.notify.reply_ttl
        if key is not None and step.stage != "front_desk":
            expires = int(self.clock.now().timestamp() + ttl)
            base = self.site_keys.link_base()
            tokens = {
                reply: sign(
                    key.key,
                    ReplyToken(
                        site_id=str(visit.get("site_id") or self.settings.site.id),
                        visit_id=str(visit["id"]),
                        reply=reply,
                        minutes=self.settings.notify.wait_minutes if reply == "wait" else 0,
                        recipient=step.recipient,
                        reply_id=reply_id,
                        expires=expires,
                        key_version=key.version,
                    ),
                )
                for reply in ("coming", "wait")
            }
            coming = reply_url(base, tokens["coming"])
            wait = reply_url(base, tokens["wait"])
        return render_host_message(
            HostMessageContext(
                stage=step.stage,
                reason=reason,
                lang=lang,
                host_name=host.name(lang) if host else "",
                visitor_name=str(visitor.get("name", "")),
                company=str(visitor.get("company", "")),
                purpose=str(visit.get("purpose", "")),
                site_name=site_name,
                kiosk_name=self._kiosk_name(str(visit.get("kiosk_id", ""))),
                arrived_at=parse_iso(arrived) if arrived else self.clock.now(),
                timezone=site.timezone if site else self.settings.site.timezone,
                department_name=department.name(lang) if department else "",
                coming_url=coming,
                wait_url=wait,
                wait_minutes=self.settings.notify.wait_minutes,
                waited_minutes=round(self.settings.notify.escalate_after / 60),
                links_valid_minutes=round(ttl / 60),
            )
        )

    def _schedule_next(self, tx: Transaction, visit_id: str, now: datetime) -> None:
        """Set when the next step is due, if there is one."""
        row = tx.execute(
            "SELECT v.stage, v.host_id, v.department_id FROM notify_visits v WHERE visit_id=?",
            (visit_id,),
        ).fetchone()
        host = self.records.host(row["host_id"]) if row["host_id"] else None
        stages = [s.stage for s in self._steps(host, row["department_id"])]
        if row["stage"] in stages and stages.index(row["stage"]) < len(stages) - 1:
            due = now + timedelta(seconds=self.settings.notify.escalate_after)
            tx.execute(
                "UPDATE notify_visits SET escalate_at=? WHERE visit_id=?", (iso(due), visit_id)
            )

    # -- escalation ------------------------------------------------------------------------
    def _escalate_due(self) -> None:
        now = self.clock.now()
        rows = self.store.query(
            "SELECT * FROM notify_visits WHERE escalate_at IS NOT NULL AND escalate_at <= ? "
            "AND reply IS NULL ORDER BY escalate_at LIMIT 50",
            (iso(now),),
        )
        for row in rows:
            self.escalate(row["visit_id"], reason="no_reply")

    def escalate(self, visit_id: str, *, reason: str = "no_reply") -> bool:
        """Send the next step for ``visit_id`` now; False if there is none or it is answered."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            row = tx.execute("SELECT * FROM notify_visits WHERE visit_id=?", (visit_id,)).fetchone()
            if row is None or row["reply"] is not None:
                return False
            visit = self.records.visit(visit_id)
            if visit is not None and visit.state is not VisitState.CHECKED_IN:
                tx.execute(
                    "UPDATE notify_visits SET escalate_at=NULL WHERE visit_id=?", (visit_id,)
                )
                return False
            host = self.records.host(row["host_id"]) if row["host_id"] else None
            steps = self._steps(host, row["department_id"])
            stages = [s.stage for s in steps]
            position = stages.index(row["stage"]) if row["stage"] in stages else -1
            if position + 1 >= len(steps):
                tx.execute(
                    "UPDATE notify_visits SET escalate_at=NULL WHERE visit_id=?", (visit_id,)
                )
                return False
            event = tx.execute(
                "SELECT payload FROM outbox WHERE uuid=?", (row["event_uuid"],)
            ).fetchone()
            payload = json.loads(event["payload"]) if event else {"visit": {"id": visit_id}}
            step = steps[position + 1]
            self._send_step(tx, visit_id, step, payload, row["reply_id"], reason=reason, host=host)
            self._schedule_next(tx, visit_id, now)
        self._wake.set()
        return True

    # -- sending ---------------------------------------------------------------------------
    def _dispatch(self) -> None:
        now = iso(self.clock.now())
        rows = self.store.query(
            "SELECT id, url, subject, body_text, body_html FROM notify_deliveries "
            "WHERE state='pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 200",
            (now,),
        )
        for row in rows:
            channel = self._channels.get(row["url"])
            if channel is None:
                channel = self._channels[row["url"]] = _Channel(row["url"], self._send)
            if channel.busy is not None:
                continue  # one message at a time per channel; the others go on their own
            channel.submit(
                _Job(
                    row["id"],
                    row["url"],
                    Message(row["subject"], row["body_text"], row["body_html"]),
                )
            )

    def _send(self, job: _Job) -> None:
        """On a channel thread: send, then hand the outcome back to the worker."""
        error: str | None = None
        try:
            self.notifier.send(job.url, job.message, timeout=self.settings.notify.send_timeout)
        except KioskError as e:
            error = scrub(str(e.detail or e), [job.url])
        except Exception as e:  # a plugin bug is a failed attempt, not a dead channel thread
            error = scrub(f"{redact_url(job.url)}: {type(e).__name__}: {e}", [job.url])
        self._results.put((job, error))
        self._wake.set()

    def _watchdog(self) -> None:
        """Give up on sends that never came back: the channel gets a fresh thread and plugin."""
        deadline = self.settings.notify.send_timeout * 2 + self.hang_grace
        for url, channel in list(self._channels.items()):
            job = channel.busy
            if job is not None and time.monotonic() - channel.busy_since > deadline:
                channel.abandoned = True
                del self._channels[url]
                forget = getattr(self.notifier, "forget", None)
                if forget is not None:
                    forget(url)
                log.warning(
                    "%s: no answer within %.0f s; abandoning that send", redact_url(url), deadline
                )
                self._record(job, f"{redact_url(url)}: no answer within {deadline:.0f} s")

    def _collect(self) -> None:
        while True:
            try:
                job, error = self._results.get_nowait()
            except queue.Empty:
                return
            channel = self._channels.get(job.url)
            if channel is None or channel.busy is not job:
                continue  # abandoned by the watchdog: its outcome was recorded already
            channel.busy = None
            self._record(job, error)

    def _record(self, job: _Job, error: str | None) -> None:
        now = self.clock.now()
        with self.store.transaction() as tx:
            row = tx.execute(
                "SELECT d.*, v.site_id FROM notify_deliveries d "
                "JOIN notify_visits v ON v.visit_id = d.visit_id WHERE d.id=?",
                (job.delivery_id,),
            ).fetchone()
            if row is None or row["state"] != "pending":
                return
            attempts = row["attempts"] + 1
            base: dict[str, Any] = {
                "visit_id": row["visit_id"],
                "site_id": row["site_id"],
                "kiosk_id": self.settings.kiosk.id,
                "delivery_id": row["id"],
                "stage": row["stage"],
                "recipient": row["recipient"],
                "channel": row["channel"],
                "attempts": attempts,
            }
            if error is None:
                tx.execute(
                    "UPDATE notify_deliveries SET state='sent', attempts=?, sent_at=?, "
                    f"last_error='', {_FORGET_TEXT} WHERE id=?",
                    (attempts, iso(now), row["id"]),
                )
                if row["stage"] == "host":
                    tx.execute(
                        "UPDATE notify_visits SET state='notified' "
                        "WHERE visit_id=? AND state IN ('pending', 'failed')",
                        (row["visit_id"],),
                    )
                tx.emit(NotifySent(**base, sent_at=now))
                log.info("notified %s through %s", row["recipient"], row["channel"])
                return
            log.warning("delivery to %s failed (attempt %d): %s", row["channel"], attempts, error)
            if attempts < self.max_attempts:
                wait = self.backoff[min(attempts - 1, len(self.backoff) - 1)]
                tx.execute(
                    "UPDATE notify_deliveries SET attempts=?, last_error=?, next_attempt_at=? "
                    "WHERE id=?",
                    (attempts, error, iso(now + timedelta(seconds=wait)), row["id"]),
                )
                return
            tx.execute(
                f"UPDATE notify_deliveries SET state='failed', attempts=?, last_error=?, "
                f"{_FORGET_TEXT} WHERE id=?",
                (attempts, error, row["id"]),
            )
            tx.emit(NotifyFailed(**base, error=error[:2000], failed_at=now))
            stage_open = tx.execute(
                "SELECT count(*) FROM notify_deliveries WHERE visit_id=? AND stage=? "
                "AND state != 'failed'",
                (row["visit_id"], row["stage"]),
            ).fetchone()[0]
            if stage_open == 0:
                # nobody of this step can be reached: do not wait for a reply that cannot come
                tx.execute(
                    "UPDATE notify_visits SET escalate_at=?, "
                    "state=CASE WHEN state IN ('pending', 'notified') THEN 'failed' ELSE state END "
                    "WHERE visit_id=? AND reply IS NULL AND stage=?",
                    (iso(now), row["visit_id"], row["stage"]),
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
        self._wake.set()
        return applied

    def status_for(self, visit_id: str, lang: str | None = None) -> NotifyStatus:
        """The live line for the done screen, in ``lang`` (default: the visitor's language)."""
        row = self.store.query_one("SELECT * FROM notify_visits WHERE visit_id=?", (visit_id,))

        def status(state: str, name: str, key: str, **params: Any) -> NotifyStatus:
            minutes = params.get("minutes")
            return NotifyStatus(
                visit_id=visit_id,
                state=state,
                host_name=name,
                key=key,
                params=MappingProxyType({"host": name, **params}),
                minutes=minutes,
                delegate_name=params.get("delegate", ""),
                lang=lang_,
            )

        if row is None:
            lang_ = language(lang)
            visit = self.records.visit(visit_id)
            host = self.records.host(visit.host_id) if visit and visit.host_id else None
            return status("pending", host.name(lang_) if host else "", "notify.status.pending")
        lang_ = language(lang or row["language"])
        host = self.records.host(row["host_id"]) if row["host_id"] else None
        dept = self.records.department(row["department_id"] or "")
        host_name = host.name(lang_) if host else (dept.name(lang_) if dept else "")
        if row["reply"] is not None:
            by = self._recipient_name(row["replied_by"] or "", lang_) or host_name
            minutes = int(row["minutes"] or 0)
            if row["reply"] == "coming":
                # "I'm coming" carries no time; two minutes is what a lobby walk takes
                return status("coming", by, "notify.status.coming", minutes=max(1, minutes or 2))
            return status("wait", by, "notify.status.wait", minutes=minutes)
        reason, _, recipient = (row["told"] or "").partition("|")
        state = row["state"]
        if state == "escalated":
            told = self._recipient_name(recipient, lang_)
            key = {"away": "notify.status.away", "no_reply": "notify.status.escalated"}.get(
                reason, "notify.status.redirected"
            )
            return status("escalated", host_name, key, delegate=told)
        if state in ("front_desk", "notified", "failed"):
            return status(state, host_name, f"notify.status.{state}")
        return status("pending", host_name, "notify.status.pending")

    def _recipient_name(self, recipient: str, lang: str) -> str:
        kind, _, ident = recipient.partition(":")
        if kind == "host":
            h = self.records.host(ident)
            return h.name(lang) if h else ""
        if kind == "department":
            d = self.records.department(ident)
            return d.name(lang) if d else ident
        if kind == "front_desk":
            return translate("notify.front_desk", lang)
        return ""


def apply_reply(
    store: Store,
    *,
    visit_id: str,
    reply_id: str,
    reply: str,
    minutes: int,
    recipient: str,
    replied_at: datetime,
    tx: Transaction | None = None,
) -> bool:
    """Record the first reply to a visit's message; later ones and strangers are ignored."""
    if tx is None:
        with store.transaction() as t:
            return _apply(t, visit_id, reply_id, reply, minutes, recipient, iso(replied_at))
    return _apply(tx, visit_id, reply_id, reply, minutes, recipient, iso(replied_at))


def handle_host_replied(tx: Transaction, payload: Mapping[str, Any]) -> None:
    """Sync pull handler for ``host.replied`` changes (registered in the kiosk's dispatch).

    Payload: ``visit_id``, ``reply_id``, ``reply`` (coming / wait), ``minutes``,
    ``recipient`` (who answered: host:<id> / department:<id>), ``replied_at``.
    """
    try:
        reply = parse_event("host.replied", dict(payload))
        assert isinstance(reply, HostReplied)
        _apply(
            tx,
            reply.visit_id,
            reply.reply_id,
            reply.reply,
            reply.minutes,
            reply.recipient,
            iso(reply.replied_at),
        )
    except (ValidationError, NotifyError) as e:
        # one odd change must not stop the pull: log it and move on
        log.warning("ignoring a host.replied change: %s", e)


def validate_notify_settings(settings: Settings, notifier: Notifier) -> None:
    """Check the settings file's channels at start-up: ``ConfigError`` naming the key and the
    (redacted) URL that apprise cannot use, like any other bad setting."""
    validate_urls(notifier, settings.notify.front_desk_urls, where="notify.front_desk_urls")
    for dept, urls in department_urls(settings.notify.department_urls).items():
        validate_urls(notifier, urls, where=f"notify.department_urls ({dept})")
    if settings.notify.mail_server:
        check_mail_server(notifier, settings.notify.mail_server)
    if settings.notify.reply_ttl > HONOUR_SECONDS[KeyPurpose.REPLY_LINK]:
        # head office honours a retired key's links this long after a rotation, no longer
        raise ConfigError(
            f"notify.reply_ttl: at most {HONOUR_SECONDS[KeyPurpose.REPLY_LINK]} seconds (7 days)",
            key="notify.error.bad_url",
        )
    if settings.notify.reply_key:
        try:
            parse_versioned(settings.notify.reply_key, KeyPurpose.REPLY_LINK)
        except ValueError as e:
            raise ConfigError(f"notify.reply_key: {e}", key="notify.error.bad_url") from e


def channel_problems(records: Records, notifier: Notifier, *, mail_server: str = "") -> list[str]:
    """Hosts whose channels apprise cannot use, one line each, secrets masked (for the log and
    the receptionist's settings page: directory data must not stop the kiosk)."""
    problems = []
    for host in records.hosts():
        for url in host_channels(host.notify_urls, host.email, mail_server):
            try:
                notifier.validate(url)
            except ConfigError as e:
                problems.append(f"host {host.id}: {e.detail or e}")
    return problems


def host_replied_change(records: Records, tx: Transaction, change: Any) -> None:
    """The ``sync.apply`` handler for pulled ``host.replied`` changes (``change.payload``)."""
    handle_host_replied(tx, change.payload)


def _apply(
    tx: Transaction,
    visit_id: str,
    reply_id: str,
    reply: str,
    minutes: int,
    recipient: str,
    replied_at: str,
) -> bool:
    if reply not in ("coming", "wait"):
        raise NotifyError(f"unknown reply {reply!r}")
    cursor = tx.execute(
        "UPDATE notify_visits SET reply=?, minutes=?, replied_by=?, replied_at=?, "
        "escalate_at=NULL WHERE visit_id=? AND reply_id=? AND reply IS NULL",
        (reply, int(minutes), recipient, replied_at, visit_id, reply_id),
    )
    return cursor.rowcount > 0
