"""Sites and their kiosks (admin tokens): list and create sites, register, list and revoke
kiosks. The records are made by ``create_site_record``/``create_kiosk_record``, which the
``kiosk-server`` command line and the test harness use too.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.core.config.errors import NotFoundError

from ...protocol import ErrorOut
from ..errors import ConflictError
from ..models import Kiosk, Site
from ..security import digest, new_enrollment_code
from .admin_common import ADMIN_RESPONSES, NOT_FOUND, PathId, SiteFilter, get_site
from .deps import CurrentAdmin, SessionDep
from .schemas import KioskCreate, KioskEnrollmentCode, KioskPublic, SiteCreate, SitePublic

router = APIRouter(tags=["admin"], responses=ADMIN_RESPONSES)
ENROLLMENT_CODE_HOURS = 72


@router.get("/sites", response_model=list[SitePublic])
def list_sites(_: CurrentAdmin, session: SessionDep) -> list[Site]:
    return list(session.scalars(select(Site).order_by(Site.id)))


@router.post(
    "/sites",
    response_model=SitePublic,
    status_code=201,
    responses={409: {"model": ErrorOut, "description": "exists"}},
)
def create_site(body: SiteCreate, _: CurrentAdmin, session: SessionDep) -> Site:
    with session.begin():
        if session.get(Site, body.id) is not None:
            raise ConflictError(f"site {body.id!r} exists")
        site = create_site_record(session, **body.model_dump())
    return site


def create_site_record(
    session: Session, *, id: str, name_zh: str, name_en: str, timezone: str = "Asia/Shanghai"
) -> Site:
    site = Site(
        id=id,
        name_zh=name_zh,
        name_en=name_en,
        timezone=timezone,
        settings={},
        building_map={},
        change_seq=0,
    )
    session.add(site)
    session.flush()
    return site


@router.get("/kiosks", response_model=list[KioskPublic])
def list_kiosks(_: CurrentAdmin, session: SessionDep, site_id: SiteFilter = None) -> list[Kiosk]:
    query = select(Kiosk).order_by(Kiosk.id)
    if site_id:
        query = query.where(Kiosk.site_id == site_id)
    return list(session.scalars(query))


@router.post("/kiosks", response_model=KioskEnrollmentCode, status_code=201, responses=NOT_FOUND)
def create_kiosk(body: KioskCreate, _: CurrentAdmin, session: SessionDep) -> KioskEnrollmentCode:
    """Register a kiosk; the answer holds its one-time enrollment code."""
    with session.begin():
        get_site(session, body.site_id)
        kiosk, code = create_kiosk_record(session, site_id=body.site_id, name=body.name)
        return KioskEnrollmentCode(
            kiosk=KioskPublic.model_validate(kiosk),
            enrollment_code=code,
            expires_at=kiosk.code_expires_at or datetime.now(UTC),
        )


def create_kiosk_record(session: Session, *, site_id: str, name: str = "") -> tuple[Kiosk, str]:
    code = new_enrollment_code()
    now = datetime.now(UTC)
    kiosk = Kiosk(
        id=f"{site_id}-{secrets.token_hex(3)}",
        site_id=site_id,
        name=name,
        code_hash=digest(code),
        code_expires_at=now + timedelta(hours=ENROLLMENT_CODE_HOURS),
        created_at=now,
    )
    session.add(kiosk)
    session.flush()
    return kiosk, code


@router.post("/kiosks/{kiosk_id}/revoke", response_model=KioskPublic, responses=NOT_FOUND)
def revoke_kiosk(kiosk_id: PathId, _: CurrentAdmin, session: SessionDep) -> Kiosk:
    """Revoke a kiosk: its token stops working at once (401)."""
    with session.begin():
        kiosk = session.get(Kiosk, kiosk_id)
        if kiosk is None:
            raise NotFoundError(f"no kiosk {kiosk_id!r}")
        if kiosk.revoked_at is None:
            kiosk.revoked_at = datetime.now(UTC)
            kiosk.code_hash = None
    return kiosk
