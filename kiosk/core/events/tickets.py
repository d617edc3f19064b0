"""Events of the front desk's tickets (``kiosk.core.tickets``): calls, enquiries, complaints and
service requests.

A ticket is one ``ticket.raised`` (what was asked, by whom, for which department) followed by
``ticket.updated`` entries, one per change (assigned, acknowledged, progress, resolved, client
told, confirmed, closed, edited, escalated). Entries are never replaced: a ticket's state is
the fold of its entries in time order (``kiosk.core.tickets.model.fold``), the same on every
kiosk and at head office, so two staff editing one ticket both show in its timeline.

Both kinds travel both ways: a kiosk pushes its own; head office folds them and feeds them to
the site's other kiosks; a department's answer through its signed link is a ``ticket.updated``
head office writes itself (``by`` = ``department:<id>``).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from kiosk.core.events.base import Event, Id, IdOrEmpty, Text64, Text200, Text500, Time

TicketKind = Literal["call", "enquiry", "complaint", "service_request"]
Priority = Literal["low", "normal", "high", "urgent"]
Status = Literal["open", "assigned", "in_progress", "resolved", "confirmed", "closed"]
Action = Literal[
    "assigned",
    "acknowledged",
    "progress",
    "resolved",
    "reopened",
    "confirmed",
    "closed",
    "told",
    "edited",
    "note",
    "escalated",
]
Source = Literal["desk", "call", "help"]
#: free text of a ticket (details, progress, what the client was told)
Details = Annotated[str, Field(max_length=10000)]
Number = Annotated[str, Field(pattern=r"^[0-9]{8}$")]
_ORIGIN = "kiosk, and head office (fed to the site's kiosks; a department's link writes it)"
#: who acted: a staff id, ``visitor``, ``system`` or ``department:<id>``
By = Annotated[str, Field(min_length=1, max_length=80)]


class TicketRaised(Event):
    """A ticket opened: at the desk, from a call, or by a visitor on the Help screen."""

    kind: ClassVar[str] = "ticket.raised"
    origin: ClassVar[str] = _ORIGIN
    consumer: ClassVar[str] = (
        "head office folds it into `tickets` (sync/server/tickets.py) and feeds it to the site's "
        "other kiosks, which add it to their list (kiosk/core/tickets/pulled.py)"
    )

    ticket_id: Id
    number: Number
    site_id: Id
    kiosk_id: IdOrEmpty
    ticket_kind: TicketKind
    category: Text64 = ""
    subject: Text200
    details: Details = ""
    place: Text200 = ""
    #: complaints: the people involved and the cause, as the client told them
    people: Text500 = ""
    cause: Text500 = ""
    #: who asked (caller or visitor) and how to reach them; both optional
    client_name: Text200 = ""
    contact: Text200 = ""
    #: the client agreed to be contacted about the outcome (asked when a contact is given)
    consent: bool = False
    #: the language the client used (the Help screen's), for what they are sent; "" = the
    #: site's default
    language: Literal["zh_CN", "en", ""] = ""
    #: calls: the wait the caller was told, in minutes
    wait_minutes: Annotated[int, Field(ge=0, le=10080)] = 0
    priority: Priority = "normal"
    department_id: IdOrEmpty = ""
    due_at: Time | None = None
    source: Source = "desk"
    by: By
    raised_at: Time

    @property
    def entity_id(self) -> str:
        return self.ticket_id


class TicketUpdated(Event):
    """One change to a ticket: a step of its status, a note, an edit, the client told."""

    kind: ClassVar[str] = "ticket.updated"
    origin: ClassVar[str] = _ORIGIN
    consumer: ClassVar[str] = (
        "head office folds it into `ticket_entries` and the ticket's status "
        "(sync/server/tickets.py) and feeds it to the site's other kiosks "
        "(kiosk/core/tickets/pulled.py)"
    )

    entry_id: Id
    ticket_id: Id
    site_id: Id
    kiosk_id: IdOrEmpty
    action: Action
    #: the status after this entry ("" when it does not change the status)
    status: Status | Literal[""] = ""
    department_id: IdOrEmpty = ""
    person: Text200 = ""
    note: Details = ""
    #: edits: field name → new value (the timeline keeps every one)
    fields: Annotated[dict[Text64, Text500], Field(max_length=12)] = Field(default_factory=dict)
    #: the entry the editor had seen last ("" for the first): an entry written without seeing
    #: a newer one is shown as written at the same time, not silently replaced
    seen: IdOrEmpty = ""
    by: By
    at: Time

    @property
    def entity_id(self) -> str:
        return self.ticket_id


TICKET_EVENTS: tuple[type[Event], ...] = (TicketRaised, TicketUpdated)
