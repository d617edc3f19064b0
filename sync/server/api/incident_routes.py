"""A site's emergency incidents at head office (admin tokens), folded from the kiosks' entries
(``sync/server/incidents.py``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from .. import incidents
from .admin_common import ADMIN_RESPONSES, NOT_FOUND, PathId, get_site
from .deps import CurrentAdmin, SessionDep

router = APIRouter(tags=["admin"], responses=ADMIN_RESPONSES)


@router.get("/sites/{site_id}/incidents", responses=NOT_FOUND)
def list_site_incidents(
    site_id: PathId, _: CurrentAdmin, session: SessionDep
) -> list[dict[str, Any]]:
    """The site's incidents, oldest first: start, end, each kiosk's switch, marks, prints."""
    get_site(session, site_id)
    return [incidents.public(i) for i in incidents.incidents(session, site_id=site_id)]
