"""Print-job bookkeeping: the states a badge goes through, what the done screen is told, and
the failure rule (retry with back-off while attempts remain, tell the receptionist once).

Job states::

    queued ──► printing ──► printed
       ▲          │
       └─ retry ◄─┴──► failed   (retried with exponential back-off while attempts remain;
                                 the receptionist can ``reprint``)

Must never: talk to a printer or render (``hand_over.py`` does), or open a transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.core.events import BadgeFailed
from kiosk.core.printing.test_badge import is_test
from kiosk.core.store import print_jobs
from kiosk.core.store.database import Store, Transaction
from kiosk.core.workers.retry import RetryPolicy

CONSUMER = "printer"
KINDS: tuple[str, ...] = ("visit.checked_in",)

QUEUED = "queued"
PRINTING = "printing"
PRINTED = "printed"
FAILED = "failed"
NONE = "none"

MSG_PRINTING = "badge.status.printing"
MSG_PRINTED = "badge.status.printed"
MSG_AT_RECEPTION = "badge.status.at_reception"
INTERRUPTED = "badge.printer.interrupted"


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


def status_for(store: Store, visit_id: str) -> JobStatus:
    """Where this visitor's badge is (the newest copy). Never blocks on a printer."""
    row = print_jobs.newest_for_visit(store, visit_id)
    if row is None:
        if print_jobs.check_in_waiting(store, visit_id, store.position(CONSUMER)):
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


def fail(
    tx: Transaction,
    row,
    *,
    key: str,
    detail: str,
    retry: RetryPolicy | None,
    printer: str,
    now: datetime,
) -> None:
    """Mark a job failed; ``retry`` None: never again on our own (it may have come out).

    The receptionist hears of it once when a badge first fails, and again when we give up.
    """
    if is_test(row["visit_id"]):  # a test print is tried once and told to no one
        print_jobs.mark_failed(tx, row["id"], key=key, detail=detail, retry_at=None, now=now)
        return
    attempts = int(row["attempts"])
    retry_at = retry.retry_at(now, attempts) if retry is not None else None
    print_jobs.mark_failed(tx, row["id"], key=key, detail=detail, retry_at=retry_at, now=now)
    if not row["reported"] or retry_at is None:
        emit_failed(tx, row, key=key, detail=detail, retrying=retry_at is not None, printer=printer)


def emit_failed(
    tx: Transaction, row, *, key: str, detail: str, retrying: bool, printer: str
) -> None:
    if is_test(row["visit_id"]):
        return  # head office has no visit for a test print
    tx.emit(
        BadgeFailed(
            visit_id=row["visit_id"],
            job_id=row["id"],
            copy_number=row["copy"],
            printer=row["printer"] or printer,
            error_key=key,
            error=detail[:500],
            attempts=row["attempts"],
            retrying=retrying,
        )
    )


def reprint(tx: Transaction, visit_id: str, now: datetime) -> None:
    """Queue another copy; idempotent while one is on its way (queued or printing)."""
    row = print_jobs.newest_for_visit(tx, visit_id)
    if row is None:
        print_jobs.add(tx, visit_id=visit_id, copy=0, language="zh_CN", event_uuid="", now=now)
    elif row["state"] == FAILED:
        print_jobs.requeue(tx, row["id"], now)
    elif row["state"] == PRINTED:
        print_jobs.add(
            tx,
            visit_id=visit_id,
            copy=row["copy"] + 1,
            language=row["language"],
            event_uuid="",
            now=now,
        )
