"""The read and manage API for head office and integrators (admin tokens only).

Every change a site's kiosks must know about is appended to that site's pull feed in the same
transaction (``append_change``), so a kiosk never sees a half-made change.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kiosk.core.config.errors import ConfigError, NotFoundError, ValidationError
from kiosk.core.events import SiteMap, SiteSettings
from kiosk.core.notify.channels import AppriseNotifier, validate_urls

from ...protocol import ErrorOut
from .. import feed
from ..changes import NewChange, append_change, append_changes
from ..errors import ConflictError
from ..models import Department, Host, Invitation, Kiosk, Site, Visit, Visitor, WatchlistEntry
from ..security import digest, new_enrollment_code
from .deps import CurrentAdmin, SessionDep
from .schemas import (
    Deleted,
    DepartmentPublic,
    DepartmentUpsert,
    HostPublic,
    HostUpsert,
    InvitationCreate,
    InvitationPublic,
    InvitationUpdate,
    KioskCreate,
    KioskEnrollmentCode,
    KioskPublic,
    OpaqueDocument,
    RollCallEntry,
    RollCallPublic,
    SiteCreate,
    SitePublic,
    VisitPublic,
    WatchlistCreate,
    WatchlistPublic,
)

router = APIRouter(
    tags=["admin"],
    responses={
        401: {"model": ErrorOut, "description": "missing, unknown or revoked token"},
        403: {"model": ErrorOut, "description": "not an admin token"},
    },
)
_404: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "not found"}}
ENROLLMENT_CODE_HOURS = 72
SiteFilter = Annotated[str | None, Query(max_length=64)]
PathId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]


def _site(session: Session, site_id: str) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise NotFoundError(f"no site {site_id!r}")
    return site


# -- sites and kiosks ------------------------------------------------------------------------
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


@router.put("/sites/{site_id}/settings", response_model=OpaqueDocument, responses=_404)
def put_site_settings(
    site_id: PathId, body: OpaqueDocument, _: CurrentAdmin, session: SessionDep
) -> dict[str, Any]:
    """Replace the site's kiosk settings document; kiosks receive it as ``site.settings``."""
    with session.begin():
        site = _site(session, site_id)
        site.settings = body.model_dump(mode="json")
        session.flush()
        append_change(session, site_id=site_id, change=SiteSettings.model_validate(site.settings))
    return site.settings


@router.put("/sites/{site_id}/map", response_model=OpaqueDocument, responses=_404)
def put_building_map(
    site_id: PathId, body: OpaqueDocument, _: CurrentAdmin, session: SessionDep
) -> dict[str, Any]:
    """Replace the site's building map (opaque JSON); kiosks receive it as ``site.map``."""
    with session.begin():
        site = _site(session, site_id)
        site.building_map = body.model_dump(mode="json")
        session.flush()
        append_change(session, site_id=site_id, change=SiteMap.model_validate(site.building_map))
    return site.building_map


@router.get("/kiosks", response_model=list[KioskPublic])
def list_kiosks(_: CurrentAdmin, session: SessionDep, site_id: SiteFilter = None) -> list[Kiosk]:
    query = select(Kiosk).order_by(Kiosk.id)
    if site_id:
        query = query.where(Kiosk.site_id == site_id)
    return list(session.scalars(query))


@router.post("/kiosks", response_model=KioskEnrollmentCode, status_code=201, responses=_404)
def create_kiosk(body: KioskCreate, _: CurrentAdmin, session: SessionDep) -> KioskEnrollmentCode:
    """Register a kiosk; the answer holds its one-time enrollment code."""
    with session.begin():
        _site(session, body.site_id)
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


@router.post("/kiosks/{kiosk_id}/revoke", response_model=KioskPublic, responses=_404)
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


