"""First start: the site has no staff account, so opening receptionist mode asks for the
first admin's name and PIN (twice, 6+ digits) on screen. ``ConsoleAdmin.first_admin`` (on the
command runner: argon2) refuses once any account exists, so this screen can never add a second
admin without a PIN; then the console opens, signed in as that admin."""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty

import kiosk.widgets.console_keys  # noqa: F401  (ConsoleKeys)
from kiosk.core.config.errors import KioskError
from kiosk.screens.base import KioskScreen


class ReceptionFirstAdminScreen(KioskScreen):
    #: kiosk.core.reception.console.Reception
    reception = ObjectProperty(None)
    #: kiosk.core.reception.admin.ConsoleAdmin
    admin = ObjectProperty(None)
    #: the input method of the name's keyboard
    ime = ObjectProperty(None, allownone=True)
    #: the handwriting recogniser of that keyboard (None where Zinnia is not installed)
    handwriting = ObjectProperty(None, allownone=True)

    def on_pre_enter(self, *_: Any) -> None:
        self.reset()
        self.ids.keypad.attach(self.ids.name, "letters")

    def create(self) -> None:
        name, pin, again = self.ids.name.text, self.ids.pin.text, self.ids.pin_again.text
        self.ids.pin.text = self.ids.pin_again.text = ""
        admin = self.admin
        self.run(lambda: admin.first_admin(name, pin, again), self._created, self._refused)

    def _created(self, session: Any) -> None:
        self.ids.name.text = ""
        self.shell.reception.opened(session)

    def _refused(self, error: KioskError) -> None:
        self.error_key = error.message_key
        if error.message_key == "console.has_staff":
            self.go("reception_pin")

    def back(self) -> None:
        self.shell.home()

    def reset(self) -> None:
        super().reset()
        for key in ("name", "pin", "pin_again"):
            if key in self.ids:
                self.ids[key].text = ""
