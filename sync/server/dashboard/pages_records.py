"""Records: the visit log (search, filters, keyset pages, CSV export), the watchlist, alerts
(acknowledge) and head office's audit log (filter, verify a chain).

Each page that shows personal data (names, companies, phone numbers) writes one audit entry per
view or export: who, which page, how many rows; never the data itself.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from ..alerts import AlertState, acknowledge, list_alerts
from ..api.admin_common import PathId
from ..api.deps import SessionDep
from . import audit, queries
from .accounts import Viewer
from .csv_export import csv_text
from .pages_sites import visible_sites
from .web import PREFIX, CurrentViewer, PostingViewer, now, render, require, site_or_404

router = APIRouter(include_in_schema=False)
Short = Annotated[str, Query(max_length=200)]


def _viewed(session, viewer: Viewer, page: str, *, site_id: str = "", rows: int = 0) -> None:
    audit.by(
        session,
        viewer,
        "dashboard.export" if page.endswith(".csv") else "dashboard.viewed",
        site_id=site_id,
        subject_kind="page",
        subject_id=page,
        fields="name,company,phone",
        details={"rows": str(rows)},
    )


def _visit_filter(
    session, viewer: Viewer, site: str, q: str, state: str, day_from: str, day_to: str
) -> queries.VisitFilter:
    if site:
        require(viewer, "personal", site)
        sites = [site]
    else:
        require(viewer, "personal")
        sites = visible_sites(session, viewer)
    return queries.VisitFilter(
        site_ids=tuple(sites),
        text=q.strip(),
        state=state,
        day_from=_day(day_from),
        day_to=_day(day_to),
    )


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@router.get("/visits")
def visit_log(
    request: Request,
    viewer: CurrentViewer,
    session: SessionDep,
    site: Short = "",
    q: Short = "",
    state: Short = "",
    day_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    day_to: Annotated[str, Query(alias="to", max_length=10)] = "",
    after: Short = "",
) -> Response:
    with session.begin():
        f = _visit_filter(session, viewer, site, q, state, day_from, day_to)
        rows, cursor = queries.visit_page(session, f, after=after)
        _viewed(session, viewer, "visits", site_id=site, rows=len(rows))
        sites = visible_sites(session, viewer)
        zones = queries.site_zones(session, sites)
    query = {"site": site, "q": q, "state": state, "from": day_from, "to": day_to}
    return render(
        request,
        "visits.html",
        viewer=viewer,
        rows=rows,
        cursor=cursor,
        query=query,
        sites=sites,
        zones=zones,
        states=queries.STATES,
    )


@router.get("/visits.csv")
def visit_export(
    request: Request,
    viewer: CurrentViewer,
    session: SessionDep,
    site: Short = "",
    q: Short = "",
    state: Short = "",
    day_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    day_to: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    require(viewer, "export", site or None)
    with session.begin():
        f = _visit_filter(session, viewer, site, q, state, day_from, day_to)
        rows = queries.visits_for_export(session, f)
        zones = queries.site_zones(session, list(f.site_ids))
        _viewed(session, viewer, "visits.csv", site_id=site, rows=len(rows))
    header = ["visit", "site", "state", "name", "company", "phone", "host", "purpose"]
    header += ["created_at", "checked_in_at", "checked_out_at"]
    body = csv_text(
        header,
        (
            [
                r.id,
                r.site_id,
                r.state,
                r.name,
                r.company,
                r.phone,
                r.host,
                r.purpose,
                *(
                    _site_time(t, zones.get(r.site_id))
                    for t in (r.created_at, r.checked_in_at, r.checked_out_at)
                ),
            ]
            for r in rows
        ),
    )
    name = f"visits-{site or 'all'}-{now():%Y%m%d-%H%M}.csv"
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _site_time(value: datetime | None, zone: str | None) -> str:
    """ISO 8601 with the site's offset (``2026-12-01T09:30:00+08:00``): what a spreadsheet
    user reads as the site's clock, and still exact."""
    if value is None:
        return ""
    try:
        return value.astimezone(ZoneInfo(zone or "UTC")).isoformat(timespec="seconds")
    except (ZoneInfoNotFoundError, ValueError):
        return value.isoformat(timespec="seconds")


@router.get("/sites/{site_id}/alerts")
def alerts_page(
    request: Request,
    site_id: PathId,
    viewer: CurrentViewer,
    session: SessionDep,
    state: AlertState = "open",
) -> Response:
    require(viewer, "overview", site_id)
    with session.begin():
        site = site_or_404(session, viewer, site_id)
        alerts = list_alerts(session, site_id=site_id, state=state)
    return render(request, "alerts.html", viewer=viewer, site=site, alerts=alerts, state=state)


@router.post("/sites/{site_id}/alerts/{alert_id}/ack")
def acknowledge_alert(
    site_id: PathId, alert_id: PathId, viewer: PostingViewer, session: SessionDep
) -> Response:
    require(viewer, "alerts", site_id)
    at = now()
    with session.begin():
        acknowledge(session, site_id=site_id, alert_id=alert_id, by=viewer.actor, now=at)
        audit.by(
            session,
            viewer,
            "dashboard.alert_acknowledged",
            now=at,
            site_id=site_id,
            subject_kind="alert",
            subject_id=alert_id,
        )
    return RedirectResponse(f"{PREFIX}/sites/{site_id}/alerts", status_code=303)


@router.get("/audit")
def audit_page(
    request: Request,
    viewer: CurrentViewer,
    session: SessionDep,
    chain: Short = "",
    action: Short = "",
    verify: bool = False,
) -> Response:
    require(viewer, "audit")
    with session.begin():
        chains = audit.chains(session)
        entries = audit.entries(session, chain=chain, action=action)
        checked = audit.verify(session, chain) if verify and chain else None
    return render(
        request,
        "audit.html",
        viewer=viewer,
        chains=chains,
        entries=entries,
        chain=chain,
        action=action,
        checked=checked,
    )
