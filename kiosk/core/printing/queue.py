"""The persistent print queue: every checked-in visitor gets exactly one badge.

A worker thread reads ``visit.checked_in`` events from the outbox after its own position
(consumer ``printer``) and turns each into a row of ``print_jobs`` in the same transaction that
moves the position, so a crash can neither lose a badge nor queue it twice. Then, for each due
job: render (``badges.render_badge``), hand it to the printer (or the fallback printer), and
record the outcome. A state change that matters to others is written together with its event:
``badge.printed`` when a badge has come out, ``badge.failed`` when it could not be printed
(see docs/events.md).

Job states::

    queued ──► printing ──► printed
       ▲          │
       └─ retry ◄─┴──► failed   (retried with exponential back-off while attempts remain;
                                 the receptionist can ``reprint``)

Never twice: a job that was being handed to a printer when the kiosk stopped is *not* resent
on restart (it may have come out): it is marked failed with ``badge.printer.interrupted`` and
left for the receptionist. A printer that refuses a job up front (queue stopped, cupsd down,
connection refused) is retried; once it works again, each waiting badge comes out once.
Only ``reprint(visit_id)`` prints another copy.

Callers never wait: ``start()`` returns at once, the check-in commit only wakes the worker
(``store.on_emit``), and ``status_for(visit_id)`` is one small query for the done screen.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.core.badges.render import render_badge
from kiosk.core.badges.template import BadgeData, Template, load_template
from kiosk.core.badges.tokens import BadgeService, peek
from kiosk.core.config.clock import Clock, SystemClock, iso, parse_iso
from kiosk.core.config.errors import DeniedError, KioskError, PrinterError, ValidationError
from kiosk.core.config.settings import Settings
from kiosk.core.events import BadgeFailed, BadgePrinted, parse_event
from kiosk.core.models import Visit
from kiosk.core.printing.base import JobRef, JobState, Printer, PrintJob
from kiosk.core.store.database import Store, Transaction, new_id
from kiosk.core.store.records import Records

log = logging.getLogger(__name__)

CONSUMER = "printer"
KINDS = ("visit.checked_in",)

QUEUED = "queued"
PRINTING = "printing"
PRINTED = "printed"
FAILED = "failed"
NONE = "none"

MSG_PRINTING = "badge.status.printing"
MSG_PRINTED = "badge.status.printed"
MSG_AT_RECEPTION = "badge.status.at_reception"
INTERRUPTED = "badge.printer.interrupted"

#: (visit, language) -> one line of directions for the badge, or "" (the directions feature)
DirectionFor = Callable[[Visit, str], str]


@dataclass(frozen=True, slots=True)
class JobStatus:
    """What the done screen shows about a visitor's badge."""

    visit_id: str
    #: queued, printing, printed, failed; "none" when no badge is on its way
    state: str
    #: badge.status.printing / .printed / .at_reception
    message_key: str
    #: badge.printer.* when something went wrong, else ""
    error_key: str = ""
    attempts: int = 0
    copy: int = 0
    printer: str = ""
    #: True while a failed badge will still be retried automatically
    retrying: bool = False

    @property
    def done(self) -> bool:
        """Nothing more will change without someone acting."""
        return self.state in (PRINTED, NONE) or (self.state == FAILED and not self.retrying)


