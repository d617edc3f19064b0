"""Head-office rows as pull-feed changes: the typed feed models, built here and nowhere else.

Every change a site's kiosks pull is one of ``kiosk.core.events.feed``'s models (the wire's
own), never an admin-API response model, so reshaping the admin API cannot change what kiosks
receive. Must never: touch the session or append to the feed (``changes.append_change`` does).
"""

from __future__ import annotations

from datetime import UTC, datetime

from kiosk.core.events import (
    DepartmentDeleted,
    DepartmentUpserted,
    HostDeleted,
    HostUpserted,
    InvitationUpserted,
    SiteUpdated,
    WatchlistDeleted,
    WatchlistUpserted,
)

from .models import Department, Host, Invitation, Site, WatchlistEntry


def _utc(value: datetime | None) -> datetime | None:
    """An aware time: the row may still hold a naive value a request gave (stored as UTC)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def department_upserted(dep: Department) -> DepartmentUpserted:
    return DepartmentUpserted(
        id=dep.id,
        site_id=dep.site_id,
        name_zh=dep.name_zh,
        name_en=dep.name_en,
        floor=dep.floor or "",
        room=dep.room or "",
    )


def department_deleted(department_id: str) -> DepartmentDeleted:
    return DepartmentDeleted(id=department_id)


def host_upserted(host: Host) -> HostUpserted:
    return HostUpserted(
        id=host.id,
        site_id=host.site_id,
        department_id=host.department_id,
        name_zh=host.name_zh or "",
        name_en=host.name_en or "",
        floor=host.floor or "",
        room=host.room or "",
        email=host.email or "",
        phone=host.phone or "",
        language="en" if host.language == "en" else "zh_CN",
        away=bool(host.away),
        delegate_id=host.delegate_id or None,
        notify_urls=list(host.notify_urls or []),
    )


def host_deleted(host_id: str) -> HostDeleted:
    return HostDeleted(id=host_id)


def invitation_upserted(inv: Invitation) -> InvitationUpserted:
    return InvitationUpserted(
        id=inv.id,
        site_id=inv.site_id,
        code=inv.code,
        visitor_name=inv.visitor_name,
        phone=inv.phone or "",
        company=inv.company or "",
        host_id=inv.host_id,
        purpose=inv.purpose,
        valid_from=_utc(inv.valid_from),
        valid_until=_utc(inv.valid_until),
        state=inv.state,  # type: ignore[arg-type]  # the column holds only the three states
        visit_id=inv.visit_id,
        updated_at=_utc(inv.updated_at),
    )


def watchlist_upserted(entry: WatchlistEntry) -> WatchlistUpserted:
    return WatchlistUpserted(
        id=entry.id,
        site_id=entry.site_id,
        name=entry.name or "",
        phone=entry.phone or "",
        reason=entry.reason or "",
        expires_at=_utc(entry.expires_at),
    )


def watchlist_deleted(entry_id: str) -> WatchlistDeleted:
    return WatchlistDeleted(id=entry_id)


def site_updated(site: Site) -> SiteUpdated:
    return SiteUpdated(
        site_id=site.id, name_zh=site.name_zh, name_en=site.name_en, timezone=site.timezone
    )
