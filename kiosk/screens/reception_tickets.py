"""Receptionist mode's tickets (kiosk.core.tickets), three screens:

- ``reception_calls``: the call log, quick while on the phone: what was asked (one line, the
  pinyin keyboard or a physical one), optionally who and how to reach them, the wait the
  caller was told and the department it goes to; Save logs it and clears for the next call;
- ``reception_tickets``: every ticket of the site, filtered by kind, status, department and
  overdue, the newest first, what each waits on;
- ``reception_tickets_detail``: one ticket with its timeline (both of two staff's edits), the
  steps open to it now, assigning, "tell the client" (recorded; also mailed when the client
  left an address and agreed) and turning a call into an enquiry or a request.

Contacts are masked on screen. Use cases run on the command runner.
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import (
    BooleanProperty,
    DictProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)

import kiosk.widgets.console_keys  # noqa: F401  (ConsoleKeys)
from kiosk.core.config.clock import site_time
from kiosk.core.config.errors import KioskError
from kiosk.core.masking import mask_name, mask_phone, mask_text
from kiosk.core.tickets.desk import TicketForm
from kiosk.core.tickets.model import ACTIONS, DONE, WAITING, Ticket
from kiosk.screens.base import KioskScreen

#: the waits a caller is told most often (minutes)
WAITS = (0, 5, 15, 30)
#: the steps the detail screen offers, in this order (``told`` and ``assigned`` have their own)
STEP_BUTTONS = ("acknowledged", "progress", "resolved", "reopened", "confirmed", "closed")


def masked_contact(contact: str) -> str:
    if "@" in contact:
        user, _, host = contact.partition("@")
        return f"{mask_text(user)}@{host}"
    return mask_phone(contact) if any(c.isdigit() for c in contact) else mask_text(contact)


class _Console(KioskScreen):
    goes_home_itself = True
    #: kiosk.core.tickets.desk.TicketDesk
    tickets = ObjectProperty(None, allownone=True)
    #: kiosk.core.reception.console.Reception (staff names for the timeline)
    reception = ObjectProperty(None, allownone=True)
    ime = ObjectProperty(None, allownone=True)
    handwriting = ObjectProperty(None, allownone=True)
    error_params = DictProperty({})
    note_key = StringProperty("")
    note_params = DictProperty({})

    def actor(self) -> Any:
        session = self.shell.reception.session
        return None if session is None else session.staff.actor

    def message(self, key: str, params: dict[str, Any], _lang: str) -> str:
        return self.t(key, **params) if key else ""

    def show_error(self, error: KioskError) -> None:
        self.error_key, self.error_params = error.message_key, dict(error.params)
        self.note_key = ""

    #: the site's departments, read with each screen's data (never on the UI thread)
    known: dict[str, Any] = {}

    def read_departments(self) -> dict[str, Any]:
        """The site's departments by id (call it inside a command)."""
        records, site_id = self.tickets.records, self.shell.settings.site.id
        return {d.id: d for d in records.departments(site_id)}

    def department_name(self, department_id: str) -> str:
        d = self.known.get(department_id)
        return d.name(self.shell.lang) if d else department_id

    def _fill_departments(self, box: Any, chosen: str, pick: Any) -> None:
        box.clear_widgets()
        for d in self.known.values():
            button = Factory.TicketChoice(text=d.name(self.shell.lang))
            button.key = d.id
            button.state = "down" if d.id == chosen else "normal"
            button.bind(on_release=lambda b: pick(b.key if b.state == "down" else ""))
            box.add_widget(button)

    def back(self) -> None:
        self.go("reception_board")


