"""Alerts of a site at head office (admin tokens): list them, acknowledge one.

The rows are folded from the kiosks' events (``sync/server/alerts.py``); an acknowledgement
made here reaches the site's kiosks through their pull feed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from .. import alerts
from ..models import Alert
from .admin_common import ADMIN_RESPONSES, NOT_FOUND, PathId, get_site
from .deps import CurrentAdmin, SessionDep
from .pages import After, page, time_position
from .schemas import AlertAcknowledge, AlertPublic

router = APIRouter(tags=["admin"], responses=ADMIN_RESPONSES)


@router.get("/sites/{site_id}/alerts", response_model=list[AlertPublic], responses=NOT_FOUND)
def list_site_alerts(
    site_id: PathId,
    _: CurrentAdmin,
    session: SessionDep,
    request: Request,
    response: Response,
    state: Annotated[alerts.AlertState, Query()] = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: After = None,
) -> list[Alert]:
    """The site's alerts, newest first: ``open`` (default), ``acknowledged`` or ``all``; a
    page at a time (``pages.py``)."""
    get_site(session, site_id)
    rows = alerts.list_alerts(session, site_id=site_id, state=state, limit=limit + 1, after=after)
    return page(
        rows,
        limit,
        request=request,
        response=response,
        position=lambda r: time_position(r.raised_at, r.id),
    )


@router.post(
    "/sites/{site_id}/alerts/{alert_id}/acknowledge",
    response_model=AlertPublic,
    responses=NOT_FOUND,
)
def acknowledge_site_alert(
    site_id: PathId, alert_id: PathId, body: AlertAcknowledge, _: CurrentAdmin, session: SessionDep
) -> Alert:
    """Take an alert on; the site's kiosks mark it acknowledged after their next pull. An
    alert already acknowledged is returned as it is."""
    with session.begin():
        alert = alerts.acknowledge(
            session, site_id=site_id, alert_id=alert_id, by=body.by, now=datetime.now(UTC)
        )
    return alert
