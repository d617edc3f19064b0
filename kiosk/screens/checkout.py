"""Check-out by mobile number (scanning the badge works on every screen, see the app)."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import ListProperty, StringProperty

from kiosk.core.config.errors import KioskError
from kiosk.screens.base import KioskScreen


class CheckoutScreen(KioskScreen):
    error_key = StringProperty("")
    visits = ListProperty([])

    def on_pre_enter(self, *_: Any) -> None:
        self.reset()

    def on_enter(self, *_: Any) -> None:
        self.ids.field.focus = True

    def back(self) -> None:
        self.shell.home()

    def find(self) -> None:
        phone = self.ids.field.text.strip()
        self.visits = self.services.checkin.open_visits_for_phone(phone)
        box = self.ids.visits
        box.clear_widgets()
        if not self.visits:
            self.error_key = "checkout.none_found"
            return
        self.error_key = ""
        if len(self.visits) == 1:
            self.check_out(self.visits[0].visit_id)
            return
        records, lang = self.services.records, self.shell.lang
        for v in self.visits:
            host = records.host(v.host_id) if v.host_id else None
            dept = records.department(v.department_id) if v.department_id else None
            who = host.name(lang) if host else (dept.name(lang) if dept else "")
            when = v.checked_in_at.astimezone().strftime("%H:%M") if v.checked_in_at else ""
            button = Factory.HostResult(text=self.t("checkout.visit_row", who=who, time=when))
            button.visit_id = v.visit_id
            button.bind(on_release=lambda b: self.check_out(b.visit_id))
            box.add_widget(button)

    def check_out(self, visit_id: str) -> None:
        try:
            self.services.checkin.check_out(visit_id, method="phone")
        except KioskError as e:
            self.error_key = e.message_key
            return
        self.shell.go("goodbye")

    def reset(self) -> None:
        self.error_key = ""
        self.visits = []
        if "field" in self.ids:
            self.ids.field.text = ""
            self.ids.visits.clear_widgets()


class GoodbyeScreen(KioskScreen):
    """Thank-you after check-out; goes home by itself."""

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
