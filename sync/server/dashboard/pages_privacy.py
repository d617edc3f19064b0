"""Privacy, for admins: a person's requests (export, erase) and the site's privacy incidents.

The records are the privacy issue's own (``person_requests``, ``privacy_incidents``): a person
is found by mobile number through the site's blind index, an export and an erasure are entries
of the site's audit chain (``personal.exported`` / ``personal.erased``, naming the account as
``hq-<id>``), and an erasure reaches every kiosk of the site at its next pull; the page lists
each erasure with the kiosks that have confirmed it. The number travels only in POST bodies,
never in a URL. Viewing the page is an audit entry of head office's chain.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select

from ..api.admin_common import PathId
from ..api.deps import SessionDep
from ..person_requests import Erasure, erase_person, erasure_status, export_person
from ..privacy_incidents import IncidentIn, record_incident, site_incidents
from . import audit
from .accounts import Viewer
from .pages_sites import visible_sites
from .web import PREFIX, CurrentViewer, PostingViewer, now, render, require, site_or_404

router = APIRouter(include_in_schema=False)
Mobile = Annotated[str, Form(min_length=3, max_length=32)]


@router.get("/privacy")
def privacy_home(viewer: CurrentViewer, session: SessionDep) -> Response:
    require(viewer, "privacy")
    with session.begin():
        sites = visible_sites(session, viewer)
    target = f"{PREFIX}/sites/{sites[0]}/privacy" if sites else f"{PREFIX}/"
    return RedirectResponse(target, status_code=303)


def _page(request: Request, viewer: Viewer, session, site_id: str, **extra) -> Response:
    site = site_or_404(session, viewer, site_id)
    incidents = site_incidents(session, site_id)
    erasures = list(
        session.scalars(
            select(Erasure)
            .where(Erasure.site_id == site_id)
            .order_by(Erasure.requested_at.desc())
            .limit(50)
        )
    )
    statuses = [erasure_status(session, e.id) for e in erasures]
    for found, erasure in zip(statuses, erasures, strict=True):
        if found:  # the page shows the time on the site's clock
            found["requested_at"] = erasure.requested_at
    audit.by(
        session,
        viewer,
        "dashboard.viewed",
        site_id=site_id,
        subject_kind="page",
        subject_id="privacy",
        fields="incidents,erasures",
        details={"incidents": str(len(incidents)), "erasures": str(len(erasures))},
    )
    return render(
        request,
        "privacy.html",
        viewer=viewer,
        site=site,
        sites=visible_sites(session, viewer),
        incidents=incidents,
        erasures=[s for s in statuses if s],
        error=extra.pop("error", ""),
        done=extra.pop("done", request.query_params.get("done", "")),
        status_code=extra.pop("status_code", 200),
    )


@router.get("/sites/{site_id}/privacy")
def privacy_page(request: Request, site_id: PathId, viewer: CurrentViewer, session: SessionDep):
    require(viewer, "privacy", site_id)
    with session.begin():
        return _page(request, viewer, session, site_id)


@router.post("/sites/{site_id}/privacy/export")
def export(site_id: PathId, viewer: PostingViewer, session: SessionDep, mobile: Mobile):
    """Everything held about the person, as the JSON document the admin API gives."""
    require(viewer, "privacy", site_id)
    with session.begin():
        site = site_or_404(session, viewer, site_id)
        exported = export_person(session, site, mobile, by=viewer.actor, now=now())
    name = f"person-{site_id}-{now():%Y%m%d-%H%M%S}.json"
    return Response(
        json.dumps(exported, ensure_ascii=False, indent=2),
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/sites/{site_id}/privacy/erase")
def erase(
    request: Request,
    site_id: PathId,
    viewer: PostingViewer,
    session: SessionDep,
    mobile: Mobile,
    confirm: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    require(viewer, "privacy", site_id)
    if confirm != "1":
        with session.begin():
            refused = "dashboard.privacy.confirm"
            return _page(request, viewer, session, site_id, error=refused, status_code=400)
    with session.begin():
        site = site_or_404(session, viewer, site_id)
        erasure = erase_person(session, site, mobile, by=viewer.actor, now=now())
    done = "erased" if erasure else "nobody"
    return RedirectResponse(f"{PREFIX}/sites/{site_id}/privacy?done={done}", status_code=303)


@router.post("/sites/{site_id}/privacy/incidents")
def add_incident(
    request: Request,
    site_id: PathId,
    viewer: PostingViewer,
    session: SessionDep,
    what: Annotated[str, Form(max_length=2000)],
    mobiles: Annotated[str, Form(max_length=4000)] = "",
    told: Annotated[str, Form(max_length=2000)] = "",
    told_at: Annotated[str, Form(max_length=32)] = "",
    actions: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    require(viewer, "privacy", site_id)
    with session.begin():
        site = site_or_404(session, viewer, site_id)
        try:
            # a datetime-local field: the site's own clock
            when = datetime.fromisoformat(told_at) if told_at else None
            if when is not None and when.tzinfo is None:
                when = when.replace(tzinfo=ZoneInfo(site.timezone))
            body = IncidentIn(
                what=what.strip(),
                mobiles=[m.strip() for m in mobiles.splitlines() if m.strip()],
                told=told.strip(),
                told_at=when,
                actions=actions.strip(),
            )
        except (PydanticValidationError, ValueError):
            refused = "dashboard.privacy.invalid"
            return _page(request, viewer, session, site_id, error=refused, status_code=400)
        record_incident(session, site_id, body, by=viewer.actor, now=now())
    return RedirectResponse(f"{PREFIX}/sites/{site_id}/privacy?done=incident", status_code=303)