class ReceptionCallsScreen(_Console):
    wait = NumericProperty(0)
    department = StringProperty("")

    def on_pre_enter(self, *_: Any) -> None:
        self.run(self.read_departments, self._departments_read)

    def _departments_read(self, known: dict[str, Any]) -> None:
        self.known = known
        self._fill_departments(self.ids.departments, self.department, self.pick_department)

    def pick_department(self, department_id: str) -> None:
        self.department = department_id
        for b in self.ids.departments.children:
            b.state = "down" if b.key == department_id else "normal"

    def save(self) -> None:
        actor = self.actor()
        if actor is None:
            return
        form = TicketForm(
            kind="call",
            subject=self.ids.asked.text,
            client_name=self.ids.caller.text,
            contact=self.ids.contact.text,
            wait_minutes=int(self.wait),
            department_id=self.department,
            source="call",
        )
        desk = self.tickets
        self.run(lambda: desk.raise_ticket(actor, form), self._saved)

    def _saved(self, ticket: Ticket) -> None:
        self.error_key = ""
        self.note_key, self.note_params = "tickets.call_logged", {"number": ticket.number}
        self.clear()

    def clear(self) -> None:
        for name in ("asked", "caller", "contact"):
            self.ids[name].text = ""
        self.wait, self.department = 0, ""
        self.pick_department("")

    def reset(self) -> None:
        super().reset()
        self.note_key = ""
        if "asked" in self.ids:
            self.clear()


class ReceptionTicketsScreen(_Console):
    kind = StringProperty("")
    status = StringProperty("waiting")
    overdue = BooleanProperty(False)
    department = StringProperty("")
    shown = ListProperty([])

    def on_pre_enter(self, *_: Any) -> None:
        self.refresh()

    def filter(self, **changes: Any) -> None:
        for name, value in changes.items():
            setattr(self, name, value)
        self.refresh()

    def refresh(self) -> None:
        desk = self.tickets
        statuses = {"waiting": WAITING, "done": DONE}.get(self.status, ())
        kind, department, overdue = self.kind, self.department, self.overdue

        def read() -> list[Ticket]:
            self.known = self.read_departments()
            return list(
                desk.tickets(kind=kind, status=statuses, department_id=department, overdue=overdue)
            )

        self.run(read, self._show)

    def row_text(self, t: Ticket) -> str:
        zone = self.shell.settings.site.timezone
        when = site_time(t.raised_at, zone).strftime("%m-%d %H:%M")
        late = t.overdue(self.shell.clock.now())
        return self.t(
            "tickets.row",
            number=t.number,
            when=when,
            kind=self.t(f"ticket.kind.{t.kind}"),
            status=self.t(f"ticket.status.{t.status}"),
            waits=self._waits_on(t),
            subject=t.subject,
            late=self.t("tickets.overdue_mark") if late else "",
        )

    def _waits_on(self, t: Ticket) -> str:
        if t.status in DONE:
            return ""
        if not t.department_id:
            return self.t("tickets.with_desk")
        return self.department_name(t.department_id)

    def _show(self, found: list[Ticket]) -> None:
        self.shown = found
        box = self.ids.rows
        box.clear_widgets()
        for t in found:
            row = Factory.TicketRow(text=self.row_text(t))
            row.ticket_id = t.id
            row.bind(on_release=lambda r: self.open(r.ticket_id))
            box.add_widget(row)

    def open(self, ticket_id: str) -> None:
        detail = self.shell.screen("reception_tickets_detail")
        detail.show(ticket_id)
        self.go("reception_tickets_detail")

    def on_language(self, lang: str) -> None:
        if self.shown:
            self._show(self.shown)


