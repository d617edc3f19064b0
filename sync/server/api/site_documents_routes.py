"""A site's documents (admin tokens): the kiosk settings document and the building map, each
replaced whole and sent to the site's kiosks as ``site.settings`` and ``site.map``. (The typed
building for wayfinding has its own routes, ``sync/server/buildings.py``.)
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kiosk.core.config.errors import ConfigError, ValidationError
from kiosk.core.events import SiteMap, SiteSettings
from kiosk.core.tickets.categories import parse_categories

from ...protocol import ErrorOut
from ..changes import append_change
from .admin_common import ADMIN_RESPONSES, NOT_FOUND, PathId, get_site
from .deps import CurrentAdmin, SessionDep
from .schemas import OpaqueDocument

router = APIRouter(tags=["admin"], responses=ADMIN_RESPONSES)


@router.put(
    "/sites/{site_id}/settings",
    response_model=OpaqueDocument,
    responses={
        **NOT_FOUND,
        400: {"model": ErrorOut, "description": "tickets.categories the kiosks could not read"},
    },
)
def put_site_settings(
    site_id: PathId, body: OpaqueDocument, _: CurrentAdmin, session: SessionDep
) -> dict[str, Any]:
    """Replace the site's kiosk settings document; kiosks receive it as ``site.settings``.
    ``tickets.categories``, when given, must be the kiosk's ``key:中文:English[:department]``
    entries (400 naming the first that is not)."""
    tickets = (body.model_extra or {}).get("tickets")
    if isinstance(tickets, dict) and "categories" in tickets:
        try:
            parse_categories(tickets["categories"], where="tickets.categories")
        except ConfigError as e:
            raise ValidationError(str(e.detail or e)) from e
    with session.begin():
        site = get_site(session, site_id)
        site.settings = body.model_dump(mode="json")
        session.flush()
        append_change(session, site_id=site_id, change=SiteSettings.model_validate(site.settings))
    return site.settings


@router.put("/sites/{site_id}/map", response_model=OpaqueDocument, responses=NOT_FOUND)
def put_building_map(
    site_id: PathId, body: OpaqueDocument, _: CurrentAdmin, session: SessionDep
) -> dict[str, Any]:
    """Replace the site's building map (opaque JSON); kiosks receive it as ``site.map``."""
    with session.begin():
        site = get_site(session, site_id)
        site.building_map = body.model_dump(mode="json")
        session.flush()
        append_change(session, site_id=site_id, change=SiteMap.model_validate(site.building_map))
    return site.building_map
