"""Receptionist mode's PIN pad (opened only by the hidden gesture: kiosk.shell.reception).

The PIN is checked on the command runner (argon2, about 30 ms per account); a right one opens
the board, a wrong one says so calmly, and while entry is locked the wait is shown. The PIN
typed is cleared after every try and whenever the screen is left.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import DictProperty, ObjectProperty

from kiosk.core.config.errors import KioskError
from kiosk.screens.base import KioskScreen


class ReceptionPinScreen(KioskScreen):
    #: kiosk.core.reception.console.Reception
    reception = ObjectProperty(None)
    #: kiosk.core.reception.admin.ConsoleAdmin: whether the first admin may be made here
    admin = ObjectProperty(None)
    #: the parameters of ``error_key`` (the seconds to wait while locked)
    error_params = DictProperty({})

    def on_pre_enter(self, *_: Any) -> None:
        self.reset()
        staff, admin = self.reception.staff, self.admin

        def look() -> tuple[bool, bool, float]:
            first = admin.first_admin_open() if admin is not None else False
            return staff.has_staff(), first, staff.locked_for()

        self.run(look, self._looked)

    def _looked(self, state: tuple[bool, bool, float]) -> None:
        has_staff, first_admin, wait = state
        if first_admin:  # a stand-alone kiosk's first start: the first admin is made on screen
            self.go("reception_first_admin")
        elif not has_staff:  # enrolled: the accounts come from head office
            self.error_key = "reception.no_staff_enrolled"
        elif wait > 0:
            self._locked(int(wait) + 1)

    def _locked(self, seconds: int) -> None:
        self.error_params = {"seconds": seconds}
        self.error_key = "reception.locked"

    def enter_pin(self) -> None:
        field = self.ids.field
        pin, field.text = field.text.strip(), ""
        if not pin:
            return
        staff = self.reception.staff
        self.run(lambda: staff.enter(pin), self._entered, self._refused)

    def _entered(self, session: Any) -> None:
        self.shell.reception.opened(session)

    def _refused(self, error: KioskError) -> None:
        self.error_params = dict(error.params)
        self.error_key = error.message_key

    def message(self, key: str, params: dict[str, Any], _lang: str) -> str:
        return self.t(key, **params) if key else ""

    def back(self) -> None:
        self.shell.home()

    def reset(self) -> None:
        super().reset()
        self.error_params = {}
        if "field" in self.ids:
            self.ids.field.text = ""
