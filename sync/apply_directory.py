"""Pulled changes to the site's directory, invitations, watchlist and site documents: the
handlers ``sync.apply``'s dispatch table names. Each writes through ``Records`` inside the
pull's transaction and is idempotent (a change can come twice)."""

from __future__ import annotations

import json
import logging

from kiosk.core.events import (
    DepartmentUpserted,
    Event,
    HostUpserted,
    InvitationUpserted,
    SiteMap,
    SiteSettings,
    SiteUpdated,
    WatchlistUpserted,
)
from kiosk.core.models import Department, Host, Invitation, InvitationState, Site, WatchlistEntry
from kiosk.core.store.database import Transaction
from kiosk.core.store.records import Records

log = logging.getLogger(__name__)


def ensure_site(records: Records, tx: Transaction, site_id: str) -> None:
    if not records.exists("sites", site_id):
        records.upsert_site(tx, Site(site_id, site_id, site_id))


# -- directory -------------------------------------------------------------------------------
def department_upserted(records: Records, tx: Transaction, e: DepartmentUpserted) -> None:
    ensure_site(records, tx, e.site_id)
    records.upsert_department(
        tx, Department(e.id, e.site_id, e.name_zh, e.name_en, e.floor, e.room)
    )


def department_deleted(records: Records, tx: Transaction, e: Event) -> None:
    records.delete_unless_referenced("departments", e.entity_id)


def host_upserted(records: Records, tx: Transaction, e: HostUpserted) -> None:
    ensure_site(records, tx, e.site_id)
    if not records.exists("departments", e.department_id):
        log.warning("host %s names unknown department %s; skipped", e.id, e.department_id)
        return
    if "notify_urls" in e.model_fields_set:
        urls: tuple[str, ...] = tuple(e.notify_urls)
    else:  # a change written before head office carried channels: keep the host's own
        kept = records.host(e.id)
        urls = kept.notify_urls if kept else ()
    records.upsert_host(
        tx,
        Host(
            id=e.id,
            site_id=e.site_id,
            department_id=e.department_id,
            name_zh=e.name_zh,
            name_en=e.name_en,
            floor=e.floor,
            room=e.room,
            email=e.email,
            phone=e.phone,
            language=e.language,
            away=e.away,
            delegate_id=e.delegate_id if records.exists("hosts", e.delegate_id) else None,
            notify_urls=urls,
        ),
    )


def host_deleted(records: Records, tx: Transaction, e: Event) -> None:
    records.delete_unless_referenced("hosts", e.entity_id)


# -- invitations and watchlist ---------------------------------------------------------------
def invitation_upserted(records: Records, tx: Transaction, e: InvitationUpserted) -> None:
    ensure_site(records, tx, e.site_id)
    records.add_invitation(
        tx,
        Invitation(
            id=e.id,
            site_id=e.site_id,
            code=e.code.upper(),
            visitor_name=e.visitor_name,
            phone=e.phone,
            host_id=e.host_id if records.exists("hosts", e.host_id) else None,
            purpose=e.purpose,
            company=e.company,
            valid_from=e.valid_from,
            valid_until=e.valid_until,
            state=InvitationState(e.state),
        ),
    )


def watchlist_upserted(records: Records, tx: Transaction, e: WatchlistUpserted) -> None:
    records.add_watchlist_entry(
        tx, WatchlistEntry(e.id, e.site_id, e.name, e.phone, e.reason, e.expires_at)
    )


def watchlist_deleted(records: Records, tx: Transaction, e: Event) -> None:
    records.remove_watchlist_entry(tx, e.entity_id)


# -- the site and its documents --------------------------------------------------------------
def site_updated(records: Records, tx: Transaction, e: SiteUpdated) -> None:
    """The site's names and zone from head office: badges, host messages and the top bar read
    the ``sites`` row."""
    records.upsert_site(tx, Site(e.site_id, e.name_zh, e.name_en, e.timezone))


def site_settings(records: Records, tx: Transaction, e: SiteSettings) -> None:
    """Head office's settings for this site, kept as JSON under ``site.settings``."""
    records.store.set_value("site.settings", json.dumps(e.payload(), ensure_ascii=False), tx)


def site_map(records: Records, tx: Transaction, e: SiteMap) -> None:
    """The building map, opaque JSON under ``site.building_map`` (wayfinding reads it)."""
    records.store.set_value("site.building_map", json.dumps(e.payload(), ensure_ascii=False), tx)
