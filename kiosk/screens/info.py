"""Help, and the directions screen until the directions feature provides its own."""

from __future__ import annotations

from kiosk.screens.base import KioskScreen


class HelpScreen(KioskScreen):
    def back(self) -> None:
        self.shell.home()


class PlaceholderDirectionsScreen(KioskScreen):
    def back(self) -> None:
        self.shell.home()
