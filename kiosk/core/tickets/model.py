"""A ticket, its timeline, and the status machine every change goes through.

Status runs open → assigned → in progress → resolved → confirmed with the client (or closed
without); a resolved ticket may be reopened (back to in progress); a call that needed nothing
more may be closed straight from open (it was logged). ``step`` refuses anything else, with the
message key ``ticket.status_skip`` and both statuses, so no step is ever skipped.

``fold`` is the one way to read a ticket: the raised record plus its entries in time order
(entry id breaks ties), the same on every kiosk and at head office, so entries arriving in
any order give the same ticket. An entry whose ``seen`` is not the entry before it was written
without seeing that one: it is kept and marked ``concurrent`` (two staff at once), never dropped.
Pure functions; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from kiosk.core.config.clock import parse_iso
from kiosk.core.config.errors import DeniedError

KINDS = ("call", "enquiry", "complaint", "service_request")
PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("open", "assigned", "in_progress", "resolved", "confirmed", "closed")
#: statuses in which a ticket still waits on someone (overdue counts, escalation)
WAITING = ("open", "assigned", "in_progress")
DONE = ("resolved", "confirmed", "closed")

#: action → (statuses it may start from, status it leads to); "" keeps the status
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "assigned": (("open", "assigned"), "assigned"),
    "acknowledged": (("assigned",), "in_progress"),
    "progress": (("in_progress",), ""),
    "resolved": (("in_progress",), "resolved"),
    "reopened": (("resolved",), "in_progress"),
    "confirmed": (("resolved",), "confirmed"),
    "closed": (("resolved",), "closed"),
    "told": (STATUSES, ""),
    "edited": (STATUSES, ""),
    "note": (STATUSES, ""),
    "escalated": (WAITING, ""),
}
#: the fields an edit may change
EDITABLE = ("kind", "category", "subject", "details", "place", "people", "cause", "priority")


def step(kind: str, status: str, action: str) -> str:
    """The status after ``action`` on a ticket of ``kind`` in ``status``; ``DeniedError``
    (``ticket.status_skip``) when the action would skip a step or go back where it may not."""
    if action == "closed" and kind == "call" and status == "open":
        return "closed"
    allowed, after = ACTIONS[action]
    if status not in allowed:
        raise DeniedError(
            f"{action} from {status}",
            key="ticket.status_skip",
            status=status,
            to=after or status,
        )
    return after or status


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a ticket's timeline."""

    id: str
    action: str
    status: str
    by: str
    at: datetime
    note: str = ""
    department_id: str = ""
    person: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    kiosk_id: str = ""
    #: written without seeing the entry before it (another staff member's at the same time)
    concurrent: bool = False


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    number: str
    site_id: str
    kiosk_id: str
    kind: str
    category: str
    subject: str
    details: str
    place: str
    people: str
    cause: str
    client_name: str
    contact: str
    consent: bool
    wait_minutes: int
    priority: str
    department_id: str
    due_at: datetime | None
    source: str
    raised_by: str
    raised_at: datetime
    status: str = "open"
    #: the client's language ("" = the site's default)
    language: str = ""
    person: str = ""
    outcome: str = ""
    told: str = ""
    told_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    escalation: int = 0
    entries: tuple[Entry, ...] = ()

    @property
    def last_entry_id(self) -> str:
        return self.entries[-1].id if self.entries else ""

    @property
    def updated_at(self) -> datetime:
        return self.entries[-1].at if self.entries else self.raised_at

    def overdue(self, now: datetime) -> bool:
        return self.status in WAITING and self.due_at is not None and now > self.due_at


def _time(value: Any) -> datetime | None:
    return None if value in (None, "") else parse_iso(str(value))


def entry_of(payload: dict[str, Any]) -> tuple[Entry, str]:
    """One timeline entry from its payload, and the entry its writer had seen."""
    entry = Entry(
        id=payload["entry_id"],
        action=payload["action"],
        status=payload.get("status", ""),
        by=payload["by"],
        at=parse_iso(payload["at"]),
        note=payload.get("note", ""),
        department_id=payload.get("department_id", ""),
        person=payload.get("person", ""),
        fields=dict(payload.get("fields") or {}),
        kiosk_id=payload.get("kiosk_id", ""),
    )
    return entry, str(payload.get("seen", ""))


def fold(raised: dict[str, Any], entries: list[dict[str, Any]]) -> Ticket:
    """The ticket a ``ticket.raised`` payload and its ``ticket.updated`` payloads make."""
    ticket = Ticket(
        id=raised["ticket_id"],
        number=raised["number"],
        site_id=raised["site_id"],
        kiosk_id=raised.get("kiosk_id", ""),
        kind=raised["ticket_kind"],
        category=raised.get("category", ""),
        subject=raised.get("subject", ""),
        details=raised.get("details", ""),
        place=raised.get("place", ""),
        people=raised.get("people", ""),
        cause=raised.get("cause", ""),
        client_name=raised.get("client_name", ""),
        contact=raised.get("contact", ""),
        consent=bool(raised.get("consent", False)),
        language=raised.get("language", ""),
        wait_minutes=int(raised.get("wait_minutes", 0)),
        priority=raised.get("priority", "normal"),
        department_id=raised.get("department_id", ""),
        due_at=_time(raised.get("due_at")),
        source=raised.get("source", "desk"),
        raised_by=raised.get("by", ""),
        raised_at=parse_iso(raised["raised_at"]),
    )
    ordered = sorted(entries, key=lambda e: (e["at"], e["entry_id"]))
    timeline: list[Entry] = []
    changes: dict[str, Any] = {}
    previous = ""
    for payload in ordered:
        entry, seen = entry_of(payload)
        if previous and seen != previous:
            entry = replace(entry, concurrent=True)
        previous = entry.id
        timeline.append(entry)
        if entry.status:
            changes["status"] = entry.status
        if entry.action == "assigned":
            changes["department_id"] = entry.department_id
            changes["person"] = entry.person
            changes["escalation"] = 0
        if entry.action == "escalated":
            changes["escalation"] = int(entry.fields.get("level", "1") or 1)
        if entry.action in ("acknowledged", "progress", "resolved") and not changes.get(
            "first_response_at"
        ):
            changes["first_response_at"] = entry.at
        if entry.action == "resolved":
            changes["outcome"] = entry.note
            changes.setdefault("resolved_at", entry.at)
        if entry.action == "told":
            changes["told"], changes["told_at"] = entry.note, entry.at
        if entry.action == "edited":
            for name, value in entry.fields.items():
                if name in EDITABLE:
                    changes[name] = value
            if "due_at" in entry.fields:
                changes["due_at"] = _time(entry.fields["due_at"])
    return replace(ticket, entries=tuple(timeline), **changes)
