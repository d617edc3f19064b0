"""Check-out (by badge scan or by phone) and the end of day's automatic check-out."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from kiosk.core.config.clock import iso, parse_iso
from kiosk.core.config.errors import NotFoundError, ValidationError
from kiosk.core.events import VisitCheckedOut
from kiosk.core.models import Visit, VisitState
from kiosk.core.store.database import Transaction
from kiosk.core.store.early_checkouts import EarlyCheckout
from kiosk.core.store.hlc import Stamp
from kiosk.core.visits.desk import VisitDesk
from kiosk.core.visits.forms import OpenVisit, validate_phone

#: how far past this kiosk's clock a badge check-out's stamp may be moved (``_stamp_after_issue``)
MAX_AHEAD = timedelta(minutes=5)


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
        return self._open(visit, code)

    def _open(self, visit: Visit | None, code: str) -> Visit:
        if visit is None or visit.site_id != self.site_id:
            raise NotFoundError(code, key="checkout.badge_unknown")
        if visit.state is VisitState.CHECKED_OUT:
            raise NotFoundError(code, key="checkout.already_out")
        if visit.state is not VisitState.CHECKED_IN:
            raise NotFoundError(code, key="checkout.badge_unknown")
        return visit

    def check_out_by_badge(self, code: str) -> str:
        """Check out the visit a scanned badge proves; returns its id.

        A genuine badge (signed with the site's key) of a visit this kiosk has no copy of, made
        at another kiosk it has not heard from, is checked out all the same: the check-out is
        kept (``early_checkouts``) and pushed, head office folds it onto the visit, and the
        check-in, when it arrives here, is copied closed.
        """
        code = code.strip()
        if self.badge_verifier is None:
            return self.check_out(self.visit_for_badge(code).id, method="scan").id
        visit_id = self.badge_verifier(code)  # DeniedError for a forged, expired, foreign one
        with self.store.transaction() as tx:
            visit = self.records.visit(visit_id)
            if visit is None:
                self._close_unknown(tx, visit_id, code)
                return visit_id
        return self.check_out(self._open(visit, code).id, method="scan").id

    def _close_unknown(self, tx: Transaction, visit_id: str, code: str) -> None:
        self._stamp_after_issue(code)
        now = tx.clock.now()
        kept = self.records.add_early_checkout(
            tx, EarlyCheckout(visit_id, self.site_id, checked_out_at=now)
        )
        if not kept:
            raise NotFoundError(code, key="checkout.already_out")
        tx.emit(
            VisitCheckedOut(
                visit_id=visit_id,
                site_id=self.site_id,
                kiosk_id=self.kiosk_id,
                checked_out_at=now,
                auto=False,
                method="scan",
            )
        )

    def _stamp_after_issue(self, code: str) -> None:
        """Make this check-out's stamp later than the check-in it closes, which this kiosk never
        observed: the badge was printed at check-in, ``badge_valid_hours`` before it expires.
        A kiosk whose clock is behind the other kiosk's would otherwise stamp the check-out
        before the check-in, and head office would keep the visit open. Never more than
        ``MAX_AHEAD`` past this kiosk's clock (a kiosk that prints longer badges)."""
        from kiosk.core.badges.tokens import peek

        valid = timedelta(hours=self.settings.printer.badge_valid_hours)
        printed = min(peek(code).expires_at - valid, self.clock.now() + MAX_AHEAD)
        ms = int(printed.timestamp() * 1000) + 1000  # a token's expiry is in whole seconds
        self.store.hlc.observe(str(Stamp(ms, 0, "badge")))

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
