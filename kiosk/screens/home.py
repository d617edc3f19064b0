"""Home: the four things a visitor can do, in big bilingual tiles."""

from __future__ import annotations

from kivy.properties import ObjectProperty

from kiosk.screens.base import KioskScreen


class HomeScreen(KioskScreen):
    #: kiosk.core.visits.flow.CheckinFlow: a new check-in starts from nothing
    flow = ObjectProperty(None)

    def start_checkin(self) -> None:
        self.flow.reset()
        self.go("phone")
