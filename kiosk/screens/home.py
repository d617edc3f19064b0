"""Home: the four things a visitor can do, in big bilingual tiles."""

from __future__ import annotations

from kiosk.screens.base import KioskScreen


class HomeScreen(KioskScreen):
    def start_checkin(self) -> None:
        self.services.flow.reset()
        self.go("phone")
