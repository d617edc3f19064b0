"""Building files at head office: upload, validate, keep the latest, send to the site's kiosks.

``PUT /api/v1/sites/{site}/building`` (admin token) takes a building file
(``docs/building-format.md``), checks it with the kiosk's own validator
(``kiosk.core.wayfinding.building.building_from_dict``) and answers 422 with every problem listed
when it is wrong. A good one replaces the site's row in ``site_buildings`` (version + 1, SHA-256 of
its canonical JSON) and goes into the site's pull feed as ``building.updated`` in the same
transaction; the kiosk writes it to ``<data dir>/building.json``
(``kiosk.core.wayfinding.building_store.building_updated``). Uploading the same building again
changes nothing. ``kiosk-server upload-building SITE FILE`` does the same from the command line.

Floor images are not distributed: a building sent through sync draws its floors with vector
outlines. The ``site_buildings`` table is created by migration 0004; its model lives here,
next to the only code that writes it. ``site_building`` gives the parsed building to the route
page (``route_page.py``), parsed once per version.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kiosk.core.config.errors import ConfigError, NotFoundError, ValidationError
from kiosk.core.events import BuildingUpdated
from kiosk.core.wayfinding.building import building_from_dict
from kiosk.core.wayfinding.building_store import building_hash
from kiosk.core.wayfinding.model import Building

from ..protocol import ErrorOut
from .api.admin_common import PathId
from .api.deps import CurrentAdmin, SessionDep
from .changes import append_change
from .models import Base, Site

router = APIRouter(tags=["admin"])

#: floor images are looked up here, where there are none: a building that names one is refused
_NO_IMAGES = Path("/nonexistent/lobby-kiosk-floor-images")


class SiteBuilding(Base):
    """The latest building of a site (one row per site)."""

    __tablename__ = "site_buildings"
    site_id: Mapped[str] = mapped_column(
        ForeignKey("sites.id", name="site_buildings_site"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]]
    uploaded_by: Mapped[str] = mapped_column(String(200), default="")
    uploaded_at: Mapped[datetime]


class BuildingRejected(ValidationError):
    """The building file has problems; ``problems`` lists each one."""

    message_key = "error.config"

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the building file")
        self.problems = problems


class BuildingPublic(BaseModel):
    site_id: str
    version: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    #: false when the upload was the building head office already had
    changed: bool = True
    #: rooms with no step-free way from the kiosk (allowed, but worth knowing)
    warnings: list[str] = []


class BuildingProblems(BaseModel):
    detail: str
    problems: list[str]


def check_building(document: Any) -> Building:
    """The validated building, or ``BuildingRejected`` listing every problem."""
    problems: list[str] = []
    floors = document.get("floors") if isinstance(document, dict) else None
    for i, floor in enumerate(floors if isinstance(floors, list) else []):
        if isinstance(floor, dict) and floor.get("image") is not None:
            problems.append(
                f"floor '{floor.get('id', i)}': floor images are not distributed by sync; "
                "draw the floor with an 'outline'"
            )
    try:
        building = building_from_dict(document, source="upload", base_dir=_NO_IMAGES)
    except ConfigError as e:
        text = e.detail or str(e)
        found = [line[4:] for line in text.splitlines() if line.startswith("  - ")]
        if not found:
            found = [text.removeprefix("upload: ")]
        problems += [p for p in found if "missing floor image" not in p]
        raise BuildingRejected(problems) from e
    if problems:
        raise BuildingRejected(problems)
    return building


def store_building(
    session: Session, *, site_id: str, document: Any, uploaded_by: str
) -> tuple[SiteBuilding, Building, bool]:
    """Validate and keep a site's building; feed it to the site's kiosks if it is new.

    Runs in the caller's transaction. Returns the row, the parsed building and whether it
    changed. ``NotFoundError`` for an unknown site, ``BuildingRejected`` for a bad file.
    """
    building = check_building(document)
    # the site row's lock orders two uploads for one site (append_change takes it anyway)
    site = session.get(Site, site_id, with_for_update=True)
    if site is None:
        raise NotFoundError(f"no site {site_id!r}")
    sha = building_hash(document)
    row = session.get(SiteBuilding, site_id)
    if row is not None and row.sha256 == sha:
        return row, building, False
    now = datetime.now(UTC)
    if row is None:
        row = SiteBuilding(site_id=site_id, version=1, sha256=sha, document=document)
        session.add(row)
    else:
        row.version += 1
        row.sha256 = sha
        row.document = document
    row.uploaded_by = uploaded_by
    row.uploaded_at = now
    session.flush()
    append_change(
        session,
        site_id=site_id,
        change=BuildingUpdated(site_id=site_id, version=row.version, sha256=sha, building=document),
    )
    return row, building, True


def _public(row: SiteBuilding, building: Building, changed: bool) -> BuildingPublic:
    return BuildingPublic(
        site_id=row.site_id,
        version=row.version,
        sha256=row.sha256,
        uploaded_by=row.uploaded_by,
        uploaded_at=row.uploaded_at,
        changed=changed,
        warnings=list(building.warnings),
    )


@router.put(
    "/sites/{site_id}/building",
    response_model=BuildingPublic,
    responses={
        401: {"model": ErrorOut, "description": "missing, unknown or revoked token"},
        403: {"model": ErrorOut, "description": "not an admin token"},
        404: {"model": ErrorOut, "description": "no such site"},
        422: {"model": BuildingProblems, "description": "the building file has problems"},
    },
)
def put_building(
    site_id: PathId,
    admin: CurrentAdmin,
    session: SessionDep,
    document: dict[str, Any] = Body(  # noqa: B008 (FastAPI's way to take any JSON object)
        ..., description="a building file, format lobby-kiosk-building/1"
    ),
) -> Any:
    """Upload the site's building file; its kiosks receive it as ``building.updated``."""
    try:
        with session.begin():
            row, building, changed = store_building(
                session, site_id=site_id, document=document, uploaded_by=admin.name
            )
            public = _public(row, building, changed)
    except BuildingRejected as e:
        return JSONResponse(
            {
                "detail": f"the building file has {len(e.problems)} problem(s)",
                "problems": e.problems,
            },
            status_code=422,
        )
    return public


