"""Emergency mode in the shell: switching every screen to the instructions, pausing check-in.

When the site's emergency starts (on this kiosk, on a peer, or found on start after a restart)
the kiosk shows the instructions screen; while it lasts only check-out (the badge scan and the
check-out screens) and receptionist mode are open, every other screen leads back to the
instructions; when it ends the kiosk goes home. The mode's listener runs on whatever thread
changed it (the peer link's): it only pulls a Kivy trigger.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock

from kiosk.shell.reception import CONSOLE, CONSOLE_ENTRY

INSTRUCTIONS = "emergency_instructions"
CONSOLE_SCREEN = "emergency_rollcall"
#: what stays open while an emergency is under way
OPEN_DURING = frozenset(
    {INSTRUCTIONS, CONSOLE_SCREEN, "checkout", "goodbye", *CONSOLE, *CONSOLE_ENTRY}
)


class EmergencyShell:
    def __init__(self, app: Any) -> None:
        self.app = app
        self._trigger = Clock.create_trigger(self._follow)
        self.wire()

    def wire(self) -> None:
        """Follow the mode ``app.services`` holds now (at start, and after a rewire)."""
        mode = self.mode = getattr(self.app.services.emergency, "mode", None)
        self.active = mode.active if mode is not None else False
        if mode is not None:
            mode.on_change(lambda incident: self._changed(mode, incident is not None))

    def start(self) -> None:
        if self.active:  # restarted during an emergency: straight back to the instructions
            self._trigger()

    def stop(self) -> None:
        self._trigger.cancel()

    def _changed(self, mode: Any, active: bool) -> None:
        if mode is not self.mode:
            return  # a mode replaced since (a rewire)
        self.active = active
        self._trigger()

    def _follow(self, _dt: float) -> None:
        current = self.app.manager.current
        if self.active:
            if current not in OPEN_DURING:
                self.app.home()  # forgets a half-typed check-in, then shows the instructions
            elif current == INSTRUCTIONS:
                self.app.screen(INSTRUCTIONS).refresh()
        elif current == INSTRUCTIONS:
            self.app.home()

    def route(self, name: str) -> str:
        """The screen to show for ``name`` now: the instructions instead of a check-in screen."""
        return name if not self.active or name in OPEN_DURING else INSTRUCTIONS
