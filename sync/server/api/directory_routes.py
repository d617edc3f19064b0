"""The site directory at head office (admin tokens): departments, hosts and the watchlist.
Each change reaches the kiosks of its site (a watchlist entry for "*": of every site) through
their pull feed.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.core.config.errors import ConfigError, NotFoundError, ValidationError
from kiosk.core.notify.channels import AppriseNotifier, validate_urls

from ...protocol import ErrorOut
from .. import feed
from ..changes import NewChange, append_change, append_changes
from ..errors import ConflictError
from ..models import Department, Host, Site, WatchlistEntry
from .admin_common import ADMIN_RESPONSES, NOT_FOUND, PathId, SiteFilter, check_host, get_site
from .deps import CurrentAdmin, SessionDep
from .pages import PAGE, After, Limit, by_id, page
from .schemas import (
    Deleted,
    DepartmentPublic,
    DepartmentUpsert,
    HostPublic,
    HostUpsert,
    WatchlistCreate,
    WatchlistPublic,
)

router = APIRouter(tags=["admin"], responses=ADMIN_RESPONSES)


@router.get("/departments", response_model=list[DepartmentPublic])
def list_departments(
    _: CurrentAdmin,
    session: SessionDep,
    request: Request,
    response: Response,
    after: After = None,
    limit: Limit = PAGE,
    site_id: SiteFilter = None,
) -> list[Department]:
    """Departments by id, a page at a time (``pages.py``)."""
    query = by_id(select(Department), Department.id, after)
    if site_id:
        query = query.where(Department.site_id == site_id)
    rows = session.scalars(query.limit(limit + 1)).all()
    return page(rows, limit, request=request, response=response, position=lambda r: r.id)


@router.put(
    "/departments/{department_id}",
    response_model=DepartmentPublic,
    responses={**NOT_FOUND, 409: {"model": ErrorOut, "description": "belongs to another site"}},
)
def put_department(
    department_id: PathId,
    body: DepartmentUpsert,
    _: CurrentAdmin,
    session: SessionDep,
) -> Department:
    with session.begin():
        get_site(session, body.site_id)
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
    responses={**NOT_FOUND, 409: {"model": ErrorOut, "description": "still has hosts"}},
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
def list_hosts(
    _: CurrentAdmin,
    session: SessionDep,
    request: Request,
    response: Response,
    after: After = None,
    limit: Limit = PAGE,
    site_id: SiteFilter = None,
) -> list[Host]:
    """Hosts by id, a page at a time (``pages.py``)."""
    query = by_id(select(Host), Host.id, after)
    if site_id:
        query = query.where(Host.site_id == site_id)
    rows = session.scalars(query.limit(limit + 1)).all()
    return page(rows, limit, request=request, response=response, position=lambda r: r.id)


@router.put(
    "/hosts/{host_id}",
    response_model=HostPublic,
    responses={
        **NOT_FOUND,
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
        get_site(session, body.site_id)
        dep = session.get(Department, body.department)
        if dep is None or dep.site_id != body.site_id:
            raise ValidationError(f"no department {body.department!r} at this site")
        if body.delegate:
            check_host(session, body.site_id, body.delegate)
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


@router.delete("/hosts/{host_id}", response_model=Deleted, responses=NOT_FOUND)
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
    get_site(session, site_id)
    return [site_id]


@router.get("/watchlist", response_model=list[WatchlistPublic])
def list_watchlist(
    _: CurrentAdmin,
    session: SessionDep,
    request: Request,
    response: Response,
    after: After = None,
    limit: Limit = PAGE,
    site_id: SiteFilter = None,
) -> list[WatchlistEntry]:
    """Standing watchlist entries by id, a page at a time (``pages.py``)."""
    query = select(WatchlistEntry).where(WatchlistEntry.deleted_at.is_(None))
    query = by_id(query, WatchlistEntry.id, after)
    if site_id:
        query = query.where(WatchlistEntry.site_id.in_([site_id, "*"]))
    rows = session.scalars(query.limit(limit + 1)).all()
    return page(rows, limit, request=request, response=response, position=lambda r: r.id)


@router.post("/watchlist", response_model=WatchlistPublic, status_code=201, responses=NOT_FOUND)
def create_watchlist_entry(
    body: WatchlistCreate, _: CurrentAdmin, session: SessionDep
) -> WatchlistEntry:
    """Add an entry; ``site_id`` "*" puts it on every site's kiosks."""
    with session.begin():
        return create_watchlist_record(session, body)


def create_watchlist_record(session: Session, body: WatchlistCreate) -> WatchlistEntry:
    """The entry and its change to each site's feed, in the session's transaction (the API
    and the dashboard's watchlist page)."""
    sites = _watchlist_sites(session, body.site_id)
    entry = WatchlistEntry(
        id=secrets.token_hex(16), created_at=datetime.now(UTC), **body.model_dump()
    )
    session.add(entry)
    session.flush()
    change = NewChange.of(feed.watchlist_upserted(entry))
    for site_id in sites:
        append_changes(session, site_id=site_id, changes=[change])
    return entry


@router.delete("/watchlist/{entry_id}", response_model=Deleted, responses=NOT_FOUND)
def delete_watchlist_entry(entry_id: PathId, _: CurrentAdmin, session: SessionDep) -> Deleted:
    with session.begin():
        entry = session.get(WatchlistEntry, entry_id)
        if entry is None or entry.deleted_at is not None:
            raise NotFoundError(f"no watchlist entry {entry_id!r}")
        remove_watchlist_record(session, entry)
    return Deleted(id=entry_id)


def remove_watchlist_record(session: Session, entry: WatchlistEntry) -> None:
    """Mark the entry removed and tell each site's kiosks, in the session's transaction."""
    sites = _watchlist_sites(session, entry.site_id)
    # kept, marked removed: check-ins made before now are still screened against it
    entry.deleted_at = datetime.now(UTC)
    for site_id in sites:
        append_change(session, site_id=site_id, change=feed.watchlist_deleted(entry.id))