# -- visits ----------------------------------------------------------------------------------
@router.get("/visits", response_model=list[VisitPublic])
def list_visits(
    _: CurrentAdmin,
    session: SessionDep,
    site_id: SiteFilter = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    host_id: Annotated[str | None, Query(max_length=64)] = None,
    on_site: bool = False,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[VisitPublic]:
    """Visits, newest first; ``date_from``/``date_to`` bound the check-in (or creation) time."""
    query = (
        select(Visit, Visitor)
        .outerjoin(Visitor, Visitor.id == Visit.visitor_id)
        .where(Visit.state != "")  # a placeholder: only its badge or notify events arrived
    )
    if site_id:
        query = query.where(Visit.site_id == site_id)
    if host_id:
        query = query.where(Visit.host_id == host_id)
    if on_site:
        query = query.where(Visit.state == "checked_in")
    if date_from:
        query = query.where(Visit.created_at >= date_from)
    if date_to:
        query = query.where(Visit.created_at < date_to)
    query = query.order_by(Visit.created_at.desc(), Visit.id).limit(limit).offset(offset)
    out = []
    for visit, visitor in session.execute(query):
        item = VisitPublic.model_validate(visit)
        if visitor is not None:
            item = item.model_copy(
                update={"visitor_name": visitor.name, "visitor_company": visitor.company}
            )
        out.append(item)
    return out


@router.get("/sites/{site_id}/roll-call", response_model=RollCallPublic, responses=_404)
def roll_call(site_id: PathId, _: CurrentAdmin, session: SessionDep) -> RollCallPublic:
    """Everyone on site now (for an evacuation): visits checked in and not out."""
    _site(session, site_id)
    rows = session.execute(
        select(Visit, Visitor)
        .outerjoin(Visitor, Visitor.id == Visit.visitor_id)
        .where(Visit.site_id == site_id, Visit.state == "checked_in")
        .order_by(Visit.checked_in_at)
    ).all()
    entries = [
        RollCallEntry(
            visit_id=v.id,
            visitor_name=p.name if p else "",
            visitor_company=p.company if p else "",
            host_id=v.host_id,
            department_id=v.department_id,
            checked_in_at=v.checked_in_at,
            kiosk_id=v.kiosk_id,
        )
        for v, p in rows
    ]
    return RollCallPublic(
        site_id=site_id, generated_at=datetime.now(UTC), count=len(entries), on_site=entries
    )


# -- invitations -----------------------------------------------------------------------------
def _invitation(session: Session, invitation_id: str) -> Invitation:
    inv = session.get(Invitation, invitation_id)
    if inv is None:
        raise NotFoundError(f"no invitation {invitation_id!r}")
    return inv


def _feed_invitation(session: Session, inv: Invitation) -> None:
    session.flush()
    append_change(session, site_id=inv.site_id, change=feed.invitation_upserted(inv))


def _check_host(session: Session, site_id: str, host_id: str | None) -> None:
    if host_id is None:
        return
    host = session.get(Host, host_id)
    if host is None or host.site_id != site_id:
        raise ValidationError(f"no host {host_id!r} at this site")


@router.get("/invitations", response_model=list[InvitationPublic])
def list_invitations(
    _: CurrentAdmin,
    session: SessionDep,
    site_id: SiteFilter = None,
    state: Annotated[str | None, Query(pattern="^(pending|used|cancelled)$")] = None,
) -> list[Invitation]:
    query = select(Invitation).order_by(Invitation.updated_at.desc(), Invitation.id)
    if site_id:
        query = query.where(Invitation.site_id == site_id)
    if state:
        query = query.where(Invitation.state == state)
    return list(session.scalars(query.limit(5000)))


@router.post(
    "/invitations",
    response_model=InvitationPublic,
    status_code=201,
    responses={**_404, 400: {"model": ErrorOut, "description": "unknown host"}},
)
def create_invitation(body: InvitationCreate, _: CurrentAdmin, session: SessionDep) -> Invitation:
    """Invite a guest; the site's kiosks pull it and check the guest in by code or phone."""
    with session.begin():
        _site(session, body.site_id)
        _check_host(session, body.site_id, body.host_id)
        inv = Invitation(
            id=secrets.token_hex(16),
            code=_new_invitation_code(session),
            state="pending",
            updated_at=datetime.now(UTC),
            **body.model_dump(),
        )
        session.add(inv)
        _feed_invitation(session, inv)
    return inv


def _new_invitation_code(session: Session) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        code = "".join(secrets.choice(alphabet) for _ in range(8))
        if session.scalar(select(Invitation.id).where(Invitation.code == code)) is None:
            return code


@router.get("/invitations/{invitation_id}", response_model=InvitationPublic, responses=_404)
def get_invitation(invitation_id: PathId, _: CurrentAdmin, session: SessionDep) -> Invitation:
    return _invitation(session, invitation_id)


@router.patch(
    "/invitations/{invitation_id}",
    response_model=InvitationPublic,
    responses={
        **_404,
        400: {"model": ErrorOut, "description": "unknown host"},
        409: {"model": ErrorOut, "description": "not pending"},
    },
)
def update_invitation(
    invitation_id: PathId, body: InvitationUpdate, _: CurrentAdmin, session: SessionDep
) -> Invitation:
    with session.begin():
        inv = _invitation(session, invitation_id)
        if inv.state != "pending":
            raise ConflictError(f"invitation is {inv.state}")
        changes = body.model_dump(exclude_unset=True)
        if "host_id" in changes:
            _check_host(session, inv.site_id, changes["host_id"])
        for key, value in changes.items():
            setattr(inv, key, value)
        inv.updated_at = datetime.now(UTC)
        _feed_invitation(session, inv)
    return inv


@router.post(
    "/invitations/{invitation_id}/cancel",
    response_model=InvitationPublic,
    responses={**_404, 409: {"model": ErrorOut, "description": "already used"}},
)
def cancel_invitation(invitation_id: PathId, _: CurrentAdmin, session: SessionDep) -> Invitation:
    with session.begin():
        inv = _invitation(session, invitation_id)
        if inv.state == "used":
            raise ConflictError("invitation already used")
        if inv.state != "cancelled":
            inv.state = "cancelled"
            inv.updated_at = datetime.now(UTC)
            _feed_invitation(session, inv)
    return inv


# -- directory -------------------------------------------------------------------------------
@router.get("/departments", response_model=list[DepartmentPublic])
def list_departments(
    _: CurrentAdmin, session: SessionDep, site_id: SiteFilter = None
) -> list[Department]:
    query = select(Department).order_by(Department.id)
    if site_id:
        query = query.where(Department.site_id == site_id)
    return list(session.scalars(query))


@router.put(
    "/departments/{department_id}",
    response_model=DepartmentPublic,
    responses={**_404, 409: {"model": ErrorOut, "description": "belongs to another site"}},
)
def put_department(
    department_id: PathId,
    body: DepartmentUpsert,
    _: CurrentAdmin,
    session: SessionDep,
) -> Department:
    with session.begin():
        _site(session, body.site_id)
        dep = session.get(Department, department_id)
        if dep is not None and dep.site_id != body.site_id:
            raise ConflictError("department of another site")
        if dep is None:
            dep = Department(id=department_id, **body.model_dump())
            session.add(dep)
        else:
            for key, value in body.model_dump().items():
                setattr(dep, key, value)
        session.flush()
        append_change(session, site_id=dep.site_id, change=feed.department_upserted(dep))
    return dep


@router.delete(
    "/departments/{department_id}",
    response_model=Deleted,
    responses={**_404, 409: {"model": ErrorOut, "description": "still has hosts"}},
)
def delete_department(department_id: PathId, _: CurrentAdmin, session: SessionDep) -> Deleted:
    with session.begin():
        dep = session.get(Department, department_id)
        if dep is None:
            raise NotFoundError(f"no department {department_id!r}")
        if session.scalar(select(Host.id).where(Host.department_id == department_id).limit(1)):
            raise ConflictError("the department still has hosts")
        session.delete(dep)
        append_change(session, site_id=dep.site_id, change=feed.department_deleted(dep.id))
    return Deleted(id=department_id)


@router.get("/hosts", response_model=list[HostPublic])
def list_hosts(_: CurrentAdmin, session: SessionDep, site_id: SiteFilter = None) -> list[Host]:
    query = select(Host).order_by(Host.id)
    if site_id:
        query = query.where(Host.site_id == site_id)
    return list(session.scalars(query))


@router.put(
    "/hosts/{host_id}",
    response_model=HostPublic,
    responses={
        **_404,
        409: {"model": ErrorOut, "description": "belongs to another site"},
        400: {
            "model": ErrorOut,
            "description": "unknown department or delegate, or a notify URL apprise rejects",
        },
    },
)
def put_host(host_id: PathId, body: HostUpsert, _: CurrentAdmin, session: SessionDep) -> Host:
    _check_notify_urls(body.notify_urls)
    with session.begin():
        _site(session, body.site_id)
        dep = session.get(Department, body.department)
        if dep is None or dep.site_id != body.site_id:
            raise ValidationError(f"no department {body.department!r} at this site")
        if body.delegate:
            _check_host(session, body.site_id, body.delegate)
        host = session.get(Host, host_id)
        if host is not None and host.site_id != body.site_id:
            raise ConflictError("host of another site")
        if host is None:
            host = Host(id=host_id, **body.columns())
            session.add(host)
        else:
            for key, value in body.columns().items():
                setattr(host, key, value)
        session.flush()
        append_change(session, site_id=host.site_id, change=feed.host_upserted(host))
    return host


def _check_notify_urls(urls: list[str]) -> None:
    """``ValidationError`` (400) naming the first URL apprise does not understand, by position
    and with its secrets masked. A fresh notifier per request: its plugin cache would otherwise
    keep every URL ever sent to this process."""
    notifier = AppriseNotifier()
    for i, url in enumerate(urls):
        try:
            validate_urls(notifier, [url], where=f"notify_urls[{i}]")
        except ConfigError as e:
            raise ValidationError(e.detail, field="notify_urls") from e


@router.delete("/hosts/{host_id}", response_model=Deleted, responses=_404)
def delete_host(host_id: PathId, _: CurrentAdmin, session: SessionDep) -> Deleted:
    with session.begin():
        host = session.get(Host, host_id)
        if host is None:
            raise NotFoundError(f"no host {host_id!r}")
        session.delete(host)
        append_change(session, site_id=host.site_id, change=feed.host_deleted(host.id))
    return Deleted(id=host_id)


# -- watchlist -------------------------------------------------------------------------------
def _watchlist_sites(session: Session, site_id: str) -> list[str]:
    if site_id == "*":
        return list(session.scalars(select(Site.id).order_by(Site.id)))
    _site(session, site_id)
    return [site_id]


@router.get("/watchlist", response_model=list[WatchlistPublic])
def list_watchlist(
    _: CurrentAdmin, session: SessionDep, site_id: SiteFilter = None
) -> list[WatchlistEntry]:
    query = select(WatchlistEntry).order_by(WatchlistEntry.id)
    if site_id:
        query = query.where(WatchlistEntry.site_id.in_([site_id, "*"]))
    return list(session.scalars(query))


@router.post("/watchlist", response_model=WatchlistPublic, status_code=201, responses=_404)
def create_watchlist_entry(
    body: WatchlistCreate, _: CurrentAdmin, session: SessionDep
) -> WatchlistEntry:
    """Add an entry; ``site_id`` "*" puts it on every site's kiosks."""
    with session.begin():
        sites = _watchlist_sites(session, body.site_id)
        entry = WatchlistEntry(id=secrets.token_hex(16), **body.model_dump())
        session.add(entry)
        session.flush()
        change = NewChange.of(feed.watchlist_upserted(entry))
        for site_id in sites:
            append_changes(session, site_id=site_id, changes=[change])
    return entry


@router.delete("/watchlist/{entry_id}", response_model=Deleted, responses=_404)
def delete_watchlist_entry(entry_id: PathId, _: CurrentAdmin, session: SessionDep) -> Deleted:
    with session.begin():
        entry = session.get(WatchlistEntry, entry_id)
        if entry is None:
            raise NotFoundError(f"no watchlist entry {entry_id!r}")
        sites = _watchlist_sites(session, entry.site_id)
        session.execute(delete(WatchlistEntry).where(WatchlistEntry.id == entry_id))
        for site_id in sites:
            append_change(session, site_id=site_id, change=feed.watchlist_deleted(entry_id))
    return Deleted(id=entry_id)
