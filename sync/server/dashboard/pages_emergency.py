"""A site's emergency from head office: start one (or a drill), watch the live roll call, mark
people accounted for or missing from a phone, end it.

``/sites/<id>/emergency`` shows, while none is under way, the start form (the kiosk console's
kinds and its drill switch); a start is asked again on a confirm page before anything is
recorded. While one is under way it shows the roll call: who was on site when it started
(head office's own visit records, ``incident_review.on_site_at_start``, as the incident record
and the hosts' page count them) with each person's newest mark, whoever made it (a kiosk's
console or its warden's phone, pushed by sync; a host's link; this page), and the end form
(a reason is required, as on the kiosk).

Start, end and each mark are the same ``emergency.*`` entries the kiosk console records, made
at head office by ``incidents.start/end/mark`` and fed to the site's kiosks (a held pull
brings them within about a second); every one writes an audit entry, and each view of the
names writes one too. ``/rows`` is the roll call's table body, ``/events`` a server-sent
stream (``live.changes_stream``) that says ``changed`` when the site's entries or arrivals
move; ``static/dashboard.js`` refetches the rows then, or every ``FALLBACK_SECONDS`` without
EventSource. Roles: ``incidents`` (admin; a site manager for its sites; security).

Must never: record anything on a GET, or without the form's CSRF token; mark a person who is
not on the roll call.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.core.emergency.roster import RollCall, roll_call
from kiosk.core.emergency.service import KINDS
from kiosk.core.emergency.timeline import Incident, current

from .. import incidents
from ..api.admin_common import PathId
from ..api.deps import SessionDep
from ..errors import ConflictError
from ..incident_review import on_site_at_start
from . import audit, queries
from .accounts import Viewer
from .live import FALLBACK_SECONDS, changes_stream
from .web import PREFIX, CurrentViewer, PostingViewer, render, require, site_or_404

router = APIRouter(include_in_schema=False)
MARKS = ("accounted", "missing")
Short = Annotated[str, Form(max_length=80)]
Reason = Annotated[str, Form(max_length=500)]
#: the page's error messages (``?error=``)
ERRORS = {
    "kind": "dashboard.emergency.bad_kind",
    "reason": "emergency.reason_needed",
    "none": "dashboard.emergency.none_under_way",
    "person": "dashboard.emergency.bad_person",
}


def _path(site_id: str) -> str:
    return f"{PREFIX}/sites/{site_id}/emergency"


def _roll_call(session: Session, site_id: str, incident: Incident | None) -> RollCall | None:
    if incident is None:
        return None
    people, _ = on_site_at_start(session, site_id=site_id, incident=incident)
    return roll_call(people, incident)


def _state(session: Session, site_id: str) -> dict[str, Any]:
    found = incidents.incidents(session, site_id=site_id)
    incident = current(found)
    return {
        "incident": incident,
        "last": found[-1] if found else None,
        "rollcall": _roll_call(session, site_id, incident),
    }


def _audit(session: Session, viewer: Viewer, action: str, site_id: str, **details: str) -> None:
    audit.by(
        session,
        viewer,
        action,
        site_id=site_id,
        subject_kind="emergency",
        subject_id=details.pop("incident", ""),
        fields="name,company" if action == "dashboard.viewed" else "",
        details=details,
    )


def _back(site_id: str, error: str = "", anchor: str = "") -> RedirectResponse:
    query = f"?error={error}" if error else ""
    return RedirectResponse(f"{_path(site_id)}{query}{anchor}", status_code=303)


@router.get("/sites/{site_id}/emergency")
def emergency_page(
    request: Request, site_id: PathId, viewer: CurrentViewer, session: SessionDep, error: str = ""
) -> Response:
    require(viewer, "incidents", site_id)
    with session.begin():
        site = site_or_404(session, viewer, site_id)
        state = _state(session, site_id)
        if state["rollcall"] is not None:
            _audit(
                session,
                viewer,
                "dashboard.viewed",
                site_id,
                incident=state["incident"].id,
                rows=str(len(state["rollcall"].lines)),
            )
    return render(
        request,
        "emergency.html",
        viewer=viewer,
        site=site,
        kinds=KINDS,
        error=ERRORS.get(error, ""),
        fallback_seconds=FALLBACK_SECONDS,
        **state,
    )


@router.get("/sites/{site_id}/emergency/rows")
def emergency_rows(
    request: Request, site_id: PathId, viewer: CurrentViewer, session: SessionDep
) -> Response:
    """The roll call's table body (what the page's script swaps in)."""
    require(viewer, "incidents", site_id)
    with session.begin():
        site = site_or_404(session, viewer, site_id)
        state = _state(session, site_id)
    return render(request, "emergency_rows.html", viewer=viewer, site=site, **state)


def signature(session: Session, site_id: str) -> str:
    """Moves whenever an entry of the site's timeline arrives or someone arrives or leaves."""
    table = incidents.ENTRIES
    count, latest = session.execute(
        select(func.count(), func.max(table.c.hlc)).where(table.c.site_id == site_id)
    ).one()
    return f"{count}|{latest}|{queries.on_site_signature(session, [site_id])}"


