"""One visit's record at the desk: its details, its corrections, and what the desk may do to it.

A correction (name, company, purpose, host) needs a reason; the original value stays and the
correction shows as an annotation with who made it, when and why (``DeskActions.correct``).
Cancelling needs a reason too (``DeskActions.cancel``). The phone shows masked until "Show
phone", which writes ``personal.revealed`` to the audit log (``Board.reveal_phone``). Reads
and actions run on the command runner, the host search on the background runner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kivy.factory import Factory
from kivy.properties import DictProperty, ObjectProperty, StringProperty

from kiosk.core.config.clock import site_time
from kiosk.core.config.errors import NotFoundError
from kiosk.core.store import id_numbers
from kiosk.core.visits.flow import HostChoice
from kiosk.screens.base import KioskScreen
from kiosk.screens.desk_pickers import fill_hosts, fill_purposes, search_hosts

#: the fields a correction may change, as the screen names them (-> DeskActions.correct's)
FIELDS = {"name": "name", "company": "company", "purpose": "purpose", "host": "host_id"}


@dataclass(frozen=True, slots=True)
class Annotation:
    field: str
    old: str
    new: str
    reason: str
    by: str
    at: datetime | None


@dataclass(frozen=True, slots=True)
class RecordView:
    visit_id: str
    state: str
    name: str
    company: str
    purpose: str
    host: str
    annotations: tuple[Annotation, ...]
    #: the visitor's ID number, masked (``1101**********1234``); '' where none was given
    id_number: str = ""


def record_view(reception: Any, visit_id: str, lang: str) -> RecordView:
    """The visit as it stands and its corrections, names resolved (off the UI thread)."""
    actions = reception.actions
    records = actions.records
    visit = records.visit(visit_id)
    if visit is None:
        raise NotFoundError(visit_id, key="reception.visit_unknown")
    person = records.visitor(visit.visitor_id)
    staff = {m.id: m.name for m in reception.staff.members(include_disabled=True)}

    def host_name(host_id: str) -> str:
        host = records.host(host_id) if host_id else None
        return host.name(lang) if host else host_id

    notes = []
    for row in actions.annotations(visit_id):
        old, new = row["old_value"], row["new_value"]
        if row["field"] == "host_id":
            old, new = host_name(old), host_name(new)
        at = row["at"]
        notes.append(
            Annotation(
                field=row["field"],
                old=old,
                new=new,
                reason=row["reason"],
                by=staff.get(row["by_staff"], row["by_staff"]),
                at=datetime.fromisoformat(at) if isinstance(at, str) else at,
            )
        )
    return RecordView(
        visit_id=visit_id,
        state=str(visit.state.value),
        name=person.name if person else "",
        company=person.company if person else "",
        purpose=visit.purpose,
        host=host_name(visit.host_id or ""),
        annotations=tuple(notes),
        id_number=id_numbers.masked(records.store, visit_id),
    )


class ReceptionRecordScreen(KioskScreen):
    goes_home_itself = True
    reception = ObjectProperty(None)
    search = ObjectProperty(None, allownone=True)
    records = ObjectProperty(None)
    #: the board's line this record was opened from (kiosk.core.reception.board.BoardEntry)
    entry = ObjectProperty(None, allownone=True)
    view = ObjectProperty(None, allownone=True)
    #: the field being corrected (a key of FIELDS)
    field = StringProperty("name")
    #: the purpose or host picked as the new value
    picked = ObjectProperty(None, allownone=True)
    #: the phone as shown: masked, or in full once revealed
    phone = StringProperty("")
    note_key = StringProperty("")
    note_params = DictProperty({})
    error_params = DictProperty({})

    def show(self, entry: Any) -> None:
        """Open the record of the board's ``entry``."""
        self.clear()
        self.entry = entry
        self.phone = entry.phone_masked

    def on_pre_enter(self, *_: Any) -> None:
        if self.entry is not None:
            self.load()
            self.pick_field(self.field)

    def load(self) -> None:
        reception, visit_id, lang = self.reception, self.entry.visit_id, self.shell.lang
        self.run(lambda: record_view(reception, visit_id, lang), self._loaded)

    def _loaded(self, view: RecordView) -> None:
        self.view = view
        box = self.ids.annotations
        box.clear_widgets()
        for note in view.annotations:
            box.add_widget(Factory.AnnotationRow(text=self.annotation_text(note)))

    def annotation_text(self, note: Annotation) -> str:
        field = self.t(f"desk.field_{'host' if note.field == 'host_id' else note.field}")
        old, new = note.old, note.new
        if note.field == "purpose":
            old, new = self.t(f"purpose.{old}") if old else "", self.t(f"purpose.{new}")
        when = (
            site_time(note.at, self.shell.settings.site.timezone).strftime("%m-%d %H:%M")
            if note.at
            else ""
        )
        return self.t(
            "desk.annotation",
            field=field,
            old=old or "—",
            new=new,
            by=note.by,
            at=when,
            reason=note.reason,
        )

    # -- the correction's value ---------------------------------------------------------------
    def pick_field(self, field: str) -> None:
        self.field, self.picked = field, None
        self.ids.value.text = ""
        self.ids.choices.clear_widgets()
        if field == "purpose":
            self._purposes()

    def _purposes(self) -> None:
        fill_purposes(
            self.ids.choices,
            list(self.shell.settings.checkin.purposes),
            chosen=self.picked or "",
            t=self.t,
            pick=self._pick_purpose,
        )

    def _pick_purpose(self, purpose: str) -> None:
        self.picked = purpose
        self._purposes()

    def on_value(self, text: str) -> None:
        if self.field == "host":
            search_hosts("reception-record-hosts", self, text, self._hosts)

    def _hosts(self, results: list[HostChoice]) -> None:
        if self.field != "host":
            return
        fill_hosts(
            self.ids.choices,
            [r for r in results if r.host_id],  # a visit's host is a person
            chosen=self.picked,
            lang=self.shell.lang,
            t=self.t,
            pick=self._pick_host,
        )

    def _pick_host(self, choice: HostChoice) -> None:
        self.picked = choice
        self.on_value(self.ids.value.text)

    def value(self) -> str:
        if self.field == "purpose":
            return self.picked or ""
        if self.field == "host":
            return self.picked.host_id if self.picked else ""
        return self.ids.value.text.strip()

    # -- actions ------------------------------------------------------------------------------
    def _staff(self) -> Any:
        session = self.shell.reception.session
        return session.staff if session is not None and self.entry is not None else None

    def correct(self) -> None:
        staff = self._staff()
        if staff is None:
            return
        actions, visit_id = self.reception.actions, self.entry.visit_id
        field, value, reason = FIELDS[self.field], self.value(), self.ids.reason.text
        self._start()
        self.run(
            lambda: actions.correct(staff, visit_id, field, value, reason),
            lambda _r: self._corrected(),
        )

    def _corrected(self) -> None:
        self.note_key = "desk.corrected"
        self.ids.reason.text = ""
        self.pick_field(self.field)
        self.load()

    def cancel_visit(self) -> None:
        staff = self._staff()
        if staff is None:
            return
        actions, visit_id, reason = (
            self.reception.actions,
            self.entry.visit_id,
            self.ids.reason.text,
        )
        name = self.entry.name
        self._start()

        def done(_r: Any) -> None:
            self.shell.screen("reception_board").note("desk.cancelled", name=name)
            self.back()

        self.run(lambda: actions.cancel(staff, visit_id, reason), done)

    def reveal(self) -> None:
        staff = self._staff()
        if staff is None:
            return
        board, visit_id = self.reception.board, self.entry.visit_id
        self._start()
        self.run(lambda: board.reveal_phone(staff.actor, visit_id), self._revealed)

    def _revealed(self, phone: str) -> None:
        self.phone = phone or "—"

    def _start(self) -> None:
        self.error_key, self.note_key, self.error_params = "", "", {}

    def show_error(self, error: Any) -> None:
        self.error_params = dict(error.params)
        self.error_key = error.message_key

    def message(self, key: str, params: dict[str, Any], _lang: str) -> str:
        return self.t(key, **params) if key else ""

    def back(self) -> None:
        self.go("reception_board")

    def clear(self) -> None:
        self.entry = self.view = self.picked = None
        self.field, self.phone = "name", ""
        self.note_key, self.error_key, self.error_params = "", "", {}
        if "reason" in self.ids:
            self.ids.reason.text = self.ids.value.text = ""
            self.ids.annotations.clear_widgets()
            self.ids.choices.clear_widgets()

    def reset(self) -> None:
        super().reset()
        self.clear()