class ReceptionTicketDetailScreen(_Console):
    ticket = ObjectProperty(None, allownone=True)
    department = StringProperty("")
    send = BooleanProperty(False)

    def show(self, ticket_id: str) -> None:
        self._id = ticket_id
        self.ticket = None

    def on_pre_enter(self, *_: Any) -> None:
        self.load()

    def load(self) -> None:
        desk, ticket_id = self.tickets, getattr(self, "_id", "")
        staff = self.reception.staff if self.reception is not None else None

        def read() -> Ticket:
            self.known = self.read_departments()
            if staff is not None:
                self._names = {m.id: m.name for m in staff.members(include_disabled=True)}
            return desk.ticket(ticket_id)

        if ticket_id:
            self.run(read, self._loaded)

    def _loaded(self, ticket: Ticket) -> None:
        self.ticket = ticket
        self.department = ticket.department_id
        self._fill_departments(self.ids.departments, self.department, self.pick_department)
        self._fill_steps(ticket)
        self._fill_timeline(ticket)

    def can_send(self) -> bool:
        t = self.ticket
        return bool(t and t.consent and "@" in t.contact)

    def facts(self) -> str:
        t = self.ticket
        if t is None:
            return ""
        zone = self.shell.settings.site.timezone
        due = site_time(t.due_at, zone).strftime("%m-%d %H:%M") if t.due_at else "—"
        return self.t(
            "tickets.facts",
            client=mask_name(t.client_name) or "—",
            contact=masked_contact(t.contact) or "—",
            place=t.place or "—",
            priority=self.t(f"ticket.priority.{t.priority}"),
            due=due,
            wait=t.wait_minutes,
        )

    def pick_department(self, department_id: str) -> None:
        self.department = department_id
        for b in self.ids.departments.children:
            b.state = "down" if b.key == department_id else "normal"

    def _fill_steps(self, t: Ticket) -> None:
        box = self.ids.steps
        box.clear_widgets()
        offered = [a for a in STEP_BUTTONS if t.status in ACTIONS[a][0]]
        if t.kind == "call" and t.status == "open":
            offered.append("closed")
        for action in offered:
            button = Factory.DeskAction(text=self.t(f"tickets.do.{action}"))
            button.bind(on_release=lambda _b, a=action: self.act(a))
            box.add_widget(button)
        if t.kind == "call":
            for kind in ("enquiry", "service_request", "complaint"):
                button = Factory.DeskAction(text=self.t(f"tickets.make.{kind}"))
                button.bind(on_release=lambda _b, k=kind: self.make(k))
                box.add_widget(button)

    def _fill_timeline(self, t: Ticket) -> None:
        box = self.ids.timeline
        box.clear_widgets()
        zone = self.shell.settings.site.timezone
        for e in reversed(t.entries):
            text = self.t(
                "tickets.entry",
                when=site_time(e.at, zone).strftime("%m-%d %H:%M"),
                action=self.t(f"tickets.action.{e.action}"),
                by=self._who(e.by),
                note=e.note or ", ".join(f"{k}: {v}" for k, v in e.fields.items()),
            )
            if e.concurrent:
                text += "  " + self.t("tickets.concurrent")
            box.add_widget(Factory.TimelineRow(text=text))

    def _who(self, by: str) -> str:
        if by.startswith("department:"):
            return self.department_name(by.partition(":")[2])
        if by in ("visitor", "system"):
            return self.t(f"tickets.by.{by}")
        return str(getattr(self, "_names", {}).get(by, by))

    def _done(self, ticket: Ticket) -> None:
        self.error_key = ""
        self.ids.note.text = ""
        self.send = False
        self._loaded(ticket)

    def act(self, action: str) -> None:
        actor, t = self.actor(), self.ticket
        if actor is None or t is None:
            return
        desk, note, seen = self.tickets, self.ids.note.text, t.last_entry_id
        self.run(lambda: desk.act(actor, t.id, action, seen=seen, note=note), self._done)

    def assign(self) -> None:
        actor, t = self.actor(), self.ticket
        if actor is None or t is None:
            return
        desk, department, seen = self.tickets, self.department, t.last_entry_id
        note = self.ids.note.text
        self.run(
            lambda: desk.act(
                actor, t.id, "assigned", seen=seen, department_id=department, note=note
            ),
            self._done,
        )

    def tell(self) -> None:
        actor, t = self.actor(), self.ticket
        if actor is None or t is None:
            return
        desk, note, seen, send = self.tickets, self.ids.note.text, t.last_entry_id, self.send
        self.run(lambda: desk.act(actor, t.id, "told", seen=seen, note=note, send=send), self._done)

    def make(self, kind: str) -> None:
        actor, t = self.actor(), self.ticket
        if actor is None or t is None:
            return
        desk, seen = self.tickets, t.last_entry_id
        self.run(lambda: desk.edit(actor, t.id, seen=seen, kind=kind), self._done)

    def back(self) -> None:
        self.go("reception_tickets")

    def on_language(self, lang: str) -> None:
        if self.ticket is not None:
            self._loaded(self.ticket)

    def reset(self) -> None:
        super().reset()
        self.ticket = None
