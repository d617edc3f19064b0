"""A person's request through the admin API (admin tokens): export and erase by mobile number.

POST bodies carry the number, so it stays out of URLs and access logs. Exports and erasures are
audit entries of the site's head-office chain, naming the admin by id (``admin:<n>``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field

from kiosk.core.config.errors import NotFoundError

from ..person_requests import erase_person, erasure_status, export_csv, export_person
from .admin_common import ADMIN_RESPONSES, NOT_FOUND, PathId, get_site
from .deps import CurrentAdmin, SessionDep
from .schemas import _In

router = APIRouter(tags=["admin"], responses=ADMIN_RESPONSES)


class PersonRequestIn(_In):
    mobile: Annotated[str, Field(min_length=3, max_length=32)]


@router.post("/sites/{site_id}/person-requests/export", responses=NOT_FOUND)
def export_route(
    site_id: PathId,
    body: PersonRequestIn,
    admin: CurrentAdmin,
    session: SessionDep,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Any:
    """Everything held about the person with this number at the site (JSON, or CSV)."""
    with session.begin():
        site = get_site(session, site_id)
        exported = export_person(
            session, site, body.mobile, by=f"admin:{admin.id}", now=datetime.now(UTC)
        )
    if format == "csv":
        return Response(export_csv(exported), media_type="text/csv; charset=utf-8")
    return exported


@router.post("/sites/{site_id}/person-requests/erase", responses=NOT_FOUND)
def erase_route(
    site_id: PathId, body: PersonRequestIn, admin: CurrentAdmin, session: SessionDep
) -> dict[str, Any]:
    """Erase the person here and tell the site's kiosks; ``erasure_id`` follows it."""
    with session.begin():
        site = get_site(session, site_id)
        erasure = erase_person(
            session, site, body.mobile, by=f"admin:{admin.id}", now=datetime.now(UTC)
        )
    return {"erasure_id": erasure.id if erasure else None}


@router.get("/erasures/{erasure_id}", responses=NOT_FOUND)
def erasure_route(erasure_id: PathId, _: CurrentAdmin, session: SessionDep) -> dict[str, Any]:
    """The erasure and, per kiosk of its site, when it confirmed (null: not yet)."""
    with session.begin():
        found = erasure_status(session, erasure_id)
    if found is None:
        raise NotFoundError(f"no erasure {erasure_id!r}")
    return found