class PrintQueue:
    """The badge print worker. Build once at start-up; ``start()``; ``stop()`` on exit."""

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
        max_attempts: int = 10,
        retry_base: float = 2.0,
        retry_cap: float = 120.0,
        stuck_after: float = 30.0,
        poll_interval: float = 0.5,
        follow_interval: float = 0.1,
    ) -> None:
        self.store = store
        self.records = records
        self.printer = printer
        self.fallback = fallback
        self.clock: Clock = clock or store.clock or SystemClock()
        self.settings = settings or Settings()
        self.template = template or load_template(self.settings.printer.template)
        self.badges = badges or BadgeService(
            store,
            site_id=self.settings.site.id,
            clock=self.clock,
            valid_hours=self.settings.printer.badge_valid_hours,
        )
        self.directions = directions
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.stuck_after = stuck_after
        self.poll_interval = poll_interval
        self.follow_interval = follow_interval
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._listeners: list[Callable[[JobStatus], None]] = []
        self._recovered = False
        store.on_emit(self._on_emit)

    # -- life cycle ----------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker thread (returns at once)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="print-queue", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """Look at the queue now (new events, or a test moved the clock)."""
        self._wake.set()

    def subscribe(self, listener: Callable[[JobStatus], None]) -> None:
        """Call ``listener(status)`` on the worker thread after each job state change.

        A Kivy screen must hop to the UI thread (``Clock.schedule_once``) before touching
        widgets.
        """
        self._listeners.append(listener)

    def _on_emit(self) -> None:
        if not self._stopping.is_set():
            self._wake.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                busy = self.run_once()
            except Exception:  # the worker must survive anything; the log keeps the cause
                log.exception("print queue round failed")
                busy = False
            if busy:
                continue
            self._wake.wait(self._idle_wait())

    def _idle_wait(self) -> float:
        wait = self.poll_interval
        # a job the printer has accepted: look again soon, so "please collect your badge"
        # shows as soon as it is out
        if self.store.query_one(
            "SELECT 1 FROM print_jobs WHERE state = 'printing' AND printer_ref != '' LIMIT 1"
        ):
            wait = min(wait, self.follow_interval)
        row = self.store.query_one(
            "SELECT min(next_attempt_at) FROM print_jobs WHERE state = 'failed' "
            "AND next_attempt_at IS NOT NULL"
        )
        if row and row[0]:
            due = (parse_iso(row[0]) - self.clock.now()).total_seconds()
            wait = min(wait, max(0.0, due))
        return wait

    # -- one round -----------------------------------------------------------------------------
    def run_once(self) -> bool:
        """Do what is due now: take in new events, follow submitted jobs, print one badge.

        Returns True if it did something (the worker then goes round again at once).
        Tests call it directly instead of starting the thread.
        """
        if not self._recovered:
            self._recover()
            self._recovered = True
        did = self._ingest()
        did = self._follow_submitted() or did
        job = self._next_due()
        if job is not None:
            self._attempt(job)
            did = True
        return did

    def _recover(self) -> None:
        """Jobs caught mid-hand-over by a stop or crash may have printed: never resend them."""
        rows = self.store.query(
            "SELECT * FROM print_jobs WHERE state = 'printing' AND printer_ref = ''"
        )
        for row in rows:
            with self.store.transaction() as tx:
                self._fail(
                    tx,
                    row,
                    key=INTERRUPTED,
                    detail="the kiosk stopped while this badge was being sent to the printer",
                    retry=False,
                )
            self._notify(row["visit_id"])

    def _ingest(self) -> bool:
        events = self.store.outbox_after(CONSUMER, limit=100, kinds=KINDS)
        if not events:
            return False
        now = iso(self.clock.now())
        with self.store.transaction() as tx:
            for event in events:
                try:
                    checked_in = parse_event(event.kind, event.payload)
                except ValidationError as e:
                    log.error("print queue skips event %s (%s): %s", event.uuid, event.kind, e)
                    continue
                language = getattr(checked_in, "language", "zh_CN")
                tx.execute(
                    "INSERT OR IGNORE INTO print_jobs (id, visit_id, copy, state, language, "
                    "event_uuid, created_at, updated_at) VALUES (?,?,0,'queued',?,?,?,?)",
                    (new_id(), event.entity_id, language, event.uuid, now, now),
                )
            self.store.advance(CONSUMER, events[-1].seq, tx=tx)
        for event in events:
            self._notify(event.entity_id)
        return True

    def _next_due(self):
        now = iso(self.clock.now())
        return self.store.query_one(
            "SELECT * FROM print_jobs WHERE state = 'queued' OR (state = 'failed' AND "
            "next_attempt_at IS NOT NULL AND next_attempt_at <= ?) "
            "ORDER BY coalesce(next_attempt_at, created_at), created_at LIMIT 1",
            (now,),
        )

    # -- printing ------------------------------------------------------------------------------
    def _attempt(self, row) -> None:
        job_id = row["id"]
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE print_jobs SET state='printing', attempts=attempts+1, printer='', "
                "printer_ref='', submitted_at=NULL, updated_at=? WHERE id=?",
                (iso(self.clock.now()), job_id),
            )
        self._notify(row["visit_id"])
        try:
            job = self._render(row)
        except Exception as e:  # a badge that cannot be drawn must not stay "printing"
            log.exception("cannot render the badge of visit %s", row["visit_id"])
            key = e.message_key if isinstance(e, KioskError) else "badge.printer.error"
            with self.store.transaction() as tx:
                self._fail(tx, self._row(job_id), key=key, detail=str(e), retry=False)
            self._notify(row["visit_id"])
            return
        ref: JobRef | None = None
        used: Printer | None = None
        errors: list[PrinterError] = []
        retry = True
        for printer in (self.printer, self.fallback):
            if printer is None:
                continue
            try:
                ref = printer.print(job)
                used = printer
                break
            except PrinterError as e:
                log.warning("printer %s refused badge %s: %s", printer.name, job_id, e)
                errors.append(e)
            except Exception as e:
                # a bug in a backend, not a refusal: something may have gone out, so the
                # receptionist decides (never print twice on our own)
                log.exception("printer %s failed on badge %s", printer.name, job_id)
                errors.append(PrinterError(f"{type(e).__name__}: {e}", key=INTERRUPTED))
                retry = False
                break
        if ref is None or used is None:
            first = errors[0]
            with self.store.transaction() as tx:
                self._fail(
                    tx, self._row(job_id), key=first.message_key, detail=str(first), retry=retry
                )
            self._notify(row["visit_id"])
            return
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE print_jobs SET printer=?, printer_ref=?, submitted_at=?, updated_at=? "
                "WHERE id=?",
                (used.name, ref.ref, iso(self.clock.now()), iso(self.clock.now()), job_id),
            )
        self._follow(self._row(job_id))

    def _follow_submitted(self) -> bool:
        rows = self.store.query(
            "SELECT * FROM print_jobs WHERE state = 'printing' AND printer_ref != ''"
        )
        changed = False
        for row in rows:
            changed = self._follow(row) or changed
        return changed

    def _follow(self, row) -> bool:
        """Check a job the printer has accepted; True if its state changed."""
        printer = self._printer_named(row["printer"])
        if printer is None:
            return False
        try:
            state = printer.job_state(JobRef(row["printer"], row["printer_ref"]))
        except PrinterError:
            return False  # cannot ask now (cupsd restarting): ask again next round
        if state == JobState.COMPLETED:
            with self.store.transaction() as tx:
                now = iso(self.clock.now())
                tx.execute(
                    "UPDATE print_jobs SET state='printed', error_key='', error='', "
                    "next_attempt_at=NULL, printed_at=?, updated_at=? WHERE id=?",
                    (now, now, row["id"]),
                )
                tx.emit(
                    BadgePrinted(
                        visit_id=row["visit_id"],
                        job_id=row["id"],
                        copy_number=row["copy"],
                        printer=row["printer"],
                        attempts=row["attempts"],
                    )
                )
            self._notify(row["visit_id"])
            return True
        if state in (JobState.FAILED, JobState.UNKNOWN):
            # aborted or cancelled by the printer, or gone from its history: it did not
            # (or may not have) come out; never resend on our own, tell the receptionist
            with self.store.transaction() as tx:
                self._fail(
                    tx,
                    row,
                    key=INTERRUPTED,
                    detail=f"printer reports job {row['printer_ref']} as {state}",
                    retry=False,
                )
            self._notify(row["visit_id"])
            return True
        submitted = row["submitted_at"]
        if (
            submitted
            and not row["reported"]
            and (self.clock.now() - parse_iso(submitted)).total_seconds() > self.stuck_after
        ):
            with self.store.transaction() as tx:
                tx.execute("UPDATE print_jobs SET reported=1 WHERE id=?", (row["id"],))
                status = self._status_of_printer(printer)
                self._emit_failed(
                    tx,
                    row,
                    key=status or "badge.printer.error",
                    detail=f"job {row['printer_ref']} waiting at {printer.name} for "
                    f"more than {self.stuck_after:g}s",
                    retrying=True,
                )
            self._notify(row["visit_id"])
            return True
        return False

    def _status_of_printer(self, printer: Printer) -> str:
        try:
            return printer.status().message_key
        except KioskError:
            return ""

    def _printer_named(self, name: str) -> Printer | None:
        for printer in (self.printer, self.fallback):
            if printer is not None and printer.name == name:
                return printer
        return None

    def _fail(self, tx: Transaction, row, *, key: str, detail: str, retry: bool = True) -> None:
        attempts = int(row["attempts"])
        next_at = None
        if retry and attempts < self.max_attempts:
            delay = min(self.retry_cap, self.retry_base * 2 ** max(0, attempts - 1))
            next_at = iso(self.clock.now() + timedelta(seconds=delay))
        tx.execute(
            "UPDATE print_jobs SET state='failed', error_key=?, error=?, next_attempt_at=?, "
            "reported=1, updated_at=? WHERE id=?",
            (key, detail[:500], next_at, iso(self.clock.now()), row["id"]),
        )
        # tell the receptionist once when a badge first fails, and again when we give up
        if not row["reported"] or next_at is None:
            self._emit_failed(tx, row, key=key, detail=detail, retrying=next_at is not None)

    def _emit_failed(self, tx: Transaction, row, *, key: str, detail: str, retrying: bool):
        tx.emit(
            BadgeFailed(
                visit_id=row["visit_id"],
                job_id=row["id"],
                copy_number=row["copy"],
                printer=row["printer"] or self.printer.name,
                error_key=key,
                error=detail[:500],
                attempts=row["attempts"],
                retrying=retrying,
            )
        )

    def _row(self, job_id: str):
        row = self.store.query_one("SELECT * FROM print_jobs WHERE id = ?", (job_id,))
        assert row is not None
        return row

    # -- what goes on the badge ------------------------------------------------------------------
    def _render(self, row) -> PrintJob:
        data = self.badge_data(row["visit_id"], row["language"])
        image = render_badge(data, self.template)
        title = f"badge-{row['visit_id'][:12]}-{row['copy']}"
        return PrintJob(
            job_id=f"{row['visit_id']}-{row['copy']}",
            title=title,
            image=image,
            template=self.template,
        )

    def badge_data(self, visit_id: str, language: str = "zh_CN") -> BadgeData:
        """The badge of a visit, from the records (also for previews and reprints)."""
        visit = self.records.visit(visit_id)
        if visit is None:
            raise KioskError(f"visit {visit_id} not found", key="badge.printer.error")
        visitor = self.records.visitor(visit.visitor_id)
        host = self.records.host(visit.host_id) if visit.host_id else None
        department = self.records.department(visit.department_id) if visit.department_id else None
        site = self.records.site(visit.site_id)
        tz = _zone(site.timezone if site else self.settings.site.timezone)
        token = visit.badge_code
        if not token:
            with self.store.transaction() as tx:
                token = self.badges.issue(visit.id, tx=tx, issued_at=visit.checked_in_at)
                self.records.set_badge_code(tx, visit.id, token)
        issued = visit.checked_in_at or visit.created_at or self.clock.now()
        try:
            valid_until = peek(token).expires_at
        except DeniedError:  # a code from another issuer (random codes): use the settings
            valid_until = issued + timedelta(hours=self.settings.printer.badge_valid_hours)
        floor = (host.floor if host else "") or (department.floor if department else "")
        room = (host.room if host else "") or (department.room if department else "")
        direction = ""
        if self.directions is not None:
            try:
                direction = self.directions(visit, language) or ""
            except KioskError as e:  # no known way there (NotFoundError): no line
                log.info("no direction for visit %s: %s", visit.id, e)
            except Exception:  # directions are a nicety; a badge never fails over them
                log.exception("directions for visit %s failed", visit.id)
        return BadgeData(
            site_name_zh=site.name_zh if site else self.settings.site.name_zh,
            site_name_en=site.name_en if site else self.settings.site.name_en,
            visitor_name=visitor.name if visitor else "",
            company=visitor.company if visitor else "",
            host_name=_host_name(host, language) if host else "",
            floor=floor,
            room=room,
            direction=direction,
            purpose=visit.purpose,
            token=token,
            issued_at=issued.astimezone(tz),
            valid_until=valid_until.astimezone(tz),
            language=language,
        )

    # -- for the done screen and the receptionist ------------------------------------------------
    def status_for(self, visit_id: str) -> JobStatus:
        """Where this visitor's badge is (the newest copy). Never blocks on a printer."""
        row = self.store.query_one(
            "SELECT * FROM print_jobs WHERE visit_id = ? ORDER BY copy DESC LIMIT 1", (visit_id,)
        )
        if row is None:
            waiting = self.store.query_one(
                "SELECT 1 FROM outbox WHERE entity_id = ? AND kind = 'visit.checked_in' "
                "AND seq > ?",
                (visit_id, self.store.position(CONSUMER)),
            )
            if waiting:
                return JobStatus(visit_id, QUEUED, MSG_PRINTING)
            return JobStatus(visit_id, NONE, MSG_AT_RECEPTION)
        state = row["state"]
        retrying = state == FAILED and row["next_attempt_at"] is not None
        if state == PRINTED:
            message = MSG_PRINTED
        elif state == FAILED or row["reported"]:
            message = MSG_AT_RECEPTION
        else:
            message = MSG_PRINTING
        return JobStatus(
            visit_id=visit_id,
            state=state,
            message_key=message,
            error_key=row["error_key"],
            attempts=row["attempts"],
            copy=row["copy"],
            printer=row["printer"],
            retrying=retrying,
        )

    def reprint(self, visit_id: str) -> JobStatus:
        """Print this visitor's badge again (receptionist). Idempotent while one is on its way:
        asking twice before it comes out prints one badge, not two."""
        with self.store.transaction() as tx:
            row = tx.execute(
                "SELECT * FROM print_jobs WHERE visit_id = ? ORDER BY copy DESC LIMIT 1",
                (visit_id,),
            ).fetchone()
            now = iso(self.clock.now())
            if row is None:
                language = "zh_CN"
                tx.execute(
                    "INSERT INTO print_jobs (id, visit_id, copy, state, language, event_uuid, "
                    "created_at, updated_at) VALUES (?,?,0,'queued',?,'',?,?)",
                    (new_id(), visit_id, language, now, now),
                )
            elif row["state"] == FAILED:
                tx.execute(
                    "UPDATE print_jobs SET state='queued', attempts=0, next_attempt_at=NULL, "
                    "reported=0, error_key='', error='', printer='', printer_ref='', "
                    "updated_at=? WHERE id=?",
                    (now, row["id"]),
                )
            elif row["state"] == PRINTED:
                tx.execute(
                    "INSERT INTO print_jobs (id, visit_id, copy, state, language, event_uuid, "
                    "created_at, updated_at) VALUES (?,?,?,'queued',?,'',?,?)",
                    (new_id(), visit_id, row["copy"] + 1, row["language"], now, now),
                )
            # queued or printing: already on its way
        self._notify(visit_id)
        self.wake()
        return self.status_for(visit_id)

    def jobs(self, *, state: str | None = None, limit: int = 100) -> list[dict]:
        """Recent jobs for the receptionist's list (no personal data beyond the visit id)."""
        sql = "SELECT * FROM print_jobs"
        params: tuple = ()
        if state:
            sql += " WHERE state = ?"
            params = (state,)
        rows = self.store.query(sql + " ORDER BY updated_at DESC LIMIT ?", (*params, limit))
        return [dict(row) for row in rows]

    def _notify(self, visit_id: str) -> None:
        if not self._listeners:
            return
        status = self.status_for(visit_id)
        for listener in list(self._listeners):
            try:
                listener(status)
            except Exception:
                log.exception("print status listener failed")


def _host_name(host, language: str) -> str:
    primary = host.name(language)
    other = host.name_en if language.startswith("zh") else host.name_zh
    return primary if not other or other == primary else f"{primary} {other}"


def _zone(name: str):
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return datetime.now().astimezone().tzinfo
