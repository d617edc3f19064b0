"""What the desk does, one use case each: its rows, typed event and audit entry in one
transaction, so head office learns of every action and nothing happens unrecorded.

A check-in on a visitor's behalf is the visitor's own check-in (``CheckinService.check_in``:
the same ``visit.checked_in`` event, so the print queue and the notifier act exactly as for a
self check-in) plus an audit entry naming the staff member. A held visit approved gets its
badge code and the same ``visit.checked_in``; a denial is recorded with its reason; whichever
decision is recorded first stands (``visit_decisions``' primary key). A reprint goes through
the print queue's ``reprint`` and is recorded only when it queued a copy: the caller passes
the copy number it showed (``seen_copy``), so a second tap on an already reprinted badge
prints nothing more. A correction updates the record and keeps the value it replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from kiosk.core.alerts import Alert, acknowledge_alert, open_alerts
from kiosk.core.config.errors import DeniedError, NotFoundError, ValidationError
from kiosk.core.events import (
    BadgeReprinted,
    VisitAnnotated,
    VisitCancelled,
    VisitCheckedIn,
    VisitDecided,
    VisitorRecord,
)
from kiosk.core.models import Visit, VisitState
from kiosk.core.reception import audit
from kiosk.core.reception.staff import StaffMember
from kiosk.core.store import reception as table
from kiosk.core.store.database import Transaction, new_id
from kiosk.core.visits.checkin import CheckinForm, CheckinResult, CheckinService, visit_record

CORRECTABLE = ("name", "company", "purpose", "host_id")


@dataclass(frozen=True, slots=True)
class ReprintResult:
    """``queued``: a copy was asked for now; else one was already on its way or done."""

    queued: bool
    copy: int
    state: str


class DeskActions:
    """The board's actions. Call them off the UI thread (they hash nothing, but write)."""

    def __init__(self, *, checkin: CheckinService, print_queue: Any) -> None:
        self.checkin = checkin
        self.records = checkin.records
        self.store = checkin.store
        self.print_queue = print_queue

    @property
    def site_id(self) -> str:
        return self.checkin.site_id

    @property
    def kiosk_id(self) -> str:
        return self.checkin.kiosk_id

    def _audit(self, tx: Transaction, staff: StaffMember, action: str, **kw: Any) -> None:
        audit.record(tx, staff.actor, action, site_id=self.site_id, kiosk_id=self.kiosk_id, **kw)

    def _visit(self, visit_id: str) -> Visit:
        visit = self.records.visit(visit_id)
        if visit is None or visit.site_id != self.site_id:
            raise NotFoundError(visit_id, key="reception.visit_unknown")
        return visit

    @staticmethod
    def _reason(reason: str) -> str:
        text = reason.strip()
        if not text:
            raise ValidationError(
                "a reason is needed", field="reason", key="reception.reason_required"
            )
        return text[:500]

    # -- visits -------------------------------------------------------------------------------
    def check_in_for(self, staff: StaffMember, form: CheckinForm) -> CheckinResult:
        """Check a visitor in on their behalf: validated and screened as a self check-in."""
        with self.store.transaction() as tx:
            result = self.checkin.check_in(form)
            self._audit(
                tx,
                staff,
                "visit.checked_in_for",
                subject_kind="visit",
                subject_id=result.visit.id,
                details={"denied": str(result.denied).lower()},
            )
        return result

    def check_out(self, staff: StaffMember, visit_id: str) -> Visit:
        with self.store.transaction() as tx:
            visit = self.checkin.check_out(visit_id, method="reception")
            self._audit(tx, staff, "visit.checked_out", subject_kind="visit", subject_id=visit_id)
        return visit

    def cancel(self, staff: StaffMember, visit_id: str, reason: str) -> None:
        """Cancel a visit recorded by mistake, or a held one (it leaves the held list)."""
        reason = self._reason(reason)
        with self.store.transaction() as tx:
            visit = self._visit(visit_id)
            if visit.state not in (VisitState.CHECKED_IN, VisitState.DENIED, VisitState.EXPECTED):
                raise DeniedError(visit_id, key="reception.cannot_cancel")
            now = tx.clock.now()
            self.records.set_visit_state(tx, visit_id, VisitState.CANCELLED, note=reason)
            tx.emit(
                VisitCancelled(
                    visit_id=visit_id,
                    site_id=self.site_id,
                    kiosk_id=self.kiosk_id,
                    reason=reason,
                    by=staff.id,
                    cancelled_at=now,
                )
            )
            self._audit(
                tx,
                staff,
                "visit.cancelled",
                subject_kind="visit",
                subject_id=visit_id,
                reason=reason,
            )

    def correct(
        self, staff: StaffMember, visit_id: str, field: str, value: str, reason: str
    ) -> None:
        """Correct one field (name, company, purpose, host); the old value is annotated."""
        if field not in CORRECTABLE:
            raise ValidationError(field, field="field", key="reception.field_unknown")
        reason = self._reason(reason)
        value = value.strip()
        if not value or len(value) > 200:
            raise ValidationError(field, field="value", key="reception.value_required")
        with self.store.transaction() as tx:
            visit = self._visit(visit_id)
            person = self.records.visitor(visit.visitor_id)
            assert person is not None
            if field == "name":
                old = person.name
                self.records.update_visitor(
                    tx, person.id, name=value, company=person.company, category=person.category
                )
            elif field == "company":
                old = person.company
                self.records.update_visitor(
                    tx, person.id, name=person.name, company=value, category=person.category
                )
            elif field == "purpose":
                old = visit.purpose
                table.correct_visit(tx, visit_id, purpose=value)
            else:
                host = self.records.host(value)
                if host is None or host.site_id != self.site_id:
                    raise NotFoundError(value, key="reception.host_unknown")
                old = visit.host_id or ""
                table.correct_visit(tx, visit_id, host_id=host.id, department_id=host.department_id)
            if old == value:
                return
            now = tx.clock.now()
            event = VisitAnnotated(
                annotation_id=new_id(),
                visit_id=visit_id,
                site_id=self.site_id,
                kiosk_id=self.kiosk_id,
                field=field,  # type: ignore[arg-type]
                old_value=old[:200],
                new_value=value,
                reason=reason,
                by=staff.id,
                at=now,
            )
            table.add_annotation(
                tx,
                annotation_id=event.annotation_id,
                visit_id=visit_id,
                field=field,
                old_value=event.old_value,
                new_value=value,
                reason=reason,
                by=staff.id,
                at=now,
            )
            tx.emit(event)
            self._audit(
                tx,
                staff,
                "visit.corrected",
                subject_kind="visit",
                subject_id=visit_id,
                fields=field,
                reason=reason,
            )

    def annotations(self, visit_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in table.annotations_of(self.store, visit_id)]

    # -- held visits --------------------------------------------------------------------------
    def approve(
        self, staff: StaffMember, visit_id: str, reason: str, *, language: str = ""
    ) -> Visit:
        """Let a held visitor in: badge and host message exactly as for a self check-in."""
        reason = self._reason(reason)
        with self.store.transaction() as tx:
            visit = self._decide(tx, staff, visit_id, "approved", reason)
            now = tx.clock.now()
            valid_until = now + timedelta(hours=self.checkin.settings.printer.badge_valid_hours)
            code = self.checkin.badge_issuer(visit_id, self.site_id, valid_until)
            table.admit(tx, visit_id, badge_code=code, at=now, note=f"approved: {reason}"[:500])
            admitted = self._visit(visit_id)
            person = self.records.visitor(visit.visitor_id)
            assert person is not None
            lang = language or self.checkin.settings.kiosk.default_language
            tx.emit(
                VisitCheckedIn(
                    visit=visit_record(admitted),
                    visitor=VisitorRecord(
                        id=person.id,
                        name=person.name,
                        phone=person.phone,
                        company=person.company,
                        category=person.category,
                    ),
                    language="en" if lang == "en" else "zh_CN",
                )
            )
        return self._visit(visit_id)

    def deny(self, staff: StaffMember, visit_id: str, reason: str) -> None:
        reason = self._reason(reason)
        with self.store.transaction() as tx:
            self._decide(tx, staff, visit_id, "denied", reason)
            self.records.set_visit_state(
                tx, visit_id, VisitState.DENIED, note=f"denied: {reason}"[:500]
            )

    def _decide(
        self, tx: Transaction, staff: StaffMember, visit_id: str, decision: str, reason: str
    ) -> Visit:
        visit = self._visit(visit_id)
        now = tx.clock.now()
        if visit.state is not VisitState.DENIED or not table.decide(
            tx,
            visit_id=visit_id,
            decision=decision,
            reason=reason,
            by=staff.id,
            kiosk_id=self.kiosk_id,
            at=now,
        ):
            earlier = table.decision(self.store, visit_id)
            raise DeniedError(
                visit_id,
                key="reception.already_decided",
                decision=earlier["decision"] if earlier else str(visit.state),
            )
        uuid = tx.emit(
            VisitDecided(
                visit_id=visit_id,
                site_id=self.site_id,
                kiosk_id=self.kiosk_id,
                decision=decision,  # type: ignore[arg-type]
                reason=reason,
                by=staff.id,
                decided_at=now,
            )
        )
        table.stamp_decision(tx, visit_id, uuid)  # another kiosk's earlier decision replaces it
        self._audit(
            tx, staff, f"visit.{decision}", subject_kind="visit", subject_id=visit_id, reason=reason
        )
        return visit

    # -- badges -------------------------------------------------------------------------------
    def reprint(self, staff: StaffMember, visit_id: str, *, seen_copy: int) -> ReprintResult:
        """Another copy of the badge, once: ``seen_copy`` is the copy the screen showed."""
        visit = self._visit(visit_id)
        if visit.state is not VisitState.CHECKED_IN:
            raise DeniedError(visit_id, key="reception.not_on_site")
        queue = self.print_queue
        with self.store.transaction() as tx:
            before = queue.status_for(visit_id)
            if before.copy != seen_copy:
                return ReprintResult(False, before.copy, before.state)
            after = queue.reprint(visit_id)
            queued = (after.copy, after.state) != (before.copy, before.state)
            if queued:
                now = tx.clock.now()
                event = BadgeReprinted(
                    reprint_id=new_id(),
                    visit_id=visit_id,
                    site_id=self.site_id,
                    kiosk_id=self.kiosk_id,
                    copy_number=after.copy,
                    by=staff.id,
                    requested_at=now,
                )
                table.add_reprint(
                    tx,
                    reprint_id=event.reprint_id,
                    visit_id=visit_id,
                    copy=after.copy,
                    by=staff.id,
                    at=now,
                )
                tx.emit(event)
                self._audit(
                    tx,
                    staff,
                    "badge.reprinted",
                    subject_kind="visit",
                    subject_id=visit_id,
                    details={"copy": str(after.copy)},
                )
        return ReprintResult(queued, after.copy, after.state)

    # -- alerts -------------------------------------------------------------------------------
    def alerts(self) -> list[Alert]:
        return open_alerts(self.store)

    def acknowledge(self, staff: StaffMember, alert_id: str) -> Alert:
        with self.store.transaction() as tx:
            alert = acknowledge_alert(tx, alert_id, staff.id, kiosk_id=self.kiosk_id)
            self._audit(tx, staff, "alert.acknowledged", subject_kind="alert", subject_id=alert_id)
        return alert
