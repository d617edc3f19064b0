"""Receptionist mode's emergency console: a supervisor starts or ends it; everyone marks.

Not under way: the kinds, a drill switch and "start" (the signed-in staff member must be a
supervisor or admin: ``EmergencyMode.start`` refuses others). Under way: the roll call (each
line: name, host, where, status, "accounted for" / "missing"; those still to find first:
missing, then not yet marked), its counts, "print the roll call" and "end" with a reason. After
one, the last incident's record: a supervisor's note, and the record saved as a PDF. Every
use case runs on the command runner; the list refills in place (``widgets.reuse``) and follows
changes from peers.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

import kiosk.widgets.qrview  # noqa: F401  (registers QrCode)
from kiosk.core.config.clock import site_time
from kiosk.core.emergency.review import duration_text
from kiosk.core.emergency.roster import Line, RollCall
from kiosk.core.emergency.timeline import Incident
from kiosk.screens.base import KioskScreen
from kiosk.widgets.reuse import refill

#: the most lines drawn at once (those still to find come first; the printout has every one)
LINES_SHOWN = 200
#: the order lines are shown in: who is still to be found first
_ORDER = {"missing": 0, "unknown": 1, "accounted": 2, "left": 3}


class EmergencyConsoleScreen(KioskScreen):
    goes_home_itself = True
    #: kiosk.core.emergency.wiring.Emergency
    emergency = ObjectProperty(None)
    active = BooleanProperty(False)
    drill = BooleanProperty(True)
    kind = StringProperty("fire")
    counts_text = StringProperty("")
    #: the warden link for the QR code (phones mark the roll call); empty without the page
    warden_link = StringProperty("")
    #: the last incident's summary (none under way), for its note and PDF
    last_text = StringProperty("")
    show_last = BooleanProperty(False)

    _last: Incident | None = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._call: RollCall | None = None
        self._refresh = Clock.create_trigger(lambda _dt: self.refresh())

    def on_emergency(self, _screen: Any, emergency: Any) -> None:
        if emergency is not None:
            emergency.mode.on_change(lambda _incident: self._refresh())

    def on_pre_enter(self, *_: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        emergency, staff = self.emergency, self._staff()
        by = staff.id if staff is not None else ""

        def read() -> tuple[bool, RollCall, str]:
            link = emergency.warden_link(by=by) if by else ""
            return emergency.mode.active, emergency.mode.roll_call(), link

        self.run(read, self._show)

    def _show(self, found: tuple[bool, RollCall, str]) -> None:
        self.active, self._call, self.warden_link = found
        self._show_last(self.emergency.mode.latest())
        c = self._call.counts()
        text = self.t("emergency.rollcall.counts", total=len(self._call.lines), **c)
        after = self._call.all_accounted_after(self.emergency.mode.latest())
        if after is not None:
            minutes, seconds = divmod(int(after), 60)
            text += "  " + self.t("emergency.all_accounted", minutes=minutes, seconds=seconds)
        self.counts_text = text
        lines = sorted(self._call.lines, key=lambda line: _ORDER[line.status])
        refill(self.ids.lines, lines[:LINES_SHOWN], Factory.RollCallRow, self._row)

    def _row(self, row: Any, _i: int, line: Line) -> None:
        p = line.person
        row.person_id = p.person_id
        row.name = (
            p.name if p.kind == "visitor" else f"{p.name} ({self.t('emergency.rollcall.staff')})"
        )
        row.detail = "  ".join(x for x in (p.company, p.host, p.where) if x)
        row.status = line.status
        row.status_text = self.t(f"emergency.status.{line.status}")
        if not getattr(row, "_bound", False):
            row.ids.accounted.bind(on_release=lambda _b, r=row: self.mark(r.person_id, "accounted"))
            row.ids.missing.bind(on_release=lambda _b, r=row: self.mark(r.person_id, "missing"))
            row._bound = True

    def _staff(self) -> Any:
        session = self.shell.reception.session
        return session.staff if session is not None else None

    def start(self) -> None:
        staff, mode, kind, drill = self._staff(), self.emergency.mode, self.kind, self.drill
        if staff is None:
            return
        self.run(
            lambda: mode.start(by=staff.id, role=staff.role, emergency=kind, drill=drill),
            lambda _incident: self.refresh(),
        )

    def end(self) -> None:
        staff, mode, reason = self._staff(), self.emergency.mode, self.ids.reason.text
        if staff is None:
            return
        self.run(
            lambda: mode.end(by=staff.id, role=staff.role, reason=reason),
            lambda _none: self._ended(),
        )

    def _ended(self) -> None:
        self.ids.reason.text = ""
        self.refresh()

    def mark(self, person_id: str, status: str) -> None:
        staff, mode = self._staff(), self.emergency.mode
        if staff is None:
            return
        self.run(
            lambda: mode.mark(by=staff.id, person_id=person_id, status=status),
            lambda _none: self.refresh(),
        )

    def send_names(self) -> None:
        """The names of those still to find to the desk's and security's channels."""
        staff, mode = self._staff(), self.emergency.mode
        if staff is None:
            return
        self.run(lambda: mode.send_names(by=staff.id), lambda _count: self.refresh())

    def print_roll_call(self) -> None:
        emergency = self.emergency
        self.run(lambda: emergency.print_roll_call(), lambda _outcome: self.refresh())

    def _show_last(self, incident: Incident | None) -> None:
        self._last = incident if incident is not None and not incident.active else None
        self.show_last = self._last is not None
        if self._last is None:
            self.last_text = ""
            return
        i, zone = self._last, self.shell.settings.site.timezone
        assert i.ended_at is not None
        self.last_text = self.t(
            "incident.console_last",
            kind=self.t(f"emergency.kind.{i.emergency}"),
            time=site_time(i.started_at, zone).strftime("%m-%d %H:%M"),
            duration=duration_text((i.ended_at - i.started_at).total_seconds()),
            notes=len(i.notes),
        )

    def add_note(self) -> None:
        staff, mode, last, text = self._staff(), self.emergency.mode, self._last, self.ids.note.text
        if staff is None or last is None:
            return
        self.run(
            lambda: mode.note(by=staff.id, role=staff.role, incident_id=last.id, text=text),
            lambda _none: self._noted(),
        )

    def _noted(self) -> None:
        self.ids.note.text = ""
        self.refresh()

    def save_record(self) -> None:
        staff, emergency, last = self._staff(), self.emergency, self._last
        if staff is None or last is None:
            return
        self.run(
            lambda: emergency.save_record(last.id, actor=staff.actor),
            lambda path: self.shell.show_message("incident.saved", path=path),
        )

    def on_language(self, lang: str) -> None:
        if self._call is not None:
            self._show((self.active, self._call, self.warden_link))

    def back(self) -> None:
        self.go("reception_board")
