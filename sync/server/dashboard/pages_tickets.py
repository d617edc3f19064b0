"""Tickets: every site's calls, enquiries, complaints and service requests as head office folded
them (``sync/server/tickets.py``): open and overdue counts per site, the list with filters, and
one ticket's record and timeline.

The list shows no personal data (number, kind, status, department, priority, times); one
ticket's page shows the client's name, contact, details and every note, so it needs the
``personal`` permission as well and each view is an audit entry (``dashboard.viewed``, the
ticket's id). Tickets are changed at the desk and through the departments' links, not here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from kiosk.core.tickets.model import KINDS, STATUSES, WAITING

from ..api.admin_common import PathId
from ..api.deps import SessionDep
from ..tickets import TicketRow, ticket_of
from . import audit, queries
from .pages_sites import visible_sites
from .web import CurrentViewer, PageMissing, now, render, require

router = APIRouter(include_in_schema=False)
Filter = Annotated[str, Query(max_length=64, pattern=r"^[A-Za-z0-9_.:\-]*$")]
LIMIT = 200


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
        row = session.get(TicketRow, ticket_id)
        if row is None or not viewer.sees(row.site_id):
            # another site's ticket is as missing as one that does not exist
            raise PageMissing(viewer)
        require(viewer, "personal", row.site_id)
        ticket = ticket_of(session, row)
        zone = queries.site_zones(session, [row.site_id]).get(row.site_id)
        audit.record(
            session,
            actor=viewer.actor,
            role=viewer.role,
            action="dashboard.viewed",
            now=now(),
            site_id=row.site_id,
            subject_kind="ticket",
            subject_id=row.id,
            fields="client_name,contact,details,notes",
        )
    return render(
        request,
        "ticket.html",
        viewer=viewer,
        ticket=ticket,
        row=row,
        zone=zone,
        overdue=ticket.overdue(now()),
    )
