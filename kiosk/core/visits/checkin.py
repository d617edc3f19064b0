"""Check-in and check-out: the kiosk's core job (receive → direct → arrange → see off).

Every use case here commits the visit and its outbox event in one transaction and returns at
once; printing, host notification and sync follow from the outbox on their own workers.
Nothing here lists, suggests or autocompletes other visitors: lookups are by exact phone
number or exact code only, and what they return for display is masked.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from kiosk.core.alerts import raise_alert
from kiosk.core.config.clock import Clock, iso, parse_iso
from kiosk.core.config.errors import DeniedError, NotFoundError, ValidationError
from kiosk.core.config.settings import Settings
from kiosk.core.events import (
    InvitationUsed,
    VisitCheckedIn,
    VisitCheckedOut,
    VisitDenied,
    VisitorRecord,
    VisitRecord,
)
from kiosk.core.models import Invitation, InvitationState, Visit, Visitor, VisitState
from kiosk.core.store.database import Transaction, new_id
from kiosk.core.store.records import Records

#: makes the code printed in the badge's QR: (visit_id, site_id, valid_until) -> code
BadgeIssuer = Callable[[str, str, datetime], str]
#: checks a scanned badge code and returns the visit id it proves: (code) -> visit_id
BadgeVerifier = Callable[[str], str]

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def random_badge_code(visit_id: str, site_id: str, valid_until: datetime) -> str:
    """A random code for stand-alone use; signed tokens replace it where configured."""
    return "V" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(11))


def mask_name(name: str) -> str:
    """张伟 → 张*, 欧阳娜娜 → 欧***, Zhang Wei → Z**** W**: enough to recognise, not to read."""
    name = name.strip()
    if not name:
        return ""
    if any(ord(ch) > 0x2E80 for ch in name) and " " not in name:
        return name[0] + "*" * max(1, len(name) - 1)
    return " ".join(w[0] + "*" * max(1, len(w) - 1) for w in name.split())


def mask_text(text: str) -> str:
    text = text.strip()
    if len(text) <= 1:
        return text
    return text[0] + "*" * (len(text) - 1)


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


@dataclass(frozen=True)
class CheckinForm:
    """What the visitor entered. Empty strings for fields left blank."""

    name: str = ""
    phone: str = ""
    company: str = ""
    purpose: str = ""
    host_id: str | None = None
    department_id: str | None = None
    consent: bool = False
    language: str = "zh_CN"
    #: set when a returning visitor confirmed their earlier record
    visitor_id: str | None = None


@dataclass(frozen=True)
class ReturningVisitor:
    """Shown to a visitor who typed their full mobile number: masked, for confirmation."""

    visitor_id: str
    masked_name: str
    masked_company: str
    #: the clear values, used to pre-fill the form; never shown unmasked on screen
    name: str = field(repr=False)
    company: str = field(repr=False)


@dataclass(frozen=True)
class CheckinResult:
    visit: Visit
    visitor: Visitor
    denied: bool = False
    invitation: Invitation | None = None


@dataclass(frozen=True)
class OpenVisit:
    """One open visit, as the check-out picker shows it (no personal data beyond the host)."""

    visit_id: str
    host_id: str | None
    department_id: str | None
    checked_in_at: datetime | None


def validate_phone(phone: str) -> str:
    """Normalised phone, or ValidationError with a catalogue key."""
    from kiosk.core.visits import validation

    return validation.parse_phone(phone).normalised


def validate_form(form: CheckinForm, settings: Settings) -> dict[str, str]:
    """Field name → message key for every problem; empty when the form may be confirmed."""
    from kiosk.core.visits import validation

    required = set(settings.checkin.required_fields)
    problems: dict[str, str] = {}

    def check(name: str, fn: Callable[[str], object], value: str) -> None:
        if not value.strip():
            if name in required:
                problems[name] = f"checkin.required.{name}"
            return
        try:
            fn(value)
        except ValidationError as e:
            problems[name] = e.message_key

    check("name", validation.validate_name, form.name)
    check("phone", validation.parse_phone, form.phone)
    check("company", validation.validate_company, form.company)
    if "purpose" in required and not form.purpose:
        problems["purpose"] = "checkin.required.purpose"
    elif form.purpose and form.purpose not in settings.checkin.purposes:
        problems["purpose"] = "checkin.invalid.purpose"
    if "host" in required and not (form.host_id or form.department_id):
        problems["host"] = "checkin.required.host"
    if not form.consent:
        problems["consent"] = "checkin.required.consent"
    return problems


class CheckinService:
    """Check-in, check-out and the lookups the screens need. Thread-safe (store per thread)."""

    def __init__(
        self,
        *,
        records: Records,
        settings: Settings,
        clock: Clock,
        badge_issuer: BadgeIssuer = random_badge_code,
        badge_verifier: BadgeVerifier | None = None,
    ) -> None:
        self.records = records
        self.store = records.store
        self.settings = settings
        self.clock = clock
        self.badge_issuer = badge_issuer
        self.badge_verifier = badge_verifier

    @property
    def site_id(self) -> str:
        return self.settings.site.id

    @property
    def kiosk_id(self) -> str:
        return self.settings.kiosk.id

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
        phone = validate_phone(form.phone) if form.phone.strip() else ""
        with self.store.transaction() as tx:
            visitor = self._visitor_for(tx, form, phone)
            invitation = self._matching_invitation(phone)
            return self._commit_visit(
                tx,
                visitor=visitor,
                purpose=form.purpose or "other",
                host_id=form.host_id,
                department_id=form.department_id,
                language=form.language,
                invitation=invitation,
            )

    def check_in_invitation(self, code: str, *, language: str = "zh_CN") -> CheckinResult:
        """One tap after a scan: the invited guest is checked in from the invitation."""
        inv = self.find_invitation(code)
        with self.store.transaction() as tx:
            visitor = None
            if inv.phone:
                visitor = self.records.visitor_by_phone(inv.phone)
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

    def _visitor_for(self, tx: Transaction, form: CheckinForm, phone: str) -> Visitor:
        existing = self.records.visitor_by_phone(phone) if phone else None
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
            site_id=self.site_id, name=visitor.name, phone=visitor.phone
        )
        visit_id = new_id()
        denied = watch_id is not None
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
            note="watchlist: pending review" if denied else "",
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
        if watch_id is not None:
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

    # -- check-out ---------------------------------------------------------------------------
    def visit_for_badge(self, code: str) -> Visit:
        """The open visit a scanned badge proves; DeniedError/NotFoundError otherwise."""
        code = code.strip()
        if self.badge_verifier is not None:
            visit_id = self.badge_verifier(code)
            visit = self.records.visit(visit_id)
        else:
            visit = self.records.visit_by_badge(code)
        if visit is None or visit.site_id != self.site_id:
            raise NotFoundError(code, key="checkout.badge_unknown")
        if visit.state is VisitState.CHECKED_OUT:
            raise NotFoundError(code, key="checkout.already_out")
        if visit.state is not VisitState.CHECKED_IN:
            raise NotFoundError(code, key="checkout.badge_unknown")
        return visit

    def check_out_by_badge(self, code: str) -> Visit:
        return self.check_out(self.visit_for_badge(code).id, method="scan")

    def open_visits_for_phone(self, phone: str) -> list[OpenVisit]:
        try:
            normalised = validate_phone(phone)
        except ValidationError:
            return []
        return [
            OpenVisit(v.id, v.host_id, v.department_id, v.checked_in_at)
            for v in self.records.open_visits_by_phone(normalised)
            if v.site_id == self.site_id
        ]

    def check_out(self, visit_id: str, *, method: str = "phone") -> Visit:
        with self.store.transaction() as tx:
            row = tx.execute(
                "SELECT state, site_id FROM visits WHERE id = ?", (visit_id,)
            ).fetchone()
            if row is None or row["site_id"] != self.site_id:
                raise NotFoundError(visit_id, key="checkout.badge_unknown")
            if row["state"] != VisitState.CHECKED_IN:
                raise NotFoundError(visit_id, key="checkout.already_out")
            self._close(tx, visit_id, method=method)
        visit = self.records.visit(visit_id)
        assert visit is not None
        return visit

    def _close(self, tx: Transaction, visit_id: str, *, method: str) -> None:
        now = tx.clock.now()
        auto = method == "auto"
        self.records.set_visit_state(
            tx,
            visit_id,
            VisitState.CHECKED_OUT,
            checked_out_at=now,
            auto=auto,
            note="not signed out" if auto else None,
        )
        tx.emit(
            VisitCheckedOut(
                visit_id=visit_id,
                site_id=self.site_id,
                kiosk_id=self.kiosk_id,
                checked_out_at=now,
                auto=auto,
                method=method,  # type: ignore[arg-type]
            )
        )

    # -- end of day --------------------------------------------------------------------------
    def end_of_day_due(self, last_run: datetime | None) -> bool:
        """True when the configured end-of-day time has passed since ``last_run``."""
        cutoff = self.last_cutoff()
        return last_run is None or last_run < cutoff <= self.clock.now()

    def last_cutoff(self) -> datetime:
        tz = ZoneInfo(self.settings.site.timezone)
        local_now = self.clock.now().astimezone(tz)
        hh, mm = (int(x) for x in self.settings.checkin.end_of_day.split(":"))
        cutoff = datetime.combine(local_now.date(), time(hh, mm), tzinfo=tz)
        if cutoff > local_now:
            cutoff -= timedelta(days=1)
        return cutoff

    def auto_check_out(self) -> list[str]:
        """Close visits opened before the last end-of-day cutoff as "not signed out"."""
        cutoff = self.last_cutoff()
        closed: list[str] = []
        with self.store.transaction() as tx:
            rows = tx.execute(
                "SELECT id FROM visits WHERE state = 'checked_in' AND site_id = ? "
                "AND checked_in_at < ?",
                (self.site_id, iso(cutoff)),
            ).fetchall()
            for row in rows:
                self._close(tx, row["id"], method="auto")
                closed.append(row["id"])
        return closed

    def run_end_of_day_if_due(self) -> list[str]:
        """Close yesterday's open visits once per end of day (call it every minute or so)."""
        last = self.store.get_value("checkin.end_of_day_last")
        last_run = parse_iso(last) if last else None
        if not self.end_of_day_due(last_run):
            return []
        closed = self.auto_check_out()
        self.store.set_value("checkin.end_of_day_last", iso(self.clock.now()))
        return closed

    def not_signed_out(self, *, limit: int = 200) -> list[Visit]:
        """Visits closed automatically, newest first: the receptionist's follow-up list."""
        rows = self.store.query(
            "SELECT id FROM visits WHERE auto_checked_out = 1 AND site_id = ? "
            "ORDER BY checked_out_at DESC LIMIT ?",
            (self.site_id, limit),
        )
        return [v for r in rows if (v := self.records.visit(r["id"])) is not None]


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
