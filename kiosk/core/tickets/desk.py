"""The desk's ticket use cases: each change is one timeline entry, its ``ticket.updated`` event
and an audit entry, in one transaction.

``raise_ticket`` (desk, call log, a visitor's Help screen) validates and stores what was said
and gives it a number a visitor can look up; ``act`` moves it along the status machine
(``model.step``: no skipped steps) or adds a note / what the client was told; ``edit`` changes
fields (a priority or kind change moves the due time). Every write names the entry the writer
last saw (``seen``): a status change from a ticket someone else moved meanwhile is refused
(``ticket.changed_meanwhile``, the screen reloads), a note or edit is kept and shows in the
timeline next to the other one. ``lookup`` is the visitor's: a number gives the status only.

Call these off the UI thread. Must never: change or remove an entry; give a lookup anything
but status.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kiosk.core.config.clock import iso
from kiosk.core.config.errors import DeniedError, NotFoundError, ValidationError
from kiosk.core.config.settings import Settings
from kiosk.core.events import TicketRaised, TicketUpdated
from kiosk.core.reception import audit
from kiosk.core.store import tickets as table
from kiosk.core.store.database import Store, Transaction, new_id
from kiosk.core.store.records import Records
from kiosk.core.tickets import text
from kiosk.core.tickets.categories import categories, due_at, due_table, site_categories
from kiosk.core.tickets.model import ACTIONS, EDITABLE, KINDS, PRIORITIES, Ticket, fold, step

#: who raises a ticket on the Help screen (audit actor; no person is named)
VISITOR = audit.Actor("visitor")
#: what the desk does to a ticket that is not an edit
DESK_ACTIONS = tuple(a for a in ACTIONS if a not in ("edited", "escalated"))
#: called in the transaction of each new entry (routing: the department's message)
Listener = Callable[[Transaction, Ticket, TicketUpdated], None]


@dataclass(frozen=True, slots=True)
class TicketForm:
    kind: str
    subject: str = ""
    details: str = ""
    category: str = ""
    place: str = ""
    people: str = ""
    cause: str = ""
    client_name: str = ""
    contact: str = ""
    consent: bool = False
    #: the client's language ("zh_CN", "en"; "" = the site's default)
    language: str = ""
    wait_minutes: int = 0
    priority: str = "normal"
    department_id: str = ""
    source: str = "desk"


@dataclass(frozen=True, slots=True)
class TicketStatus:
    """All a lookup by number shows: no names, no contact, no text."""

    number: str
    status: str
    kind: str
    updated_at: datetime


class TicketDesk:
    def __init__(
        self, *, store: Store, records: Records, settings: Settings, site_id: str, kiosk_id: str
    ) -> None:
        self.store = store
        self.records = records
        self.settings = settings
        self.site_id = site_id
        self.kiosk_id = kiosk_id
        categories(settings.tickets)  # a malformed [tickets] categories stops the start
        #: head office's for the site, else the settings' (``refresh_categories``)
        self.categories = site_categories(store, settings.tickets)
        self.due = due_table(settings.tickets)
        self.listeners: list[Listener] = []
        #: the overdue escalation worker (``overdue.OverdueWatch``), set by the wiring
        self.overdue: Any = None
        #: the Help screen's FAQ (``faq.load_faq``), set by the wiring
        self.faq: tuple[Any, ...] = ()

    def refresh_categories(self) -> None:
        """Take up head office's categories after a pull brought ``site.settings``."""
        self.categories = site_categories(self.store, self.settings.tickets)

    # -- reading ------------------------------------------------------------------------------
    def ticket(self, ticket_id: str) -> Ticket:
        raised = table.raised_of(self.store, ticket_id)
        if raised is None or raised["site_id"] != self.site_id:
            raise NotFoundError(ticket_id, key="ticket.unknown")
        return fold(raised, table.entries_of(self.store, ticket_id))

    def tickets(
        self,
        *,
        kind: str = "",
        status: tuple[str, ...] = (),
        department_id: str = "",
        overdue: bool = False,
        limit: int = 200,
    ) -> list[Ticket]:
        """The console's list, newest first, with its filters."""
        now = iso(self.store.clock.now()) if overdue else ""
        rows = table.rows(
            self.store,
            kind=kind,
            status=status,
            department_id=department_id,
            overdue_at=now,
            limit=limit,
        )
        return [self.ticket(r["id"]) for r in rows if r["site_id"] == self.site_id]

    def lookup(self, number: str) -> TicketStatus | None:
        """A visitor's look-up: the status of the ticket with this number, nothing else."""
        number = (number or "").strip()
        if len(number) != 8 or not number.isdigit():
            raise ValidationError("not a ticket number", field="number", key="ticket.bad_number")
        found = [self.ticket(i) for i in table.ids_by_number(self.store, number)]
        found = [t for t in found if t.site_id == self.site_id]
        if not found:
            return None
        newest = max(found, key=lambda t: t.raised_at)
        return TicketStatus(newest.number, newest.status, newest.kind, newest.updated_at)

    # -- raising ------------------------------------------------------------------------------
    def _form(self, form: TicketForm) -> dict[str, Any]:
        if form.kind not in KINDS:
            raise ValidationError(form.kind, field="kind", key="ticket.bad_kind")
        if form.priority not in PRIORITIES:
            raise ValidationError(form.priority, field="priority", key="ticket.bad_priority")
        details = text.block(form.details, field="details")
        subject = text.line(form.subject, field="subject")
        if not subject:
            subject = text.line(details.split("\n", 1)[0][:200], field="subject")
        if not subject:
            raise ValidationError("nothing was said", field="subject", key="ticket.text_required")
        category = form.category.strip()
        known = {c.key: c for c in self.categories}
        if category and category not in known:
            raise ValidationError(category, field="category", key="ticket.bad_category")
        department = form.department_id.strip() or (
            known[category].department_id if category else ""
        )
        if department and self.records.department(department) is None:
            raise NotFoundError(department, key="ticket.department_unknown")
        if not 0 <= form.wait_minutes <= 10080:
            raise ValidationError("wait", field="wait_minutes", key="ticket.bad_wait")
        contact = text.line(form.contact, field="contact")
        return {
            "ticket_kind": form.kind,
            "category": category,
            "subject": subject,
            "details": details,
            "place": text.line(form.place, field="place"),
            "people": text.line(form.people, field="people", limit=text.LONG_LINE_MAX),
            "cause": text.line(form.cause, field="cause", limit=text.LONG_LINE_MAX),
            "client_name": text.line(form.client_name, field="client_name"),
            "contact": contact,
            "consent": bool(form.consent and contact),
            "language": form.language if form.language in ("zh_CN", "en") else "",
            "wait_minutes": form.wait_minutes,
            "priority": form.priority,
            "department_id": department,
            "source": form.source,
        }

    def raise_ticket(self, actor: audit.Actor, form: TicketForm) -> Ticket:
        """A new ticket; assigned at once (and its department told) when it names one."""
        values = self._form(form)
        with self.store.transaction() as tx:
            now = tx.clock.now()
            number = self._new_number(tx)
            event = TicketRaised(
                ticket_id=new_id(),
                number=number,
                site_id=self.site_id,
                kiosk_id=self.kiosk_id,
                due_at=due_at(self.due, form.kind, form.priority, now),
                by=actor.id,
                raised_at=now,
                **{**values, "department_id": ""},
            )
            table.add_ticket(tx, event.payload())
            tx.emit(event)
            self._audit(tx, actor, "ticket.raised", event.ticket_id, kind=form.kind)
            ticket = self._refresh(tx, event.ticket_id)
            if values["department_id"]:
                ticket = self._entry(
                    tx, actor, ticket, "assigned", department_id=values["department_id"]
                )
        return ticket

    def _new_number(self, tx: Transaction) -> str:
        for _ in range(50):
            number = f"{secrets.randbelow(10**8):08d}"
            if not table.number_taken(tx, number):
                return number
        raise DeniedError("no free ticket number", key="ticket.no_number")  # pragma: no cover

    # -- changing -----------------------------------------------------------------------------
    def act(
        self,
        actor: audit.Actor,
        ticket_id: str,
        action: str,
        *,
        seen: str,
        note: str = "",
        department_id: str = "",
        person: str = "",
        send: bool = False,
    ) -> Ticket:
        """One step (assigned, acknowledged, progress, resolved, reopened, confirmed, closed) or
        a note / what the client was told (``told``; ``send``: also by e-mail when the client left
        an address and agreed); ``seen``: the last entry the screen showed."""
        if action not in DESK_ACTIONS:
            raise ValidationError(action, field="action", key="ticket.bad_action")
        note = text.block(note, field="note")
        if action in ("told", "note", "progress", "resolved") and not note:
            raise ValidationError("say what", field="note", key="ticket.note_required")
        known = bool(department_id) and self.records.department(department_id) is not None
        if action == "assigned" and not known:
            raise NotFoundError(department_id, key="ticket.department_unknown")
        with self.store.transaction() as tx:
            ticket = self.ticket(ticket_id)
            return self._entry(
                tx,
                actor,
                ticket,
                action,
                seen=seen,
                note=note,
                department_id=department_id,
                person=text.line(person, field="person"),
                fields={"send": "yes"} if send and action == "told" else None,
            )

    def edit(self, actor: audit.Actor, ticket_id: str, *, seen: str, **fields: Any) -> Ticket:
        """Change fields (``EDITABLE``); the timeline keeps the entry, and a concurrent one."""
        unknown = set(fields) - set(EDITABLE)
        if unknown:
            raise ValidationError(sorted(unknown)[0], field="fields", key="ticket.bad_field")
        with self.store.transaction() as tx:
            ticket = self.ticket(ticket_id)
            merged = {k: getattr(ticket, k) for k in EDITABLE} | fields
            form = TicketForm(
                **{k: merged[k] for k in EDITABLE},
                client_name=ticket.client_name,
                contact=ticket.contact,
                consent=ticket.consent,
                department_id=ticket.department_id,
            )
            values = self._form(form)
            values["kind"] = values.pop("ticket_kind")
            changed = {k: str(values[k])[:500] for k in fields if values[k] != getattr(ticket, k)}
            if not changed:
                return ticket
            if "kind" in changed or "priority" in changed:
                due = due_at(self.due, values["kind"], values["priority"], ticket.raised_at)
                changed["due_at"] = iso(due)
            return self._entry(tx, actor, ticket, "edited", seen=seen, fields=changed)

    def escalate(self, tx: Transaction, ticket: Ticket, level: int, note: str) -> Ticket:
        """Record an overdue ticket's escalation (the overdue worker's)."""
        return self._entry(
            tx, audit.SYSTEM, ticket, "escalated", fields={"level": str(level)}, note=note
        )

    def _entry(
        self,
        tx: Transaction,
        actor: audit.Actor,
        ticket: Ticket,
        action: str,
        *,
        seen: str | None = None,
        note: str = "",
        department_id: str = "",
        person: str = "",
        fields: dict[str, str] | None = None,
    ) -> Ticket:
        last = ticket.last_entry_id
        seen = last if seen is None else seen
        try:
            after = step(ticket.kind, ticket.status, action)
        except DeniedError:
            if seen != last:
                raise DeniedError(
                    f"{ticket.id} changed meanwhile", key="ticket.changed_meanwhile"
                ) from None
            raise
        event = TicketUpdated(
            entry_id=new_id(),
            ticket_id=ticket.id,
            site_id=self.site_id,
            kiosk_id=self.kiosk_id,
            action=action,  # type: ignore[arg-type]
            status=after if after != ticket.status or action == "assigned" else "",  # type: ignore[arg-type]
            department_id=department_id,
            person=person,
            note=note,
            fields=fields or {},
            seen=seen,
            by=actor.id,
            # after every entry this kiosk has seen, also within one clock tick
            at=max(tx.clock.now(), ticket.updated_at + timedelta(microseconds=1)),
        )
        table.add_entry(tx, event.payload())
        tx.emit(event)
        self._audit(
            tx,
            actor,
            f"ticket.{action}",
            ticket.id,
            fields=",".join(sorted(fields or {}))[:200],
            status=after,
        )
        updated = self._refresh(tx, ticket.id)
        for listener in self.listeners:
            listener(tx, updated, event)
        return updated

    def _refresh(self, tx: Transaction, ticket_id: str) -> Ticket:
        ticket = self.ticket(ticket_id)
        refresh_row(tx, ticket)
        return ticket

    def _audit(
        self,
        tx: Transaction,
        actor: audit.Actor,
        action: str,
        ticket_id: str,
        *,
        fields: str = "",
        **details: str,
    ) -> None:
        audit.record(
            tx,
            actor,
            action,
            site_id=self.site_id,
            kiosk_id=self.kiosk_id,
            subject_kind="ticket",
            subject_id=ticket_id,
            fields=fields,
            details=details,
        )


def refresh_row(tx: Transaction, ticket: Ticket) -> None:
    """Write a folded ticket's state onto its row (the list's filters read the row)."""
    table.set_state(
        tx,
        ticket.id,
        kind=ticket.kind,
        status=ticket.status,
        department_id=ticket.department_id,
        priority=ticket.priority,
        due_at=None if ticket.due_at is None else iso(ticket.due_at),
        updated_at=iso(ticket.updated_at),
        escalation=ticket.escalation,
    )
