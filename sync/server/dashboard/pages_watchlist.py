"""The watchlist: entries that apply to the viewer's sites, who added each and why; adding and
removing entries (admins and security). The API's records (``create_watchlist_record``,
``remove_watchlist_record``): every site's kiosks get the change at their next pull, and a
removed entry is kept (check-ins made before are still screened against it). **Import**: a
spreadsheet of entries for one site (or every site), ``watchlist_file.py``.

An entry may have an end (**Expires**, a day: it stops matching at the end of that day at the
site, every site's entries at the end of that day in China Standard Time); from then on it no
longer matches on the kiosks or at head office's re-screening, and the page marks it expired.

Who added an entry is head office's audit chain's answer (``dashboard.watchlist_added`` names
the entry): entries added through the API or the command line show no one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select

from kiosk.core.config.errors import KioskError, ValidationError
from kiosk.core.directory.file import MAX_FILE_BYTES

from ..api.admin_common import PathId
from ..api.deps import SessionDep
from ..api.directory_routes import create_watchlist_record, remove_watchlist_record
from ..api.schemas import WatchlistCreate
from ..models import Site, WatchlistEntry
from ..reception import AuditEntry
from . import audit, queries
from .accounts import Viewer
from .models import DashboardUser
from .pages_sites import visible_sites
from .watchlist_file import plan_entries
from .web import (
    PREFIX,
    CurrentViewer,
    PageDenied,
    PageMissing,
    PostingViewer,
    now,
    render,
    require,
)

router = APIRouter(include_in_schema=False)
ADDED = "dashboard.watchlist_added"
#: the zone an entry for every site ends its last day in (sites' own default)
DEFAULT_ZONE = "Asia/Shanghai"


def end_of_day(day: str, zone: str) -> datetime | None:
    """The end of ``day`` (YYYY-MM-DD) at ``zone``, as UTC; None for no day. ``ValueError``
    for a day that is not a date."""
    if not day:
        return None
    start = datetime.combine(date.fromisoformat(day), time(0), tzinfo=ZoneInfo(zone))
    return (start + timedelta(days=1)).astimezone(UTC)


def _zone(session, site_id: str) -> str:
    site = session.get(Site, site_id) if site_id != "*" else None
    return site.timezone if site is not None and site.timezone else DEFAULT_ZONE


def _may_edit(viewer: Viewer, site_id: str) -> bool:
    every = viewer.role == "admin" or "*" in viewer.sites
    return viewer.may("watchlist") and (every if site_id == "*" else viewer.sees(site_id))


def _page(request: Request, viewer, session, **extra) -> Response:
    sites = visible_sites(session, viewer)
    entries = list(
        session.scalars(
            select(WatchlistEntry)
            .where(WatchlistEntry.deleted_at.is_(None), WatchlistEntry.site_id.in_([*sites, "*"]))
            .order_by(WatchlistEntry.created_at.desc(), WatchlistEntry.id)
        )
    )
    ids = [e.id for e in entries]
    added = dict(
        session.execute(
            select(AuditEntry.subject_id, AuditEntry.actor).where(
                AuditEntry.kiosk_id == audit.CHAIN,
                AuditEntry.action == ADDED,
                AuditEntry.subject_id.in_(ids),
            )
        ).all()
    )
    names = {f"hq-{u.id}": u.name for u in session.scalars(select(DashboardUser))}
    audit.by(
        session,
        viewer,
        "dashboard.viewed",
        subject_kind="page",
        subject_id="watchlist",
        fields="name,phone,reason",
        details={"rows": str(len(entries))},
    )
    status_code = extra.pop("status_code", 200)
    return render(
        request,
        "watchlist.html",
        viewer=viewer,
        entries=entries,
        added_by={i: names.get(a, a) for i, a in added.items()},
        sites=sites,
        may_edit=lambda site_id: _may_edit(viewer, site_id),
        now=now(),
        one_second=timedelta(seconds=1),
        zones={**queries.site_zones(session, sites), "*": DEFAULT_ZONE},
        status_code=status_code,
        **{"error": "", "imported": None, **extra},
    )


@router.get("/watchlist")
def watchlist(request: Request, viewer: CurrentViewer, session: SessionDep) -> Response:
    require(viewer, "personal")
    with session.begin():
        return _page(request, viewer, session)


@router.post("/watchlist")
def add_entry(
    request: Request,
    viewer: PostingViewer,
    session: SessionDep,
    site_id: Annotated[str, Form(max_length=64)],
    name: Annotated[str, Form(max_length=200)] = "",
    phone: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    expires: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    if not _may_edit(viewer, site_id):
        raise PageDenied(viewer, f"{viewer.role} may not edit the watchlist of {site_id}")
    with session.begin():
        try:
            body = WatchlistCreate(
                site_id=site_id,
                name=name.strip(),
                phone=phone.strip(),
                reason=reason.strip(),
                expires_at=end_of_day(expires.strip(), _zone(session, site_id)),
            )
        except (PydanticValidationError, ValueError):
            return _page(
                request, viewer, session, error="dashboard.watchlist.invalid", status_code=400
            )
        if body.expires_at is not None and body.expires_at <= now():
            return _page(request, viewer, session, error="watchlist_expiry.past", status_code=400)
        entry = create_watchlist_record(session, body)
        audit.by(
            session,
            viewer,
            ADDED,
            site_id="" if site_id == "*" else site_id,
            subject_kind="watchlist",
            subject_id=entry.id,
        )
    return RedirectResponse(f"{PREFIX}/watchlist", status_code=303)


@router.post("/watchlist/import")
def import_entries(
    request: Request,
    viewer: PostingViewer,
    session: SessionDep,
    site_id: Annotated[str, Form(max_length=64)],
    file: Annotated[UploadFile, File()],
) -> Response:
    """One entry per good row of a watchlist spreadsheet (``watchlist_file.py``)."""
    if not _may_edit(viewer, site_id):
        raise PageDenied(viewer, f"{viewer.role} may not edit the watchlist of {site_id}")
    data = file.file.read(MAX_FILE_BYTES + 1)
    with session.begin():
        zone = _zone(session, site_id)
        try:
            rows, problems = plan_entries(data, today=datetime.now(ZoneInfo(zone)).date())
        except (ValidationError, KioskError) as e:
            imported = {"error": e.detail or str(e), "count": 0, "problems": []}
            return _page(request, viewer, session, imported=imported, status_code=400)
        for row in rows:
            entry = create_watchlist_record(
                session,
                WatchlistCreate(
                    site_id=site_id,
                    name=row.name,
                    phone=row.phone,
                    reason=row.reason,
                    expires_at=end_of_day(row.until.isoformat() if row.until else "", zone),
                ),
            )
            audit.by(
                session,
                viewer,
                ADDED,
                site_id="" if site_id == "*" else site_id,
                subject_kind="watchlist",
                subject_id=entry.id,
            )
        imported = {"error": "", "count": len(rows), "problems": problems}
        return _page(request, viewer, session, imported=imported)


@router.post("/watchlist/{entry_id}/remove")
def remove_entry(entry_id: PathId, viewer: PostingViewer, session: SessionDep) -> Response:
    with session.begin():
        entry = session.get(WatchlistEntry, entry_id)
        if entry is None or entry.deleted_at is not None:
            raise PageMissing(viewer)
        if not _may_edit(viewer, entry.site_id):
            raise PageDenied(viewer, f"{viewer.role} may not edit this entry")
        remove_watchlist_record(session, entry)
        audit.by(
            session,
            viewer,
            "dashboard.watchlist_removed",
            site_id="" if entry.site_id == "*" else entry.site_id,
            subject_kind="watchlist",
            subject_id=entry.id,
        )
    return RedirectResponse(f"{PREFIX}/watchlist", status_code=303)