@router.get(
    "/sites/{site_id}/building",
    responses={
        401: {"model": ErrorOut, "description": "missing, unknown or revoked token"},
        403: {"model": ErrorOut, "description": "not an admin token"},
        404: {"model": ErrorOut, "description": "no building for this site"},
    },
)
def get_building(site_id: PathId, _: CurrentAdmin, session: SessionDep) -> dict[str, Any]:
    """The site's current building file (as uploaded)."""
    row = session.get(SiteBuilding, site_id)
    if row is None:
        raise NotFoundError(f"no building for site {site_id!r}")
    return row.document


def upload_building_file(sessions: Any, site_id: str, path: str) -> int:
    """``kiosk-server upload-building SITE FILE``: what the PUT route does, from a shell."""
    import json
    import sys

    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        print(f"{path}: cannot read a JSON building file: {e}", file=sys.stderr)
        return 1
    try:
        with sessions() as session, session.begin():
            row, building, changed = store_building(
                session, site_id=site_id, document=document, uploaded_by="kiosk-server cli"
            )
            version, sha = row.version, row.sha256
    except BuildingRejected as e:
        print(f"{path}: {len(e.problems)} problem(s) in the building file:", file=sys.stderr)
        for problem in e.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    except NotFoundError:
        print(f"no site {site_id!r}; add it with add-site first", file=sys.stderr)
        return 1
    for warning in building.warnings:
        print(f"warning: {warning}")
    if changed:
        print(f"building v{version} ({sha[:12]}) of site {site_id} sent to its kiosks")
    else:
        print(f"site {site_id} already has this building (v{version}, {sha[:12]}); nothing sent")
    return 0


# -- for the route page --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SiteBuildingVersion:
    site_id: str
    version: int
    sha256: str
    building: Building


_parsed: dict[str, Building] = {}
_parsed_lock = threading.Lock()
_PARSED_MAX = 32


def site_building(session: Session, site_id: str) -> SiteBuildingVersion | None:
    """The site's current building, parsed once per version (None if it has none)."""
    head = session.execute(
        select(SiteBuilding.version, SiteBuilding.sha256).where(SiteBuilding.site_id == site_id)
    ).first()
    if head is None:
        return None
    version, sha = head
    with _parsed_lock:
        building = _parsed.get(sha)
    if building is None:
        document = session.scalar(
            select(SiteBuilding.document).where(SiteBuilding.site_id == site_id)
        )
        building = building_from_dict(document, source=f"{site_id} v{version}")
        with _parsed_lock:
            if len(_parsed) >= _PARSED_MAX:
                _parsed.pop(next(iter(_parsed)))
            _parsed[sha] = building
    return SiteBuildingVersion(site_id, version, sha, building)
