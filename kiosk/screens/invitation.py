"""Invited guests: typing the code printed on an invitation, then one tap checks them in.

A scan needs no typing at all (kiosk.shell.scanner looks the code up and opens the invitation
screen). Lookups and the check-in run on the command runner; never on the UI thread.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty, StringProperty

from kiosk.core.visits.invitations import InvitationView, look_up_invitation
from kiosk.screens.base import KioskScreen


class InviteCodeScreen(KioskScreen):
    """Typing the code printed on an invitation."""

    checkin = ObjectProperty(None)
    records = ObjectProperty(None)

    def on_enter(self, *_: Any) -> None:
        self.ids.field.focus = True

    def find(self) -> None:
        checkin, records, code = self.checkin, self.records, self.ids.field.text
        self.run(lambda: look_up_invitation(checkin, records, code), self._found)

    def _found(self, view: InvitationView) -> None:
        if view.error_key:
            self.error_key = view.error_key
            return
        self.shell.screen("invitation").present(view)
        self.go("invitation")

    def back(self) -> None:
        self.shell.home()

    def reset(self) -> None:
        super().reset()
        if "field" in self.ids:
            self.ids.field.text = ""


class InvitationScreen(KioskScreen):
    """An invited guest, after a scan or the code: one tap checks them in."""

    code = StringProperty("")
    guest = StringProperty("")
    host_text = StringProperty("")
    checkin = ObjectProperty(None)
    view = ObjectProperty(None, allownone=True)

    def present(self, view: InvitationView) -> None:
        """Show who is expected, or an error line if the code cannot be used."""
        self.view = view
        self.code = view.code
        self.error_key = view.error_key
        self.guest = view.guest
        self.on_language(self.shell.lang)

    def on_language(self, lang: str) -> None:
        view = self.view
        if view is None or not (view.host_zh or view.host_en):
            self.host_text = ""
            return
        host = view.host_zh if lang == "zh_CN" else view.host_en
        self.host_text = self.t("invitation.host", host=host, floor=view.floor, room=view.room)

    def confirm(self) -> None:
        checkin, code, lang = self.checkin, self.code, self.shell.lang
        command = self.shell.progress.opening(
            lambda: checkin.check_in_invitation(code, language=lang), lang
        )
        self.run(command, self.shell.show_result)

    def back(self) -> None:
        self.shell.home()

    def reset(self) -> None:
        super().reset()
        self.view = None
        self.code = self.guest = self.host_text = ""
