"""Emergency incidents (issue 17): a site's incidents, one incident's record (timeline, who
stayed unaccounted for and for how long, notes, its PDF) and adding a note.

Roles: ``incidents`` (admin; site managers for their sites; security). The list shows no
personal data; the record and its PDF show names, so each view and download writes one audit
entry (who, which incident, how many people; never the names). A note written here is fed to
the site's kiosks like a start or an end made at head office.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kiosk.core.config.errors import NotFoundError
from kiosk.core.emergency.incident_pdf import describe, render_incident
from kiosk.core.emergency.review import duration_text

from .. import incidents
from ..api.admin_common import PathId
from ..api.deps import SessionDep
from ..incident_review import incident_review
from . import audit
from .accounts import Viewer
from .web import (
    PREFIX,
    CurrentViewer,
    PageMissing,
    PostingViewer,
    language,
    now,
    render,
    require,
    site_or_404,
    translator,
)

router = APIRouter(include_in_schema=False)
NoteText = Annotated[str, Form(max_length=2000)]


def _audit(session, viewer: Viewer, action: str, site_id: str, incident_id: str, rows: int) -> None:
    audit.by(
        session,
        viewer,
        action,
        site_id=site_id,
        subject_kind="incident",
        subject_id=incident_id,
        fields="name,company" if action != "dashboard.incident_noted" else "",
        details={"rows": str(rows)},
    )


@router.get("/sites/{site_id}/incidents")
def incident_list(
    request: Request, site_id: PathId, viewer: CurrentViewer, session: SessionDep
) -> Response:
    require(viewer, "incidents", site_id)
    with session.begin():
        site = site_or_404(session, viewer, site_id)
        found = list(reversed(incidents.incidents(session, site_id=site_id)))
    return render(
        request,
        "incidents.html",
        viewer=viewer,
        site=site,
        incidents=found,
        duration=lambda i: duration_text(((i.ended_at or now()) - i.started_at).total_seconds()),
    )


@router.get("/sites/{site_id}/incidents/{incident_id}")
def incident_page(
    request: Request,
    site_id: PathId,
    incident_id: PathId,
    viewer: CurrentViewer,
    session: SessionDep,
    error: str = "",
) -> Response:
    require(viewer, "incidents", site_id)
    with session.begin():
        site = site_or_404(session, viewer, site_id)
        review = incident_review(session, site_id=site_id, incident_id=incident_id)
        if review is None:
            raise PageMissing(viewer)
        _audit(session, viewer, "dashboard.viewed", site_id, incident_id, len(review.people))
    t = translator(language(request, viewer))
    names = {r.person.person_id: r.person.name for r in review.people}
    timeline = [(e.event, describe(e, names, t)) for e in review.incident.entries]
    return render(
        request,
        "incident.html",
        viewer=viewer,
        site=site,
        review=review,
        incident=review.incident,
        timeline=timeline,
        duration=duration_text,
        error=error == "note",
    )


@router.get("/sites/{site_id}/incidents/{incident_id}/record.pdf")
def incident_pdf(
    site_id: PathId, incident_id: PathId, viewer: CurrentViewer, session: SessionDep
) -> Response:
    require(viewer, "incidents", site_id)
    with session.begin():
        site = site_or_404(session, viewer, site_id)
        review = incident_review(session, site_id=site_id, incident_id=incident_id)
        if review is None:
            raise PageMissing(viewer)
        _audit(session, viewer, "dashboard.export", site_id, incident_id, len(review.people))
    pdf = render_incident(
        review,
        site_name=f"{site.name_zh} / {site.name_en}",
        zone=site.timezone or "UTC",
        printed_at=now(),
    )
    name = f"incident-{site_id}-{review.incident.started_at:%Y%m%d-%H%M}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/sites/{site_id}/incidents/{incident_id}/notes")
def add_note(
    site_id: PathId,
    incident_id: PathId,
    viewer: PostingViewer,
    session: SessionDep,
    note: NoteText = "",
) -> Response:
    require(viewer, "incidents", site_id)
    back = f"{PREFIX}/sites/{site_id}/incidents/{incident_id}"
    if not note.strip():
        return RedirectResponse(f"{back}?error=note#notes", status_code=303)
    with session.begin():
        site_or_404(session, viewer, site_id)
        try:
            incidents.note(
                session, site_id=site_id, incident_id=incident_id, by=viewer.actor, text=note
            )
        except NotFoundError:
            raise PageMissing(viewer) from None
        _audit(session, viewer, "dashboard.incident_noted", site_id, incident_id, 1)
    return RedirectResponse(f"{back}#notes", status_code=303)
