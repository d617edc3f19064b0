"""Pulled changes to the site's directory, invitations, watchlist and site documents: the
handlers ``sync.apply``'s dispatch table names. Each writes through ``Records`` inside the
pull's transaction and is idempotent (a change can come twice)."""

from __future__ import annotations

import json
import logging

from kiosk.core.events import (
    DepartmentUpserted,
    Event,
    FeedResync,
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


# -- a resync after compaction ---------------------------------------------------------------
def feed_resync(records: Records, tx: Transaction, e: FeedResync) -> None:
    """The kiosk's cursor was older than the site's compaction horizon: remove the directory
    and watchlist rows head office no longer has (their deletions were compacted away); the
    worker then reads the feed again from 0, which upserts the rest. Hosts go before their
    departments; a row still named (by a local visit, or by a host the replay moves) is kept
    and tried again once the replay is drained (``finish_resync``)."""
    left: list[tuple[str, str]] = []
    keep_hosts, keep_departments = set(e.hosts), set(e.departments)
    for host in records.hosts(e.site_id):
        if host.id not in keep_hosts and not records.delete_unless_referenced("hosts", host.id):
            left.append(("hosts", host.id))
    for dep in records.departments(e.site_id):
        if dep.id not in keep_departments and not records.delete_unless_referenced(
            "departments", dep.id
        ):
            left.append(("departments", dep.id))
    keep_watch = set(e.watchlist)
    rows = tx.execute("SELECT id FROM watchlist WHERE site_id IN (?, '*')", (e.site_id,))
    for row in rows.fetchall():
        if row[0] not in keep_watch:
            records.remove_watchlist_entry(tx, row[0])
    records.store.set_value(RESYNC_LEFT, json.dumps(left), tx)


#: the rows a resync could not remove yet (``[[table, id], …]``)
RESYNC_LEFT = "sync.resync.left"


def finish_resync(records: Records, tx: Transaction) -> None:
    """After a drained pull: the rows a resync left, removed now if nothing names them any
    more (hosts first); what local visits still name stays, as after a ``host.deleted``."""
    left = records.store.get_value(RESYNC_LEFT, "")
    if not left:
        return
    for table, row_id in sorted(json.loads(left), key=lambda t: t[0] != "hosts"):
        records.delete_unless_referenced(table, row_id)
    records.store.set_value(RESYNC_LEFT, "", tx)
