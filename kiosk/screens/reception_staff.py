"""Receptionist mode's staff accounts (admin only): the site's accounts, adding one (name,
role, console language, PIN twice), disabling or enabling one, and resetting a PIN. Each is a
``ConsoleAdmin`` use case on the command runner (argon2 hashing, the audit entry and the
``staff.changed`` event that takes the change to head office and the site's other kiosks)."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import ListProperty, ObjectProperty, OptionProperty, StringProperty

import kiosk.widgets.console_keys  # noqa: F401  (ConsoleKeys)
from kiosk.screens.base import KioskScreen


class ReceptionStaffScreen(KioskScreen):
    goes_home_itself = True  # the console locks itself (kiosk.shell.reception)
    reception = ObjectProperty(None)
    #: kiosk.core.reception.admin.ConsoleAdmin
    admin = ObjectProperty(None)
    ime = ObjectProperty(None, allownone=True)
    #: the handwriting recogniser of that keyboard (None where Zinnia is not installed)
    handwriting = ObjectProperty(None, allownone=True)
    members = ListProperty([])
    #: the account chosen in the list ("" = none)
    chosen = StringProperty("")
    #: what the form does: add an account, or set a new PIN for the chosen one
    mode = OptionProperty("add", options=["add", "reset"])
    role = StringProperty("receptionist")
    #: the new account's console language ("" = the visitor default)
    new_language = StringProperty("")
    done_key = StringProperty("")

    @property
    def staff(self) -> Any:
        session = self.shell.reception.session
        return session.staff if session is not None else None

    def on_pre_enter(self, *_: Any) -> None:
        self.reset()
        if self.staff is None or self.staff.role != "admin":
            self.go("reception_board")
            return
        self.ids.keypad.attach(self.ids.name, "letters")
        self.refresh()

    def refresh(self) -> None:
        staff, admin = self.staff, self.admin
        self.run(lambda: admin.members(staff), self._listed)

    def _listed(self, members: list[Any]) -> None:
        self.members = members
        box = self.ids.rows
        box.clear_widgets()
        for member in members:
            row = Factory.StaffRow()
            row.staff_id = member.id
            role = self.t(f"console.role_{member.role}")
            state = self.t("console.disabled") if member.disabled else ""
            row.text = "   ".join(x for x in (member.name, role, state) if x)
            row.state = "down" if member.id == self.chosen else "normal"
            row.bind(on_release=lambda _r, m=member.id: self.choose(m))
            box.add_widget(row)

    def chosen_member(self) -> Any:
        return next((m for m in self.members if m.id == self.chosen), None)

    def choose(self, staff_id: str) -> None:
        self.chosen = "" if self.chosen == staff_id else staff_id
        self.done_key = ""
        if not self.chosen:
            self.start_add()

    def start_add(self) -> None:
        self.mode = "add"
        self._clear_fields()
        self.ids.keypad.attach(self.ids.name, "letters")

    def start_reset(self) -> None:
        if not self.chosen:
            return
        self.mode = "reset"
        self._clear_fields()
        self.ids.keypad.attach(self.ids.pin, "digits")

    def toggle_disabled(self) -> None:
        member, staff, admin = self.chosen_member(), self.staff, self.admin
        if member is None:
            return
        disable = not member.disabled
        key = "console.staff_disabled" if disable else "console.staff_enabled"
        self.run(lambda: admin.set_disabled(staff, member.id, disable), lambda _r: self._done(key))

    def submit(self) -> None:
        staff, admin = self.staff, self.admin
        pin, again = self.ids.pin.text, self.ids.pin_again.text
        self.ids.pin.text = self.ids.pin_again.text = ""
        if self.mode == "reset":
            member = self.chosen_member()
            if member is None:
                return
            self.run(
                lambda: admin.reset_pin(staff, member.id, pin, again),
                lambda _r: self._done("console.pin_was_reset"),
            )
            return
        name, role, lang = self.ids.name.text, self.role, self.new_language
        self.run(
            lambda: admin.add_staff(staff, name, role, pin, again, lang),
            lambda _m: self._done("console.staff_added"),
        )

    def _done(self, key: str) -> None:
        self.error_key = ""
        self.done_key = key
        if self.mode == "add":
            self.ids.name.text = ""
        self.mode = "add"
        self.refresh()

    def _clear_fields(self) -> None:
        for key in ("name", "pin", "pin_again"):
            if key in self.ids:
                self.ids[key].text = ""
        self.error_key = ""

    def on_language(self, lang: str) -> None:
        if self.members:
            self._listed(self.members)

    def back(self) -> None:
        self.go("reception_settings")

    def reset(self) -> None:
        super().reset()
        self.chosen = self.done_key = ""
        self.mode, self.role, self.new_language = "add", "receptionist", ""
        self.members = []
        self._clear_fields()
        if "rows" in self.ids:
            self.ids.rows.clear_widgets()
