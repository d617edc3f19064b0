"""Printing and follow-up: hand one due badge to the printer (or the fallback), then watch
the printer's job until it has come out, failed, or waits too long.

Never twice: a job that was being handed to a printer when the kiosk stopped is *not* resent
(it may have come out): it is marked failed with ``badge.printer.interrupted`` and left for
the receptionist; so is a job a backend failed on with a bug rather than a refusal. A printer
that refuses a job up front (queue stopped, cupsd down, connection refused) is retried.

Must never: decide the retry schedule (the queue's ``RetryPolicy``) or open the outbox.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from kiosk.core.config.clock import Clock, parse_iso
from kiosk.core.config.errors import KioskError, PrinterError
from kiosk.core.events import BadgePrinted
from kiosk.core.printing import alerts, jobs
from kiosk.core.printing.badge_content import BadgeContent
from kiosk.core.printing.base import JobRef, JobState, Printer
from kiosk.core.printing.test_badge import is_test
from kiosk.core.store import print_jobs
from kiosk.core.store.database import Store
from kiosk.core.workers.retry import RetryPolicy

log = logging.getLogger(__name__)


class HandOver:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        printer: Printer,
        fallback: Printer | None,
        content: BadgeContent,
        retry: RetryPolicy,
        stuck_after: float,
        changed: Callable[[str], None],
        site_id: str = "",
        kiosk_id: str = "",
    ) -> None:
        self.store = store
        #: where the desk's print alerts belong (none without a site)
        self.site_id = site_id
        self.kiosk_id = kiosk_id
        self.clock = clock
        self.printer = printer
        self.fallback = fallback
        self.content = content
        self.retry = retry
        self.stuck_after = stuck_after
        #: called with a visit id after each state change of one of its jobs
        self.changed = changed
        #: printers replaced while running (``PrintQueue.use_printer``): their jobs are followed
        self.retired: list[Printer] = []

    def fail(self, row, *, key: str, detail: str, retry: bool = True) -> None:
        """Mark ``row`` failed in a transaction of its own and tell the listeners."""
        with self.store.transaction() as tx:
            jobs.fail(
                tx,
                row,
                key=key,
                detail=detail,
                retry=self.retry if retry else None,
                printer=self.printer.name,
                now=self.clock.now(),
            )
            self._alert_failed(tx, row, key, retrying=retry)
        self.changed(row["visit_id"])

    def _alert_failed(self, tx, row, key: str, *, retrying: bool = False) -> None:
        if self.site_id:
            alerts.badge_failed(
                tx,
                visit_id=row["visit_id"],
                error_key=key,
                printer=row["printer"] or self.printer.name,
                retrying=retrying,
                site_id=self.site_id,
                kiosk_id=self.kiosk_id,
            )

    def recover(self) -> None:
        """Jobs caught mid-hand-over by a stop or crash may have printed: never resend them."""
        for row in print_jobs.interrupted(self.store):
            self.fail(
                row,
                key=jobs.INTERRUPTED,
                detail="the kiosk stopped while this badge was being sent to the printer",
                retry=False,
            )

    # -- printing ------------------------------------------------------------------------------
    def attempt(self, row) -> None:
        job_id = row["id"]
        with self.store.transaction() as tx:
            print_jobs.mark_printing(tx, job_id, self.clock.now())
        self.changed(row["visit_id"])
        try:
            job = self.content.print_job(row["visit_id"], row["copy"], row["language"])
        except Exception as e:  # a badge that cannot be drawn must not stay "printing"
            log.exception("cannot render the badge of visit %s", row["visit_id"])
            key = e.message_key if isinstance(e, KioskError) else "badge.printer.error"
            self.fail(print_jobs.job(self.store, job_id), key=key, detail=str(e), retry=False)
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
                errors.append(PrinterError(f"{type(e).__name__}: {e}", key=jobs.INTERRUPTED))
                retry = False
                break
        if ref is None or used is None:
            first = errors[0]
            self.fail(
                print_jobs.job(self.store, job_id),
                key=first.message_key,
                detail=str(first),
                retry=retry,
            )
            return
        with self.store.transaction() as tx:
            print_jobs.mark_submitted(
                tx, job_id, printer=used.name, ref=ref.ref, now=self.clock.now()
            )
            if used is not self.printer and self.site_id:
                alerts.fallback_used(
                    tx,
                    visit_id=row["visit_id"],
                    printer=self.printer.name,
                    fallback=used.name,
                    site_id=self.site_id,
                    kiosk_id=self.kiosk_id,
                )
        self.follow(print_jobs.job(self.store, job_id))

    # -- follow-up -----------------------------------------------------------------------------
    def follow_all(self) -> bool:
        changed = False
        for row in print_jobs.at_printer(self.store):
            changed = self.follow(row) or changed
        return changed

    def follow(self, row) -> bool:
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
                print_jobs.mark_printed(tx, row["id"], self.clock.now())
                if not is_test(row["visit_id"]):  # no visit at head office for a test print
                    tx.emit(
                        BadgePrinted(
                            visit_id=row["visit_id"],
                            job_id=row["id"],
                            copy_number=row["copy"],
                            printer=row["printer"],
                            attempts=row["attempts"],
                        )
                    )
            # CUPS: the badges out of its spool, once none of this printer's jobs is still
            # followed (a purged job that was not looked at would read as lost)
            forget = getattr(printer, "forget", None)
            waiting = [
                r for r in print_jobs.at_printer(self.store) if r["printer"] == row["printer"]
            ]
            if forget is not None and not waiting:
                # refused: the scheduler's PreserveJobFiles expires it instead
                with contextlib.suppress(PrinterError):
                    forget(JobRef(row["printer"], row["printer_ref"]))
            self.changed(row["visit_id"])
            return True
        if state in (JobState.FAILED, JobState.UNKNOWN):
            # aborted or cancelled by the printer, or gone from its history: it did not
            # (or may not have) come out; never resend on our own, tell the receptionist
            self.fail(
                row,
                key=jobs.INTERRUPTED,
                detail=f"printer reports job {row['printer_ref']} as {state}",
                retry=False,
            )
            return True
        submitted = row["submitted_at"]
        if (
            submitted
            and not row["reported"]
            and (self.clock.now() - parse_iso(submitted)).total_seconds() > self.stuck_after
        ):
            with self.store.transaction() as tx:
                print_jobs.mark_reported(tx, row["id"])
                key = self._status_of_printer(printer) or "badge.printer.error"
                jobs.emit_failed(
                    tx,
                    row,
                    key=key,
                    detail=f"job {row['printer_ref']} waiting at {printer.name} for "
                    f"more than {self.stuck_after:g}s",
                    retrying=True,
                    printer=self.printer.name,
                )
                self._alert_failed(tx, row, key, retrying=True)
            self.changed(row["visit_id"])
            return True
        return False

    def _status_of_printer(self, printer: Printer) -> str:
        try:
            return printer.status().message_key
        except KioskError:
            return ""

    def _printer_named(self, name: str) -> Printer | None:
        for printer in (self.printer, self.fallback, *reversed(self.retired)):
            if printer is not None and printer.name == name:
                return printer
        return None
