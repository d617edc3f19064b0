"""One step of a ticket written at head office: a department's answer through its link
(``ticket_links.py``) or an operator's change in the dashboard (``dashboard/pages_tickets.py``).

``record_step`` is the one way either is written: a ``ticket.updated`` entry folded into head
office's ticket (``tickets.add_entries``), the same entry appended to the site's pull feed so
every kiosk of the site applies it (``kiosk/core/tickets/pulled.py``), and an entry in the
site's head-office audit chain (``audit_log.record_entry``: who, which step, which ticket; never
the note), all in the caller's transaction. The status machine is the kiosk's
(``kiosk.core.tickets.model.step``): no step is skipped.

Must never: write a step without its feed change and audit entry, or fold it into another
site's ticket.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kiosk.core.events import TicketUpdated
from kiosk.core.tickets.model import Ticket, step

from .audit_log import record_entry
from .changes import append_change
from .tickets import TicketRow, add_entries


def record_step(
    session: Session,
    row: TicketRow,
    ticket: Ticket,
    *,
    action: str,
    by: str,
    at: datetime,
    seen: str,
    note: str = "",
    department_id: str = "",
    person: str = "",
) -> TicketUpdated:
    """Write ``action`` on ``ticket`` (``DeniedError`` ``ticket.status_skip`` when the status
    machine refuses it) and return its entry. ``seen``: the entry the writer's page showed."""
    after = step(ticket.kind, ticket.status, action)
    event = TicketUpdated(
        entry_id=uuid.uuid4().hex,
        ticket_id=ticket.id,
        site_id=row.site_id,
        kiosk_id="",
        action=action,  # type: ignore[arg-type]
        # an assignment names its status even when it stays "assigned" (as the desk writes it)
        status=after if after != ticket.status or action == "assigned" else "",  # type: ignore[arg-type]
        department_id=department_id,
        person=person,
        note=note,
        seen=seen,
        by=by[:80],
        # after every entry head office has of it, also within one clock tick
        at=max(at, ticket.updated_at + timedelta(microseconds=1)),
    )
    add_entries(session, row.site_id, [event])
    append_change(session, site_id=row.site_id, change=event)
    # the kiosks audit their staff's steps; one written here is audited here, in the site's
    # head-office chain (``kiosk-server audit verify``)
    details = {"entry": event.entry_id, "status": after}
    if department_id:
        details["department"] = department_id
    record_entry(
        session,
        site_id=row.site_id,
        now=event.at,
        action=f"ticket.{action}",
        actor=event.by,
        subject_kind="ticket",
        subject_id=ticket.id,
        fields=",".join(f for f, v in (("note", note), ("person", person)) if v),
        details=details,
    )
    return event
