"""Tickets: every site's calls, enquiries, complaints and service requests as head office folded
them (``sync/server/tickets.py``): open and overdue counts per site, the list with filters, and
one ticket's record and timeline.

The list shows no personal data (number, kind, status, department, priority, times); one
ticket's page shows the client's name, contact, details and every note, so it needs the
``personal`` permission as well and each view is an audit entry (``dashboard.viewed``, the
ticket's id).

An admin, or a site manager of the ticket's site, changes a ticket on its page (``POST
/dashboard/tickets/<id>/step``, CSRF-checked): assigns it to a department (and a person there),
acknowledges it, records progress or resolves it with a note. Each change is written by
``ticket_steps.record_step``, the path a department's link takes: a ``ticket.updated`` entry
(``by`` = the operator's ``hq-<id>``) folded here and fed to every kiosk of the site, an entry
in the site's head-office audit chain, and a ``dashboard.ticket_changed`` entry in the
dashboard's; a page that showed an older entry is refused (``ticket.changed_meanwhile``), as
at the desk. Guards and viewers have no ``tickets`` permission, so neither sees nor changes one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.core.config.errors import KioskError, NotFoundError, ValidationError
from kiosk.core.tickets import text
from kiosk.core.tickets.model import KINDS, STATUSES, WAITING

from ..api.admin_common import PathId
from ..api.deps import SessionDep
from ..models import Department
from ..reception import site_staff
from ..ticket_steps import record_step
from ..tickets import TicketRow, ticket_of
from . import audit, queries
from .accounts import Viewer
from .models import DashboardUser
from .pages_sites import visible_sites
from .web import PREFIX, CurrentViewer, PageMissing, PostingViewer, now, render, require

router = APIRouter(include_in_schema=False)
Filter = Annotated[str, Query(max_length=64, pattern=r"^[A-Za-z0-9_.:\-]*$")]
LIMIT = 200
#: what the dashboard may do to a ticket, by its status (the status machine has the last word)
STEPS: dict[str, tuple[str, ...]] = {
    "open": ("assigned",),
    "assigned": ("assigned", "acknowledged"),
    "in_progress": ("progress", "resolved"),
}
#: steps that need a note (what was done, the outcome)
NOTE_NEEDED = ("progress", "resolved")


@router.get("/tickets")
def ticket_list(
    request: Request,
    viewer: CurrentViewer,
    session: SessionDep,
    site: Filter = "",
    status: Filter = "",
    kind: Filter = "",
    overdue: Filter = "",
) -> Response:
    require(viewer, "tickets", site or None)
    at = now()
    with session.begin():
        sites = [s for s in visible_sites(session, viewer) if not site or s == site]
        counts = _counts(session, sites, at)
        query = select(TicketRow).where(TicketRow.site_id.in_(sites))
        if status == "waiting":
            query = query.where(TicketRow.status.in_(WAITING))
        elif status in STATUSES:
            query = query.where(TicketRow.status == status)
        if kind in KINDS:
            query = query.where(TicketRow.kind == kind)
        if overdue:
            query = query.where(TicketRow.status.in_(WAITING), TicketRow.due_at < at)
        rows = list(session.scalars(query.order_by(TicketRow.raised_at.desc()).limit(LIMIT)))
        zones = queries.site_zones(session, sites)
    return render(
        request,
        "tickets.html",
        viewer=viewer,
        rows=rows,
        counts=counts,
        sites=sites,
        zones=zones,
        filters={"site": site, "status": status, "kind": kind, "overdue": overdue},
        statuses=STATUSES,
        kinds=KINDS,
        waiting=WAITING,
        now=at,
        limit=LIMIT,
    )


def _counts(session, sites: list[str], at) -> dict[str, tuple[int, int]]:
    """Per site: tickets still waiting on someone, and how many of them are past due."""
    waiting = dict(
        session.execute(
            select(TicketRow.site_id, func.count())
            .where(TicketRow.site_id.in_(sites), TicketRow.status.in_(WAITING))
            .group_by(TicketRow.site_id)
        ).all()
    )
    late = dict(
        session.execute(
            select(TicketRow.site_id, func.count())
            .where(
                TicketRow.site_id.in_(sites),
                TicketRow.status.in_(WAITING),
                TicketRow.due_at < at,
            )
            .group_by(TicketRow.site_id)
        ).all()
    )
    return {s: (int(waiting.get(s, 0)), int(late.get(s, 0))) for s in sites}


@router.get("/tickets/{ticket_id}")
def ticket_page(
    request: Request, ticket_id: PathId, viewer: CurrentViewer, session: SessionDep
) -> Response:
    require(viewer, "tickets")
    with session.begin():
        return _ticket_page(request, viewer, session, ticket_id)


def _visible(session: Session, viewer: Viewer, ticket_id: str, *, lock: bool) -> TicketRow:
    row = session.get(TicketRow, ticket_id, with_for_update=lock)
    if row is None or not viewer.sees(row.site_id):
        # another site's ticket is as missing as one that does not exist
        raise PageMissing(viewer)
    require(viewer, "personal", row.site_id)
    return row


def _ticket_page(
    request: Request,
    viewer: Viewer,
    session: Session,
    ticket_id: str,
    *,
    error: KioskError | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    row = _visible(session, viewer, ticket_id, lock=False)
    ticket = ticket_of(session, row)
    zone = queries.site_zones(session, [row.site_id]).get(row.site_id)
    departments = list(
        session.scalars(
            select(Department).where(Department.site_id == row.site_id).order_by(Department.id)
        )
    )
    audit.by(
        session,
        viewer,
        "dashboard.viewed",
        site_id=row.site_id,
        subject_kind="ticket",
        subject_id=row.id,
        fields="client_name,contact,details,notes",
    )
    may_change = viewer.may("tickets") and viewer.sees(row.site_id)
    return render(
        request,
        "ticket.html",
        viewer=viewer,
        ticket=ticket,
        row=row,
        zone=zone,
        overdue=ticket.overdue(now()),
        steps=STEPS.get(ticket.status, ()) if may_change else (),
        note_needed=NOTE_NEEDED,
        departments=departments,
        who=_who(session, row.site_id, ticket, departments),
        error=error.message_key if error else "",
        error_params={k: str(v) for k, v in error.params.items()} if error else {},
        values=values or {},
        done=request.query_params.get("done", ""),
        status_code=status_code,
    )


def _who(session: Session, site_id: str, ticket, departments: list[Department]) -> dict[str, str]:
    """A readable name for each writer of the timeline: an operator, a department (through its
    link or assigned), a receptionist; anyone else as written."""
    names: dict[str, str] = {}
    for d in departments:
        names[f"department:{d.id}"] = f"{d.name_zh} / {d.name_en}"
        names[d.id] = names[f"department:{d.id}"]
    writers = {e.by for e in ticket.entries}
    operators = [int(b[3:]) for b in writers if b.startswith("hq-") and b[3:].isdigit()]
    if operators:
        query = select(DashboardUser.id, DashboardUser.name).where(DashboardUser.id.in_(operators))
        names.update({f"hq-{i}": str(n) for i, n in session.execute(query)})
    if writers - set(names):
        names.update({s.id: s.name for s in site_staff(session, site_id) if s.id in writers})
    return names


@router.post("/tickets/{ticket_id}/step")
def change_ticket(
    request: Request,
    ticket_id: PathId,
    viewer: PostingViewer,
    session: SessionDep,
    action: Annotated[str, Form(max_length=32)],
    seen: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=10_000)] = "",
    department_id: Annotated[str, Form(max_length=64)] = "",
    person: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """One step from the ticket's page: the page again with the reason when refused."""
    require(viewer, "tickets")
    values = {"action": action, "note": note, "department_id": department_id, "person": person}
    try:
        with session.begin():
            row = _visible(session, viewer, ticket_id, lock=True)
            require(viewer, "tickets", row.site_id)
            _change(session, viewer, row, values, seen)
    except KioskError as e:
        with session.begin():
            return _ticket_page(
                request,
                viewer,
                session,
                ticket_id,
                error=e,
                values=values,
                status_code=409 if e.message_key == "ticket.changed_meanwhile" else 400,
            )
    return RedirectResponse(f"{PREFIX}/tickets/{ticket_id}?done={action}", status_code=303)


