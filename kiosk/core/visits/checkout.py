"""Check-out (by badge scan or by phone) and the end of day's automatic check-out."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from kiosk.core.config.clock import iso, parse_iso
from kiosk.core.config.errors import NotFoundError, ValidationError
from kiosk.core.events import VisitCheckedOut
from kiosk.core.models import Visit, VisitState
from kiosk.core.store.database import Transaction
from kiosk.core.visits.desk import VisitDesk
from kiosk.core.visits.forms import OpenVisit, validate_phone


class CheckOut(VisitDesk):
    """Closing visits; ``CheckinService`` is this plus check-in."""

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
            found = self.records.visit(visit_id)
            if found is None or found.site_id != self.site_id:
                raise NotFoundError(visit_id, key="checkout.badge_unknown")
            if found.state is not VisitState.CHECKED_IN:
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
            for visit_id in self.records.open_visit_ids_before(self.site_id, cutoff):
                self._close(tx, visit_id, method="auto")
                closed.append(visit_id)
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
        return self.records.auto_closed_visits(self.site_id, limit=limit)
