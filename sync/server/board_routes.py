"""A site's on-site board as head office counts it: the numbers the desk's board shows
(``kiosk.core.reception.board``), folded from the kiosks' events, so the two can be compared.

``GET /api/v1/sites/{site_id}/board?day=YYYY-MM-DD`` (admin): on site now (checked in that
day), expected (pending invitations valid that day), not signed out (still checked in from
an earlier day, and closed by the end of day in the week before), held (watchlist matches
nobody has decided on) and denied at the desk that day. The day is the site's own (its
timezone); default today. Each list is counted with the kiosk board's rule and its limits.

Must never: count another site's rows, or return anyone's name (counts only).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from kiosk.core.config.errors import ValidationError

from ..protocol import ErrorOut
from .api.admin_common import ADMIN_RESPONSES, NOT_FOUND, PathId, get_site
from .api.deps import CurrentAdmin, SessionDep
from .models import Invitation, Visit
from .reception import VisitDecision

router = APIRouter(tags=["admin"], responses=ADMIN_RESPONSES)

#: the kiosk board's limits (``Board.snapshot``): auto-closed visits looked at, denials listed
AUTO_CLOSED_LIMIT = 50
DENIED_LIMIT = 200


class BoardCounts(BaseModel):
    on_site: int
    expected: int
    not_signed_out: int
    held: int
    denied: int


class BoardCountsPublic(BaseModel):
    site_id: str
    day: date
    counts: BoardCounts


def _count(session: Session, query: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def board_counts(session: Session, site_id: str, start: datetime, end: datetime) -> BoardCounts:
    """The board's five counts for the day [start, end) at site ``site_id``."""
    visits = select(Visit.id).where(Visit.site_id == site_id)
    open_ = visits.where(Visit.state == "checked_in")
    auto_closed = (
        select(Visit.id, Visit.checked_out_at)
        .where(Visit.site_id == site_id, Visit.auto_checked_out.is_(True))
        .order_by(Visit.checked_out_at.desc())
        .limit(AUTO_CLOSED_LIMIT)
        .subquery()
    )
    recent_closed = select(auto_closed.c.id).where(
        auto_closed.c.checked_out_at >= start - timedelta(days=7)
    )
    decided = select(VisitDecision.visit_id)
    denied = (
        select(VisitDecision.visit_id)
        .join(Visit, Visit.id == VisitDecision.visit_id)
        .where(
            Visit.site_id == site_id,
            VisitDecision.decision == "denied",
            VisitDecision.decided_at >= start,
        )
        .limit(DENIED_LIMIT)
    )
    expected = select(Invitation.id).where(
        Invitation.site_id == site_id,
        Invitation.state == "pending",
        or_(Invitation.valid_from.is_(None), Invitation.valid_from < end),
        or_(Invitation.valid_until.is_(None), Invitation.valid_until >= start),
    )
    earlier = open_.where(or_(Visit.checked_in_at.is_(None), Visit.checked_in_at < start))
    return BoardCounts(
        on_site=_count(session, open_.where(Visit.checked_in_at >= start)),
        expected=_count(session, expected),
        not_signed_out=_count(session, earlier) + _count(session, recent_closed),
        held=_count(session, visits.where(and_(Visit.state == "denied", Visit.id.not_in(decided)))),
        denied=_count(session, denied),
    )


def site_day(timezone: str, day: date | None) -> tuple[date, datetime, datetime]:
    """The day (default: today at the site) and its start and end in UTC."""
    tz = ZoneInfo(timezone or "UTC")
    day = day or datetime.now(UTC).astimezone(tz).date()
    start = datetime.combine(day, time(0, 0), tzinfo=tz)
    return day, start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


@router.get(
    "/sites/{site_id}/board",
    response_model=BoardCountsPublic,
    responses={**NOT_FOUND, 400: {"model": ErrorOut, "description": "day out of range"}},
)
def site_board(
    site_id: PathId, _: CurrentAdmin, session: SessionDep, day: date | None = None
) -> BoardCountsPublic:
    """The counts of the site's on-site board for ``day`` (default: today at the site)."""
    site = get_site(session, site_id)
    if day is not None and not 2000 <= day.year <= 2999:
        raise ValidationError("day out of range", field="day")
    day, start, end = site_day(site.timezone, day)
    return BoardCountsPublic(
        site_id=site_id, day=day, counts=board_counts(session, site_id, start, end)
    )
