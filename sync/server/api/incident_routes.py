"""A site's emergency incidents at head office (admin tokens): the record folded from the
kiosks' entries (``sync/server/incidents.py``), and starting or ending emergency mode for the
site (fed to its kiosks through their pull feed)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import Field

from .. import incidents
from .admin_common import ADMIN_RESPONSES, NOT_FOUND, PathId, get_site
from .deps import CurrentAdmin, SessionDep
from .schemas import _In

router = APIRouter(tags=["admin"], responses=ADMIN_RESPONSES)


class IncidentStart(_In):
    emergency: Literal["fire", "evacuation", "earthquake", "security", "other"]
    drill: bool = False
    #: who starts it (a staff id or name)
    by: Annotated[str, Field(min_length=1, max_length=64)]


class IncidentEnd(_In):
    by: Annotated[str, Field(min_length=1, max_length=64)]
    reason: Annotated[str, Field(min_length=1, max_length=500)]


@router.get("/sites/{site_id}/incidents", responses=NOT_FOUND)
def list_site_incidents(
    site_id: PathId, _: CurrentAdmin, session: SessionDep
) -> list[dict[str, Any]]:
    """The site's incidents, oldest first: start, end, each kiosk's switch, marks, prints."""
    get_site(session, site_id)
    return [incidents.public(i) for i in incidents.incidents(session, site_id=site_id)]


@router.post("/sites/{site_id}/incidents", status_code=201, responses=NOT_FOUND)
def start_site_emergency(
    site_id: PathId, body: IncidentStart, _: CurrentAdmin, session: SessionDep
) -> dict[str, Any]:
    """Start emergency mode (or a drill) for the site: every kiosk switches on its next pull,
    and tells its peers at once."""
    with session.begin():
        get_site(session, site_id)
        started = incidents.start(
            session, site_id=site_id, emergency=body.emergency, drill=body.drill, by=body.by
        )
        return incidents.public(started)


@router.post("/sites/{site_id}/incidents/end", responses={**NOT_FOUND, 409: {}})
def end_site_emergency(
    site_id: PathId, body: IncidentEnd, _: CurrentAdmin, session: SessionDep
) -> dict[str, Any]:
    """End the site's emergency, with the reason (409 when none is under way)."""
    with session.begin():
        get_site(session, site_id)
        return incidents.public(
            incidents.end(session, site_id=site_id, by=body.by, reason=body.reason)
        )


class IncidentNote(_In):
    by: Annotated[str, Field(min_length=1, max_length=64)]
    text: Annotated[str, Field(min_length=1, max_length=2000)]


@router.post("/sites/{site_id}/incidents/{incident_id}/notes", status_code=201, responses=NOT_FOUND)
def note_site_incident(
    site_id: PathId, incident_id: PathId, body: IncidentNote, _: CurrentAdmin, session: SessionDep
) -> dict[str, Any]:
    """Add a note to an incident's record (fed to the site's kiosks like a start or an end)."""
    with session.begin():
        get_site(session, site_id)
        return incidents.public(
            incidents.note(
                session, site_id=site_id, incident_id=incident_id, by=body.by, text=body.text
            )
        )
