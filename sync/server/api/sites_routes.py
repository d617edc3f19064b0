"""Sites and their kiosks (admin tokens): list, create, rename and address sites; register,
list and revoke kiosks. The records are made and changed by ``create_site_record``/
``update_site_record``/``create_kiosk_record``, which the ``kiosk-server`` command line and
the test harness use too. A site's new names reach its kiosks as ``site.updated`` in its pull
feed; its postal address stays at head office (``site_address.py``).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.core.config.errors import NotFoundError, ValidationError
from kiosk.core.events import SiteUpdated

from ...protocol import ErrorOut
from .. import feed
from ..changes import append_change
from ..errors import ConflictError
from ..models import Kiosk, Site
from ..security import digest, new_enrollment_code
from ..site_address import clean_address
from .admin_common import ADMIN_RESPONSES, NOT_FOUND, PathId, SiteFilter, get_site
from .deps import CurrentAdmin, SessionDep
from .pages import PAGE, After, Limit, by_id, page
from .schemas import (
    KioskCreate,
    KioskEnrollmentCode,
    KioskPublic,
    SiteCreate,
    SitePublic,
    SiteUpdate,
)

router = APIRouter(tags=["admin"], responses=ADMIN_RESPONSES)
ENROLLMENT_CODE_HOURS = 72


@router.get("/sites", response_model=list[SitePublic])
def list_sites(
    _: CurrentAdmin,
    session: SessionDep,
    request: Request,
    response: Response,
    after: After = None,
    limit: Limit = PAGE,
) -> list[Site]:
    """Sites by id, a page at a time (``pages.py``)."""
    rows = session.scalars(by_id(select(Site), Site.id, after).limit(limit + 1)).all()
    return page(rows, limit, request=request, response=response, position=lambda r: r.id)


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
    session: Session,
    *,
    id: str,
    name_zh: str,
    name_en: str,
    timezone: str = "Asia/Shanghai",
    address_zh: str = "",
    address_en: str = "",
) -> Site:
    """A new site; ``ValidationError`` (400) for an address ``clean_address`` refuses."""
    site = Site(
        id=id,
        name_zh=name_zh,
        name_en=name_en,
        timezone=timezone,
        address_zh=clean_address(address_zh, field="address_zh"),
        address_en=clean_address(address_en, field="address_en"),
        settings={},
        building_map={},
        change_seq=0,
    )
    session.add(site)
    session.flush()
    return site


@router.patch(
    "/sites/{site_id}",
    response_model=SitePublic,
    responses={
        **NOT_FOUND,
        400: {"model": ErrorOut, "description": "blank name, unknown zone, bad address"},
    },
)
def update_site(site_id: PathId, body: SiteUpdate, _: CurrentAdmin, session: SessionDep) -> Site:
    """Change a site's names, time zone or address; its kiosks receive the names and zone as
    ``site.updated`` (the address is head office's: mails and the route page)."""
    with session.begin():
        site = get_site(session, site_id)
        update_site_record(session, site, **body.model_dump(exclude_unset=True))
    return site


def update_site_record(
    session: Session,
    site: Site,
    *,
    name_zh: str | None = None,
    name_en: str | None = None,
    timezone: str | None = None,
    address_zh: str | None = None,
    address_en: str | None = None,
) -> bool:
    """Give ``site`` the names, zone and address given (None keeps one) and append
    ``site.updated`` to its feed when a name or the zone changes; False when nothing changes.
    ``ValidationError`` (400) for a blank name, a zone the zone database does not know or an
    address ``clean_address`` refuses; nothing changes then."""
    addresses = {
        key: clean_address(value, field=key)
        for key, value in (("address_zh", address_zh), ("address_en", address_en))
        if value is not None
    }
    wanted = {
        "name_zh": site.name_zh if name_zh is None else name_zh.strip(),
        "name_en": site.name_en if name_en is None else name_en.strip(),
        "timezone": site.timezone if timezone is None else timezone.strip(),
    }
    try:
        SiteUpdated(site_id=site.id, **wanted)  # the wire's own checks, before any change
    except PydanticValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ValidationError(f"{field}: {first['msg']}", field=field) from e
    moved = {key: value for key, value in addresses.items() if getattr(site, key) != value}
    for key, value in moved.items():
        setattr(site, key, value)
    if all(getattr(site, key) == value for key, value in wanted.items()):
        if moved:
            session.flush()
        return bool(moved)
    for key, value in wanted.items():
        setattr(site, key, value)
    session.flush()
    append_change(session, site_id=site.id, change=feed.site_updated(site))
    return True


@router.get("/kiosks", response_model=list[KioskPublic])
def list_kiosks(
    _: CurrentAdmin,
    session: SessionDep,
    request: Request,
    response: Response,
    after: After = None,
    limit: Limit = PAGE,
    site_id: SiteFilter = None,
) -> list[Kiosk]:
    """Kiosks by id, a page at a time (``pages.py``)."""
    query = by_id(select(Kiosk), Kiosk.id, after)
    if site_id:
        query = query.where(Kiosk.site_id == site_id)
    rows = session.scalars(query.limit(limit + 1)).all()
    return page(rows, limit, request=request, response=response, position=lambda r: r.id)


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
