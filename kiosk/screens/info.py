"""Help: what to do, in the visitor's language, and where to ask."""

from __future__ import annotations

from kiosk.screens.base import KioskScreen


class HelpScreen(KioskScreen):
    def back(self) -> None:
        self.shell.home()
