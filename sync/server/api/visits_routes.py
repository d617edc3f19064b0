"""Visits at head office (admin tokens): the visit list with its filters, and a site's roll
call (everyone on site now, for an evacuation).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select

from ..models import Visit, Visitor
from .admin_common import ADMIN_RESPONSES, NOT_FOUND, PathId, SiteFilter, get_site
from .deps import CurrentAdmin, SessionDep
from .pages import PAGE, After, Limit, newest_first, page, time_position
from .schemas import RollCallEntry, RollCallPublic, VisitPublic

router = APIRouter(tags=["admin"], responses=ADMIN_RESPONSES)


@router.get("/visits", response_model=list[VisitPublic])
def list_visits(
    _: CurrentAdmin,
    session: SessionDep,
    request: Request,
    response: Response,
    site_id: SiteFilter = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    host_id: Annotated[str | None, Query(max_length=64)] = None,
    on_site: bool = False,
    after: After = None,
    limit: Limit = PAGE,
    offset: Annotated[
        int, Query(ge=0, le=10_000_000, description="rows skipped: prefer ``after``")
    ] = 0,
) -> list[VisitPublic]:
    """Visits, newest first; ``date_from``/``date_to`` bound the check-in (or creation) time.
    A page at a time (``pages.py``): the next one from the ``Link`` header's ``after``."""
    query = (
        select(Visit, Visitor)
        .outerjoin(Visitor, Visitor.id == Visit.visitor_id)
        .where(Visit.state != "")  # a placeholder: only its badge or notify events arrived
    )
    if site_id:
        query = query.where(Visit.site_id == site_id)
    if host_id:
        query = query.where(Visit.host_id == host_id)
    if on_site:
        query = query.where(Visit.state == "checked_in")
    if date_from:
        query = query.where(Visit.created_at >= date_from)
    if date_to:
        query = query.where(Visit.created_at < date_to)
    query = newest_first(query, Visit.created_at, Visit.id, after)
    found = session.execute(query.limit(limit + 1).offset(offset)).all()
    rows = page(
        found,
        limit,
        request=request,
        response=response,
        position=lambda r: time_position(r[0].created_at, r[0].id),
    )
    out = []
    for visit, visitor in rows:
        item = VisitPublic.model_validate(visit)
        if visitor is not None:
            item = item.model_copy(
                update={"visitor_name": visitor.name, "visitor_company": visitor.company}
            )
        out.append(item)
    return out


@router.get("/sites/{site_id}/roll-call", response_model=RollCallPublic, responses=NOT_FOUND)
def roll_call(site_id: PathId, _: CurrentAdmin, session: SessionDep) -> RollCallPublic:
    """Everyone on site now (for an evacuation): visits checked in and not out."""
    get_site(session, site_id)
    rows = session.execute(
        select(Visit, Visitor)
        .outerjoin(Visitor, Visitor.id == Visit.visitor_id)
        .where(Visit.site_id == site_id, Visit.state == "checked_in")
        .order_by(Visit.checked_in_at)
    ).all()
    entries = [
        RollCallEntry(
            visit_id=v.id,
            visitor_name=p.name if p else "",
            visitor_company=p.company if p else "",
            host_id=v.host_id,
            department_id=v.department_id,
            checked_in_at=v.checked_in_at,
            kiosk_id=v.kiosk_id,
        )
        for v, p in rows
    ]
    return RollCallPublic(
        site_id=site_id, generated_at=datetime.now(UTC), count=len(entries), on_site=entries
    )
