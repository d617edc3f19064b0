"""Check-out by mobile number (scanning the badge works on every screen: kiosk.shell.scanner).

The lookup and the check-out run on the command runner, never on the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty

from kiosk.core.config.clock import site_time
from kiosk.core.config.errors import ValidationError
from kiosk.core.store.records import Records
from kiosk.core.visits.checkin import CheckinService
from kiosk.core.visits.rating import scores
from kiosk.core.visits.validation import parse_phone
from kiosk.screens.base import KioskScreen


@dataclass(frozen=True, slots=True)
class VisitRow:
    """One open visit of the number typed, as the visitor picks it."""

    visit_id: str
    who_zh: str
    who_en: str
    time: str


def open_visit_rows(checkin: CheckinService, records: Records, phone: str) -> list[VisitRow]:
    """The open visits of ``phone`` with their host's names (run it on the command runner)."""
    rows = []
    for v in checkin.open_visits_for_phone(phone):
        host = records.host(v.host_id) if v.host_id else None
        dept = records.department(v.department_id) if v.department_id else None
        named = host or dept
        when = (
            site_time(v.checked_in_at, checkin.settings.site.timezone).strftime("%H:%M")
            if v.checked_in_at
            else ""
        )
        rows.append(
            VisitRow(
                v.visit_id,
                named.name("zh_CN") if named else "",
                named.name("en") if named else "",
                when,
            )
        )
    return rows


class CheckoutScreen(KioskScreen):
    visits = ListProperty([])
    #: kiosk.core.visits.checkin.CheckinService
    checkin = ObjectProperty(None)
    #: kiosk.core.store.records.Records, for the host's name on each row
    records = ObjectProperty(None)

    def on_pre_enter(self, *_: Any) -> None:
        self.reset()

    def on_enter(self, *_: Any) -> None:
        self.ids.field.focus = True

    def back(self) -> None:
        self.shell.home()

    def on_text(self, text: str) -> None:
        self.error_key = ""
        digits = "".join(ch for ch in text if ch.isdigit())
        # a complete mainland mobile number looks itself up, as on check-in: one tap fewer
        if not text.startswith("+") and len(digits) == 11 and digits.startswith("1"):
            Clock.schedule_once(lambda _dt: self._auto_find(text), 0.15)

    def _auto_find(self, text: str) -> None:
        on_screen = self.manager is not None and self.manager.current == self.name
        if on_screen and self.ids.field.text == text and not self.busy:
            self.find()

    def find(self) -> None:
        checkin, records, phone = self.checkin, self.records, self.ids.field.text.strip()
        try:
            parse_phone(phone)
        except ValidationError as e:
            # "123" is not a number that was mistyped at check-in: say what a number looks like
            self.error_key = e.message_key
            return
        self.run(lambda: open_visit_rows(checkin, records, phone), self._found)

    def _found(self, rows: list[VisitRow]) -> None:
        self.visits = rows
        box = self.ids.visits
        box.clear_widgets()
        if not rows:
            self.error_key = "checkout.none_found"
            return
        self.error_key = ""
        if len(rows) == 1:
            self.check_out(rows[0].visit_id)
            return
        lang = self.shell.lang
        for row in rows:
            who = row.who_zh if lang == "zh_CN" else row.who_en
            button = Factory.HostResult(text=self.t("checkout.visit_row", who=who, time=row.time))
            button.visit_id = row.visit_id
            button.bind(on_release=lambda b: self.check_out(b.visit_id))
            box.add_widget(button)

    def check_out(self, visit_id: str) -> None:
        checkin = self.checkin
        self.run(
            lambda: checkin.check_out(visit_id, method="phone"),
            lambda visit: self.shell.screen("goodbye").present(visit.id),
        )

    def reset(self) -> None:
        super().reset()
        self.visits = []
        if "field" in self.ids:
            self.ids.field.text = ""
            self.ids.visits.clear_widgets()


class GoodbyeScreen(KioskScreen):
    """Thank-you after check-out, with the optional one-tap rating (``[checkin] rating``:
    kiosk.core.visits.rating; stored on the command runner, never holding anything up);
    goes home by itself."""

    #: kiosk.core.visits.rating.Ratings
    ratings = ObjectProperty(None, allownone=True)
    #: the visit just checked out ("" when unknown: no rating offered)
    visit_id = StringProperty("")
    #: the scores offered (() when the rating is off or already given)
    scores = ListProperty([])
    rated = BooleanProperty(False)

    def present(self, visit_id: str) -> None:
        """Show the thank-you for ``visit_id`` (check-out by phone or by badge scan)."""
        self.visit_id, self.rated = visit_id, False
        self.shell.go("goodbye")

    def on_pre_enter(self, *_: Any) -> None:
        offered = scores(self.ratings.scale) if self.ratings is not None else ()
        self.scores = list(offered) if self.visit_id and not self.rated else []
        self._fill()

    def _fill(self) -> None:
        box = self.ids.rating
        box.clear_widgets()
        scale = self.ratings.scale if self.ratings is not None else ""
        for score in self.scores:
            key = f"rating.face_{score}" if scale == "faces" else "rating.star"
            button = Factory.KQuiet(text=self.t(key, score=score))
            button.score = score
            button.bind(on_release=lambda b: self.rate(b.score))
            box.add_widget(button)

    def rate(self, score: int) -> None:
        ratings, visit_id = self.ratings, self.visit_id
        self.rated, self.scores = True, []
        self._fill()
        self.run(lambda: ratings.rate(visit_id, score), lambda _news: None)

    def on_language(self, lang: str) -> None:
        if "rating" in self.ids and self.scores:
            self._fill()

    def reset(self) -> None:
        super().reset()
        self.visit_id, self.rated, self.scores = "", False, []

    def on_enter(self, *_: Any) -> None:
        from kivy.clock import Clock

        self._leave = Clock.schedule_once(lambda _dt: self._home(), 8)

    def _home(self) -> None:
        if self.manager is not None and self.manager.current == self.name:
            self.shell.home()

    def on_leave(self, *_: Any) -> None:
        leave = getattr(self, "_leave", None)
        if leave is not None:
            leave.cancel()
