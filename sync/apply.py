"""Applying pulled changes on the kiosk: a dispatch table keyed by change kind.

Each handler gets the kiosk's ``Records``, the open ``Transaction`` and the change, and writes
through ``Records`` inside that transaction; the sync worker stores the new cursor in the same
transaction, so a crash never leaves a change applied without its cursor or the reverse.

Other features add their kinds with ``register("host.replied", handler)``. A kind nobody
registered is skipped (a newer server must not stop an older kiosk). Handlers must be
idempotent: after a crash between the server's answer and the commit, a change comes again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from kiosk.core.config.clock import parse_iso
from kiosk.core.config.errors import ConstraintError
from kiosk.core.keys.site_keys import ROTATED_KIND, key_rotated_change
from kiosk.core.models import (
    Department,
    Invitation,
    InvitationState,
    Site,
    Visit,
    VisitState,
    WatchlistEntry,
    host_from_dict,
)
from kiosk.core.notify.worker import host_replied_change
from kiosk.core.reception.pulled import staff_upserted_change
from kiosk.core.store.database import Transaction
from kiosk.core.store.records import Records
from kiosk.core.wayfinding.building_store import building_updated

from .protocol import ChangeOut

log = logging.getLogger(__name__)

Handler = Callable[[Records, Transaction, ChangeOut], None]
HANDLERS: dict[str, Handler] = {}

#: the kinds that change what host search finds: after a pull that applied one of them, the
#: kiosk rebuilds its search index (``kiosk.core.input.live_search``)
DIRECTORY_KINDS = frozenset(
    {"department.upserted", "department.deleted", "host.upserted", "host.deleted"}
)


def touches_directory(kinds: frozenset[str] | set[str]) -> bool:
    """Whether pulled changes of these kinds call for a new search index."""
    return not DIRECTORY_KINDS.isdisjoint(kinds)


def register(kind: str, handler: Handler) -> None:
    """Install (or replace) the handler for one change kind."""
    HANDLERS[kind] = handler


#: what a malformed change raises in a handler: skipped (and logged) rather than blocking the
#: feed forever; anything else (storage trouble, a bug) fails the page, which is retried
MALFORMED = (KeyError, ValueError, TypeError, ConstraintError)


def apply_change(records: Records, tx: Transaction, change: ChangeOut) -> bool:
    """Apply one change; False when no handler knows its kind or the change is malformed."""
    handler = HANDLERS.get(change.kind)
    if handler is None:
        log.info("no handler for pulled change kind %r; skipped", change.kind)
        return False
    try:
        with records.store.transaction():  # a savepoint: a failing change undoes only itself
            handler(records, tx, change)
    except MALFORMED as e:
        log.error("pulled change %s (%s) is malformed, skipped: %r", change.cursor, change.kind, e)
        return False
    return True


def _exists(records: Records, table: str, row_id: str | None) -> bool:
    return records.exists(table, row_id)


def _ensure_site(records: Records, tx: Transaction, site_id: str) -> None:
    if not _exists(records, "sites", site_id):
        records.upsert_site(tx, Site(site_id, site_id, site_id))


def _soft_delete(records: Records, table: str, row_id: str) -> None:
    """Delete unless local rows still refer to it (old visits keep their host)."""
    records.delete_unless_referenced(table, row_id)


def _time(value: Any):
    return parse_iso(value) if isinstance(value, str) and value else None


# -- directory -------------------------------------------------------------------------------
def department_upserted(records: Records, tx: Transaction, change: ChangeOut) -> None:
    p = change.payload
    _ensure_site(records, tx, p["site_id"])
    records.upsert_department(
        tx,
        Department(
            p["id"], p["site_id"], p["name_zh"], p["name_en"], p.get("floor", ""), p.get("room", "")
        ),
    )


def department_deleted(records: Records, tx: Transaction, change: ChangeOut) -> None:
    _soft_delete(records, "departments", change.entity_id)


def host_upserted(records: Records, tx: Transaction, change: ChangeOut) -> None:
    p = change.payload
    _ensure_site(records, tx, p["site_id"])
    # the directory file's names; changes written before carry department_id/delegate_id
    department = str(p.get("department", p.get("department_id")))
    if not _exists(records, "departments", department):
        log.warning("host %s names unknown department %s; skipped", p["id"], department)
        return
    delegate = p.get("delegate", p.get("delegate_id"))
    # a change written before head office carried channels has no notify_urls: keep the host's
    kept = records.host(p["id"])
    records.upsert_host(
        tx,
        host_from_dict(
            p,
            site_id=p["site_id"],
            department_id=department,
            delegate_id=delegate if _exists(records, "hosts", delegate) else None,
            notify_urls=kept.notify_urls if kept else (),
        ),
    )


def host_deleted(records: Records, tx: Transaction, change: ChangeOut) -> None:
    _soft_delete(records, "hosts", change.entity_id)


# -- invitations and watchlist ---------------------------------------------------------------
def invitation_upserted(records: Records, tx: Transaction, change: ChangeOut) -> None:
    p = change.payload
    _ensure_site(records, tx, p["site_id"])
    host_id = p.get("host_id")
    records.add_invitation(
        tx,
        Invitation(
            id=p["id"],
            site_id=p["site_id"],
            code=str(p["code"]).upper(),
            visitor_name=p.get("visitor_name", ""),
            phone=p.get("phone", ""),
            host_id=host_id if _exists(records, "hosts", host_id) else None,
            purpose=p.get("purpose", "meeting"),
            company=p.get("company", ""),
            valid_from=_time(p.get("valid_from")),
            valid_until=_time(p.get("valid_until")),
            state=InvitationState(p.get("state", "pending")),
        ),
    )


def watchlist_upserted(records: Records, tx: Transaction, change: ChangeOut) -> None:
    p = change.payload
    records.add_watchlist_entry(
        tx,
        WatchlistEntry(
            p["id"], p["site_id"], p.get("name", ""), p.get("phone", ""), p.get("reason", "")
        ),
    )


def watchlist_deleted(records: Records, tx: Transaction, change: ChangeOut) -> None:
    records.remove_watchlist_entry(tx, change.entity_id)


# -- site documents --------------------------------------------------------------------------
def site_settings(records: Records, tx: Transaction, change: ChangeOut) -> None:
    """Head office's settings for this site, kept as JSON under ``site.settings``."""
    records.store.set_value("site.settings", json.dumps(change.payload, ensure_ascii=False), tx)