@router.get("/sites/{site_id}/emergency/events")
async def emergency_events(request: Request, site_id: PathId, viewer: CurrentViewer):
    require(viewer, "incidents", site_id)
    sessions = request.app.state.sessionmaker

    def look() -> str:
        with sessions() as session, session.begin():
            return signature(session, site_id)

    return await changes_stream(request, look)


@router.post("/sites/{site_id}/emergency/start")
def start_emergency(
    request: Request,
    site_id: PathId,
    viewer: PostingViewer,
    session: SessionDep,
    emergency: Short = "",
    drill: Short = "",
    confirm: Short = "",
) -> Response:
    """Without ``confirm=yes``: the confirm page (nothing recorded). With it: the start."""
    require(viewer, "incidents", site_id)
    if emergency not in KINDS:
        return _back(site_id, "kind")
    with session.begin():
        site = site_or_404(session, viewer, site_id)
        if confirm != "yes":
            under_way = current(incidents.incidents(session, site_id=site_id))
            return render(
                request,
                "emergency_confirm.html",
                viewer=viewer,
                site=site,
                emergency=emergency,
                drill=drill == "on",
                under_way=under_way,
            )
        started = incidents.start(
            session, site_id=site_id, emergency=emergency, drill=drill == "on", by=viewer.actor
        )
        _audit(
            session,
            viewer,
            "dashboard.emergency_started",
            site_id,
            incident=started.id,
            emergency=emergency,
            drill="yes" if drill == "on" else "no",
        )
    return _back(site_id)


@router.post("/sites/{site_id}/emergency/end")
def end_emergency(
    site_id: PathId, viewer: PostingViewer, session: SessionDep, reason: Reason = ""
) -> Response:
    require(viewer, "incidents", site_id)
    if not reason.strip():
        return _back(site_id, "reason", "#end")
    with session.begin():
        site_or_404(session, viewer, site_id)
        try:
            ended = incidents.end(session, site_id=site_id, by=viewer.actor, reason=reason.strip())
        except ConflictError:
            return _back(site_id, "none")
        _audit(session, viewer, "dashboard.emergency_ended", site_id, incident=ended.id)
    return _back(site_id)


@router.post("/sites/{site_id}/emergency/marks")
def mark_person(
    site_id: PathId,
    viewer: PostingViewer,
    session: SessionDep,
    person: Short = "",
    status: Short = "",
) -> Response:
    """One mark, as the kiosk console's (fed to the site's kiosks); the page comes back at
    the person's line."""
    require(viewer, "incidents", site_id)
    if status not in MARKS:
        return _back(site_id, "person")
    with session.begin():
        site_or_404(session, viewer, site_id)
        state = _state(session, site_id)
        if state["incident"] is None:
            return _back(site_id, "none")
        if person not in {line.person.person_id for line in state["rollcall"].lines}:
            return _back(site_id, "person")
        incidents.mark(session, site_id=site_id, person_id=person, status=status, by=viewer.actor)
        _audit(
            session,
            viewer,
            "dashboard.emergency_marked",
            site_id,
            incident=state["incident"].id,
            person=person,
            status=status,
        )
    return _back(site_id, anchor=f"#p-{person}")
