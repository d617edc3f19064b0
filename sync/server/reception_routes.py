"""Admin routes for the site's staff accounts (the dashboard issue adds the page).

``POST /sites/{site_id}/staff`` takes the PIN once, hashes it with the site's staff-pin key and
feeds ``staff.upserted`` to the site's kiosks; no route ever returns a PIN or its hash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from kiosk.core.config.errors import NotFoundError

from ..protocol import ErrorOut
from .api.deps import CurrentAdmin, SessionDep
from .models import Site
from .reception import StaffAccount, add_staff, site_staff

router = APIRouter(tags=["admin"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "bad name, role or PIN"},
    404: {"model": ErrorOut, "description": "no such site"},
}
PathId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]


class StaffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    role: Literal["receptionist", "supervisor", "admin"]
    pin: str = Field(min_length=6, max_length=12, pattern=r"^[0-9]+$")
    language: Literal["", "zh_CN", "en"] = ""


class StaffPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    site_id: str
    name: str
    role: str
    language: str
    disabled: bool
    updated_at: datetime


@router.post(
    "/sites/{site_id}/staff", response_model=StaffPublic, status_code=201, responses=_ERRORS
)
def create_staff(
    site_id: PathId, body: StaffCreate, _: CurrentAdmin, session: SessionDep
) -> StaffAccount:
    with session.begin():
        row = add_staff(session, site_id=site_id, **body.model_dump())
    return row


@router.get("/sites/{site_id}/staff", response_model=list[StaffPublic], responses=_ERRORS)
def list_staff(site_id: PathId, _: CurrentAdmin, session: SessionDep) -> list[StaffAccount]:
    if session.get(Site, site_id) is None:
        raise NotFoundError(f"no site {site_id!r}")
    return site_staff(session, site_id)
