"""Scanner routing: a USB/HID scanner types a code in a burst and presses Enter, on any screen.

An invitation code opens the invitation screen (one tap checks the guest in); a badge code checks
the visitor out. Told from a person typing by the gaps between characters
(kiosk.core.visits.scanner.ScanDetector). The lookup and the check-out run on the command
runner; what the scan typed into a focused field is taken out again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window

from kiosk.core.config.errors import KioskError
from kiosk.core.store.records import Records
from kiosk.core.visits.checkin import CheckinService
from kiosk.core.visits.invitations import InvitationView, look_up_invitation
from kiosk.core.visits.scanner import ScanDetector

ENTER_KEYS = (13, 271)


@dataclass(frozen=True, slots=True)
class CheckedOut:
    """A badge scan's outcome: the visit is checked out."""

    visit_id: str


def route_scan(checkin: CheckinService, records: Records, code: str) -> InvitationView | CheckedOut:
    """What ``code`` is and its effect: an invitation to show, or a visit checked out."""
    if records.invitation_by_code(code) is not None:
        return look_up_invitation(checkin, records, code)
    return CheckedOut(checkin.check_out_by_badge(code))


class ScannerRouting:
    def __init__(self, shell: Any, *, checkin: CheckinService, records: Records, commands: Any):
        self.shell = shell
        self.checkin = checkin
        self.records = records
        self.commands = commands
        self.detector = ScanDetector()

    def start(self) -> None:
        Window.bind(on_textinput=self._on_textinput, on_key_down=self._on_key_down)

    def stop(self) -> None:
        Window.unbind(on_textinput=self._on_textinput, on_key_down=self._on_key_down)

    def reset(self) -> None:
        self.detector.reset()

    def _on_textinput(self, _window: Any, text: str) -> None:
        self.detector.feed(text, self.shell.clock.monotonic())

    def _on_key_down(self, _window: Any, key: int, _scancode: Any, _text: Any, _modifiers: Any):
        if key in ENTER_KEYS:
            code = self.detector.enter(self.shell.clock.monotonic())
            if code:
                Clock.schedule_once(lambda _dt: self.handle_scan(code), 0)
                return True
        return False

    def handle_scan(self, code: str) -> None:
        """A scanner burst on any screen: an invitation checks in, a badge checks out."""
        self._strip_scan_from_focused_field(code)
        checkin, records = self.checkin, self.records
        self.commands.submit(lambda: route_scan(checkin, records, code), self._routed, self._failed)

    def _routed(self, outcome: InvitationView | CheckedOut) -> None:
        if isinstance(outcome, CheckedOut):
            self.shell.screen("goodbye").present(outcome.visit_id)
            return
        self.shell.screen("invitation").present(outcome)
        self.shell.go("invitation")

    def _failed(self, error: KioskError) -> None:
        self.shell.show_message(error.message_key)

    def _strip_scan_from_focused_field(self, code: str) -> None:
        """A scan typed into whatever field had focus: take those characters out again."""
        for screen in self.shell.screens():
            field = screen.ids.get("field")
            if field is None or not field.focus:
                continue
            typed = field.input_filter(code, False) if callable(field.input_filter) else code
            if typed and field.text.endswith(typed):
                field.text = field.text[: -len(typed)]
