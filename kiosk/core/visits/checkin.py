"""Check-in: the kiosk's core job (receive → direct → arrange → see off); check-out is in
``checkout.py``, the forms and masking in ``forms.py``.

Every use case here commits the visit and its outbox event in one transaction and returns at
once; printing, host notification and sync follow from the outbox on their own workers.
Nothing here lists, suggests or autocompletes other visitors: lookups are by exact phone
number or exact code only, and what they return for display is masked.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Literal

from kiosk.core.alerts import open_alerts, raise_alert
from kiosk.core.config.errors import (
    DeniedError,
    NotFoundError,
    StorageError,
    StorageFullError,
    StorageIOError,
    ValidationError,
)
from kiosk.core.events import (
    InvitationUsed,
    VisitCheckedIn,
    VisitDenied,
    VisitorRecord,
    VisitRecord,
)
from kiosk.core.head_office.staleness import HELD_ALERT_KIND, hold_check_ins
from kiosk.core.masking import mask_name, mask_phone, mask_text
from kiosk.core.models import Invitation, InvitationState, Visit, Visitor, VisitState
from kiosk.core.store import id_numbers
from kiosk.core.store.database import Transaction, new_id
from kiosk.core.visits.checkout import CheckOut
from kiosk.core.visits.forms import (
    BadgeIssuer,
    BadgeVerifier,
    CheckinForm,
    CheckinResult,
    OpenVisit,
    ReturningVisitor,
    random_badge_code,
    validate_form,
    validate_phone,
)
from kiosk.core.visits.id_numbers import validate_id_number

log = logging.getLogger(__name__)

__all__ = [
    "BadgeIssuer",
    "BadgeVerifier",
    "CheckinForm",
    "CheckinResult",
    "CheckinService",
    "OpenVisit",
    "ReturningVisitor",
    "mask_name",
    "mask_phone",
    "mask_text",
    "random_badge_code",
    "validate_form",
    "validate_phone",
    "visit_record",
]


class CheckinService(CheckOut):
    """Check-in, check-out and the lookups the screens need. Thread-safe (store per thread)."""

    # -- lookups -----------------------------------------------------------------------------
    def find_returning(self, phone: str) -> ReturningVisitor | None:
        """The earlier record for this exact mobile number, masked; None if none or invalid."""
        try:
            normalised = validate_phone(phone)
        except ValidationError:
            return None
        visitor = self.records.visitor_by_phone(normalised)
        if visitor is None:
            return None
        if not visitor.phone:  # known from head office's directory: masked, nothing to pre-fill
            return ReturningVisitor(
                visitor_id=visitor.id,
                masked_name=visitor.name,
                masked_company=visitor.company,
                name="",
                company="",
            )
        return ReturningVisitor(
            visitor_id=visitor.id,
            masked_name=mask_name(visitor.name),
            masked_company=mask_text(visitor.company),
            name=visitor.name,
            company=visitor.company,
        )

    def find_invitation(self, code: str) -> Invitation:
        """A pending, currently valid invitation by its code; NotFound/Denied otherwise."""
        inv = self.records.invitation_by_code(code)
        if inv is None or inv.site_id != self.site_id:
            raise NotFoundError(code, key="checkin.invitation_not_found")
        if inv.state is InvitationState.USED:
            raise DeniedError(code, key="checkin.invitation_used")
        if inv.state is InvitationState.CANCELLED:
            raise DeniedError(code, key="checkin.invitation_cancelled")
        now = self.clock.now()
        if inv.valid_until and now > inv.valid_until:
            raise DeniedError(code, key="checkin.invitation_expired")
        if inv.valid_from and now < inv.valid_from - timedelta(hours=2):
            raise DeniedError(code, key="checkin.invitation_not_yet")
        return inv

    # -- check-in ----------------------------------------------------------------------------
    def check_in(self, form: CheckinForm) -> CheckinResult:
        """Validate, screen against the watchlist, and commit the visit with its event."""
        problems = validate_form(form, self.settings)
        if problems:
            field_name, key = next(iter(problems.items()))
            raise ValidationError(field_name, field=field_name, key=key)
        phone = validate_phone(form.phone) if form.phone.strip() and not form.no_phone else ""
        with self._storage_watched(), self.store.transaction() as tx:
            visitor = self._visitor_for(tx, form, phone)
            invitation = self._matching_invitation(phone)
            result = self._commit_visit(
                tx,
                visitor=visitor,
                purpose=form.purpose or "other",
                host_id=form.host_id,
                department_id=form.department_id,
                language=form.language,
                invitation=invitation,
            )
            if form.no_phone and not result.denied:
                self._tell_desk_no_phone(tx, result)
            if self.settings.checkin.id_numbers and form.id_number and form.id_consent:
                id_numbers.record(
                    tx,
                    result.visit.id,
                    validate_id_number(form.id_number),
                    consent_version=self.settings.checkin.consent_version,
                )
            return result

    def _tell_desk_no_phone(self, tx: Transaction, result: CheckinResult) -> None:
        """A visitor without a mobile number: the desk hears of it (in the same transaction),
        since neither a returning record nor a text message can reach them."""
        raise_alert(
            tx,
            "visitor_no_phone",
            severity="info",
            message_key="alert.visitor_no_phone",
            details={"name": result.visitor.name},
            site_id=self.settings.site.id,
            kiosk_id=self.settings.kiosk.id,
            visit_id=result.visit.id,
        )

    def check_in_invitation(self, code: str, *, language: str = "zh_CN") -> CheckinResult:
        """One tap after a scan: the invited guest is checked in from the invitation."""
        inv = self.find_invitation(code)
        with self._storage_watched(), self.store.transaction() as tx:
            visitor = None
            if inv.phone:
                visitor = self.records.visitor_by_phone(inv.phone)
            if visitor is not None and not visitor.phone:  # a masked directory row
                self.records.fill_visitor_phone(tx, visitor.id, inv.phone)
                self.records.update_visitor(
                    tx, visitor.id, name=inv.visitor_name, company=inv.company
                )
                visitor = Visitor(
                    visitor.id, inv.visitor_name, inv.phone, inv.company, visitor.category
                )
            if visitor is None:
                visitor = self.records.add_visitor(
                    tx, name=inv.visitor_name, phone=inv.phone, company=inv.company
                )
            department_id = None
            if inv.host_id:
                host = self.records.host(inv.host_id)
                department_id = host.department_id if host else None
            return self._commit_visit(
                tx,
                visitor=visitor,
                purpose=inv.purpose,
                host_id=inv.host_id,
                department_id=department_id,
                language=language,
                invitation=inv,
            )

    @contextmanager
    def _storage_watched(self) -> Iterator[None]:
        """A check-in the disk refused (full, failing) raises an alert for the desk once,
        then goes on up for the screen's calm message; nothing of the visit was kept."""
        try:
            yield
        except (StorageFullError, StorageIOError) as e:
            self._alert_storage(e)
            raise

    def _alert_storage(self, error: StorageError) -> None:
        kind = "storage_full" if isinstance(error, StorageFullError) else "storage_io"
        try:
            if any(a.kind == kind for a in open_alerts(self.store)):
                return  # the desk already knows
            self.store.release_reserve()  # the room kept for this alert (store/files.py)
            with self.store.transaction() as tx:
                raise_alert(
                    tx,
                    kind,
                    severity="critical",
                    message_key=f"alert.{kind}",
                    details={"detail": str(error)[:500]},
                    site_id=self.site_id,
                    kiosk_id=self.kiosk_id,
                )
        except StorageError as again:
            log.critical("the disk refused a check-in and the alert about it: %s", again)

    def _visitor_for(self, tx: Transaction, form: CheckinForm, phone: str) -> Visitor:
        existing = self.records.visitor_by_phone(phone) if phone else None
        if existing is not None and not existing.phone:
            # known from head office's directory (masked): the visitor's own answers now
            self.records.fill_visitor_phone(tx, existing.id, phone)
            name, company = form.name.strip(), form.company.strip()
            self.records.update_visitor(tx, existing.id, name=name, company=company)
            return Visitor(existing.id, name, phone, company, existing.category)
        if existing is not None:
            name = form.name.strip() or existing.name
            company = form.company.strip() if form.company.strip() else existing.company
            if name != existing.name or company != existing.company:
                self.records.update_visitor(tx, existing.id, name=name, company=company)
            return Visitor(existing.id, name, existing.phone, company, existing.category)
        return self.records.add_visitor(
            tx, name=form.name.strip(), phone=phone, company=form.company.strip()
        )

    def _matching_invitation(self, phone: str) -> Invitation | None:
        """A planned guest who filled in the walk-in form: match, never duplicate."""
        if not phone:
            return None
        now = self.clock.now()
        for inv in self.records.invitations_by_phone(phone):
            if inv.site_id != self.site_id:
                continue
            if inv.valid_until and now > inv.valid_until:
                continue
            if inv.valid_from and now < inv.valid_from - timedelta(hours=2):
                continue
            return inv
        return None

    def _commit_visit(
        self,
        tx: Transaction,
        *,
        visitor: Visitor,
        purpose: str,
        host_id: str | None,
        department_id: str | None,
        language: str,
        invitation: Invitation | None,
    ) -> CheckinResult:
        now = tx.clock.now()
        if host_id and not department_id:
            host = self.records.host(host_id)
            department_id = host.department_id if host else None
        watch_id = self.records.watchlist_match(
            site_id=self.site_id, name=visitor.name, phone=visitor.phone, at=now
        )
        # a watchlist too old to screen with: held for the desk like a match (staleness.py)
        stale = watch_id is None and hold_check_ins(self.store, now, self.settings.head_office)
        visit_id = new_id()
        denied = watch_id is not None or stale
        valid_until = now + timedelta(hours=self.settings.printer.badge_valid_hours)
        visit = Visit(
            id=visit_id,
            site_id=self.site_id,
            visitor_id=visitor.id,
            state=VisitState.DENIED if denied else VisitState.CHECKED_IN,
            purpose=purpose,
            host_id=host_id,
            department_id=department_id,
            kiosk_id=self.kiosk_id,
            badge_code="" if denied else self.badge_issuer(visit_id, self.site_id, valid_until),
            consent_version=self.settings.checkin.consent_version,
            invitation_id=invitation.id if invitation else None,
            created_at=now,
            checked_in_at=None if denied else now,
            note=("watchlist stale: pending review" if stale else "watchlist: pending review")
            if denied
            else "",
        )
        self.records.add_visit(tx, visit)
        record = visit_record(visit)
        person = VisitorRecord(
            id=visitor.id,
            name=visitor.name,
            phone=visitor.phone,
            company=visitor.company,
            category=visitor.category,
        )
        lang: Literal["zh_CN", "en"] = "en" if language == "en" else "zh_CN"
        if stale:
            tx.emit(
                VisitDenied(
                    visit=record,
                    visitor=person,
                    language=lang,
                    watchlist_id=None,
                    held_for="stale_watchlist",
                )
            )
            raise_alert(
                tx,
                HELD_ALERT_KIND,
                severity="warning",
                message_key="alert.watchlist_stale_hold",
                details={"visit_id": visit.id},
                visit_id=visit.id,
                site_id=self.site_id,
                kiosk_id=self.kiosk_id,
            )
        elif watch_id is not None:
            tx.emit(VisitDenied(visit=record, visitor=person, language=lang, watchlist_id=watch_id))
            raise_alert(
                tx,
                "watchlist",
                severity="critical",
                message_key="alert.watchlist",
                details={"visit_id": visit.id, "watchlist_id": watch_id},
                visit_id=visit.id,
                site_id=self.site_id,
                kiosk_id=self.kiosk_id,
            )
        else:
            tx.emit(VisitCheckedIn(visit=record, visitor=person, language=lang))
            if invitation is not None:
                self.records.set_invitation_state(tx, invitation.id, InvitationState.USED)
                tx.emit(
                    InvitationUsed(
                        invitation_id=invitation.id, visit_id=visit.id, site_id=self.site_id
                    )
                )
        return CheckinResult(visit=visit, visitor=visitor, denied=denied, invitation=invitation)


def visit_record(visit: Visit) -> VisitRecord:
    """The visit as check-in events carry it."""
    return VisitRecord(
        id=visit.id,
        site_id=visit.site_id,
        kiosk_id=visit.kiosk_id,
        visitor_id=visit.visitor_id,
        host_id=visit.host_id,
        department_id=visit.department_id,
        state="denied" if visit.state is VisitState.DENIED else "checked_in",
        purpose=visit.purpose,
        badge_code=visit.badge_code,
        consent_version=visit.consent_version,
        invitation_id=visit.invitation_id,
        created_at=visit.created_at,
        checked_in_at=visit.checked_in_at,
    )
