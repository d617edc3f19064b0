"""A site's building file in the browser: the version the kiosks have, and uploading a new
one with every validation problem listed. The upload is ``PUT /api/v1/sites/{id}/building``'s
(``buildings.store_building``: the kiosk's own validator; the site's kiosks get a good file at
their next pull; the same file again changes nothing)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response

from ..api.admin_common import PathId
from ..api.deps import SessionDep
from ..buildings import BuildingRejected, SiteBuilding, store_building
from . import audit
from .web import CurrentViewer, PostingViewer, render, require, site_or_404

router = APIRouter(include_in_schema=False)
MAX_BUILDING_BYTES = 4 * 1024 * 1024


def _page(request: Request, viewer, session, site_id: str, **extra) -> Response:
    site = site_or_404(session, viewer, site_id)
    row = session.get(SiteBuilding, site_id)
    document = row.document if row else {}
    status_code = extra.pop("status_code", 200)
    return render(
        request,
        "building.html",
        viewer=viewer,
        site=site,
        row=row,
        floors=len(document.get("floors") or []),
        rooms=len(document.get("rooms") or []),
        status_code=status_code,
        **{"result": None, **extra},
    )


@router.get("/sites/{site_id}/building")
def building(request: Request, site_id: PathId, viewer: CurrentViewer, session: SessionDep):
    require(viewer, "overview", site_id)
    with session.begin():
        return _page(request, viewer, session, site_id)


@router.post("/sites/{site_id}/building")
def upload(
    request: Request,
    site_id: PathId,
    viewer: PostingViewer,
    session: SessionDep,
    file: Annotated[UploadFile, File()],
) -> Response:
    require(viewer, "directory", site_id)
    data = file.file.read(MAX_BUILDING_BYTES + 1)
    with session.begin():
        site_or_404(session, viewer, site_id)
        try:
            if len(data) > MAX_BUILDING_BYTES:
                raise ValueError(f"larger than {MAX_BUILDING_BYTES} bytes")
            document = json.loads(data.decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError) as e:
            return _page(
                request,
                viewer,
                session,
                site_id,
                result={"problems": [f"not a JSON building file: {e}"], "warnings": []},
                status_code=400,
            )
        try:
            row, parsed, changed = store_building(
                session, site_id=site_id, document=document, uploaded_by=viewer.actor
            )
        except BuildingRejected as e:
            return _page(
                request,
                viewer,
                session,
                site_id,
                result={"problems": e.problems, "warnings": []},
                status_code=422,
            )
        audit.by(
            session,
            viewer,
            "dashboard.building_uploaded",
            site_id=site_id,
            subject_kind="building",
            subject_id=f"{site_id}:v{row.version}",
        )
        result = {"problems": [], "warnings": list(parsed.warnings), "changed": changed}
        return _page(request, viewer, session, site_id, result=result)