def site_map(records: Records, tx: Transaction, change: ChangeOut) -> None:
    """The building map, opaque JSON under ``site.building_map`` (wayfinding reads it)."""
    records.store.set_value("site.building_map", json.dumps(change.payload, ensure_ascii=False), tx)


# -- visits of the site's other kiosks -------------------------------------------------------
def visit_opened(records: Records, tx: Transaction, change: ChangeOut) -> None:
    """A visit another kiosk opened: copy it, so a check-out by phone or badge works here."""
    v, p = change.payload["visit"], change.payload["visitor"]
    if _exists(records, "visits", v["id"]):
        return
    _ensure_site(records, tx, v["site_id"])
    if not _exists(records, "visitors", p["id"]):
        records.add_visitor(
            tx,
            name=p.get("name", ""),
            phone=p.get("phone", ""),
            company=p.get("company", ""),
            category=p.get("category", ""),
            visitor_id=p["id"],
        )
    host_id, dep_id, inv_id = v.get("host_id"), v.get("department_id"), v.get("invitation_id")
    records.add_visit(
        tx,
        Visit(
            id=v["id"],
            site_id=v["site_id"],
            visitor_id=p["id"],
            state=VisitState(v.get("state", "checked_in")),
            purpose=v.get("purpose", ""),
            host_id=host_id if _exists(records, "hosts", host_id) else None,
            department_id=dep_id if _exists(records, "departments", dep_id) else None,
            kiosk_id=v.get("kiosk_id", ""),
            badge_code=v.get("badge_code", ""),
            consent_version=v.get("consent_version", ""),
            invitation_id=inv_id if _exists(records, "invitations", inv_id) else None,
            created_at=_time(v.get("created_at")),
            checked_in_at=_time(v.get("checked_in_at")),
        ),
    )


def visit_closed(records: Records, tx: Transaction, change: ChangeOut) -> None:
    """A check-out done at another kiosk of the site."""
    p = change.payload
    visit = records.visit(change.entity_id)
    if visit is None or visit.state is not VisitState.CHECKED_IN:
        return
    records.set_visit_state(
        tx,
        change.entity_id,
        VisitState.CHECKED_OUT,
        checked_out_at=_time(p.get("checked_out_at")),
        auto=bool(p.get("auto", False)),
    )


for _kind, _handler in {
    "department.upserted": department_upserted,
    "department.deleted": department_deleted,
    "host.upserted": host_upserted,
    "host.deleted": host_deleted,
    "invitation.upserted": invitation_upserted,
    "watchlist.upserted": watchlist_upserted,
    "watchlist.deleted": watchlist_deleted,
    "site.settings": site_settings,
    "site.map": site_map,
    "visit.checked_in": visit_opened,
    "visit.denied": visit_opened,
    "visit.checked_out": visit_closed,
}.items():
    register(_kind, _handler)

# a host's answer to a notification's reply link: the done screen shows "on the way"
register("host.replied", host_replied_change)
register(ROTATED_KIND, key_rotated_change)
# staff accounts managed at head office, PIN hashes only (kiosk.core.reception)
register("staff.upserted", staff_upserted_change)

# a building uploaded at head office: written to <data dir>/building.json (building_store.py)
register("building.updated", building_updated)