def _change(
    session: Session, viewer: Viewer, row: TicketRow, values: dict[str, str], seen: str
) -> None:
    ticket = ticket_of(session, row)
    action = values["action"]
    if seen != ticket.last_entry_id:
        raise ValidationError("changed meanwhile", key="ticket.changed_meanwhile")
    if action not in STEPS.get(ticket.status, ()):
        raise ValidationError(action, field="action", key="ticket.bad_action")
    note = text.block(values["note"], field="note")
    if action in NOTE_NEEDED and not note:
        raise ValidationError("say what", field="note", key="ticket.note_required")
    department_id, person = "", ""
    if action == "assigned":
        department_id = values["department_id"]
        department = session.get(Department, department_id) if department_id else None
        if department is None or department.site_id != row.site_id:
            raise NotFoundError(department_id, key="ticket.department_unknown")
        person = text.line(values["person"], field="person")
    at = now()
    event = record_step(
        session,
        row,
        ticket,
        action=action,
        by=viewer.actor,
        at=at,
        seen=seen,
        note=note,
        department_id=department_id,
        person=person,
    )
    audit.by(
        session,
        viewer,
        "dashboard.ticket_changed",
        now=at,
        site_id=row.site_id,
        subject_kind="ticket",
        subject_id=row.id,
        fields="note" if note else "",
        details={"step": action, "entry": event.entry_id, "status": row.status},
    )
