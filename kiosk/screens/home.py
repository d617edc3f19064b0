"""Home: check in first and largest, then the three other things a visitor can do, and where
the scanner is for an invitation or a badge."""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty, OptionProperty

from kiosk.screens.base import KioskScreen


class HomeScreen(KioskScreen):
    #: kiosk.core.visits.flow.CheckinFlow: a new check-in starts from nothing
    flow = ObjectProperty(None)
    #: where the QR scanner sits, from ``[kiosk] scanner_position``: the hint points there
    scanner_position = OptionProperty("below", options=("below", "left", "right"))

    def on_pre_enter(self, *_: Any) -> None:
        position = self.shell.settings.kiosk.scanner_position if self.shell else "below"
        self.scanner_position = position if position in ("left", "right") else "below"

    def spoken_keys(self) -> tuple[str, ...]:
        return ("home.welcome", "home.prompt")

    def start_checkin(self) -> None:
        self.flow.reset()
        self.go("phone")
