"""Alerts of a site at head office (admin tokens): list them, acknowledge one.

The rows are folded from the kiosks' events (``sync/server/alerts.py``); an acknowledgement
made here reaches the site's kiosks through their pull feed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from ...protocol import ErrorOut
from .. import alerts
from ..models import Alert
from .admin_routes import PathId, _site
from .deps import CurrentAdmin, SessionDep
from .schemas import AlertAcknowledge, AlertPublic

router = APIRouter(
    tags=["admin"],
    responses={
        401: {"model": ErrorOut, "description": "missing, unknown or revoked token"},
        403: {"model": ErrorOut, "description": "not an admin token"},
    },
)
_404: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "not found"}}


@router.get("/sites/{site_id}/alerts", response_model=list[AlertPublic], responses=_404)
def list_site_alerts(
    site_id: PathId,
    _: CurrentAdmin,
    session: SessionDep,
    state: Annotated[alerts.AlertState, Query()] = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[Alert]:
    """The site's alerts, newest first: ``open`` (default), ``acknowledged`` or ``all``."""
    _site(session, site_id)
    return alerts.list_alerts(session, site_id=site_id, state=state, limit=limit)


@router.post(
    "/sites/{site_id}/alerts/{alert_id}/acknowledge",
    response_model=AlertPublic,
    responses=_404,
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
