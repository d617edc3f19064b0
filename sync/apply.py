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
import sqlite3
from collections.abc import Callable
from typing import Any

from kiosk.core.backup.resync import KIND as HEAD_OFFICE_RESTORED
from kiosk.core.backup.resync import head_office_restored
from kiosk.core.config.clock import iso, parse_iso
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
from kiosk.core.store.database import Transaction
from kiosk.core.store.records import Records
from kiosk.core.wayfinding.building_store import building_updated

from .protocol import ChangeOut

log = logging.getLogger(__name__)

Handler = Callable[[Records, Transaction, ChangeOut], None]
HANDLERS: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    """Install (or replace) the handler for one change kind."""
    HANDLERS[kind] = handler


#: what a malformed change raises in a handler: skipped (and logged) rather than blocking the
#: feed forever; anything else (storage trouble, a bug) fails the page, which is retried
MALFORMED = (KeyError, ValueError, TypeError, sqlite3.IntegrityError)


def apply_change(records: Records, tx: Transaction, change: ChangeOut) -> bool:
    """Apply one change; False when no handler knows its kind or the change is malformed."""
    handler = HANDLERS.get(change.kind)
    if handler is None:
        log.info("no handler for pulled change kind %r; skipped", change.kind)
        return False
    tx.execute("SAVEPOINT apply_change")
    try:
        handler(records, tx, change)
    except MALFORMED as e:
        tx.execute("ROLLBACK TO apply_change")
        tx.execute("RELEASE apply_change")
        log.error("pulled change %s (%s) is malformed, skipped: %r", change.cursor, change.kind, e)
        return False
    except BaseException:
        tx.execute("ROLLBACK TO apply_change")
        tx.execute("RELEASE apply_change")
        raise
    tx.execute("RELEASE apply_change")
    return True


def _exists(tx: Transaction, table: str, row_id: str | None) -> bool:
    if not row_id:
        return False
    return tx.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone() is not None


def _ensure_site(records: Records, tx: Transaction, site_id: str) -> None:
    if not _exists(tx, "sites", site_id):
        records.upsert_site(tx, Site(site_id, site_id, site_id))


def _soft_delete(tx: Transaction, table: str, row_id: str) -> None:
    """Delete unless local rows still refer to it (old visits keep their host)."""
    try:
        tx.execute("SAVEPOINT soft_delete")
        tx.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
        tx.execute("RELEASE soft_delete")
    except sqlite3.IntegrityError:
        tx.execute("ROLLBACK TO soft_delete")
        tx.execute("RELEASE soft_delete")
        log.info("%s %s is still referenced; kept", table, row_id)


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
    _soft_delete(tx, "departments", change.entity_id)


def host_upserted(records: Records, tx: Transaction, change: ChangeOut) -> None:
    p = change.payload
    _ensure_site(records, tx, p["site_id"])
    # the directory file's names; changes written before carry department_id/delegate_id
    department = str(p.get("department", p.get("department_id")))
    if not _exists(tx, "departments", department):
        log.warning("host %s names unknown department %s; skipped", p["id"], department)
        return
    delegate = p.get("delegate", p.get("delegate_id"))
    # a change written before head office carried channels has no notify_urls: keep the host's
    kept = tx.execute("SELECT notify_urls FROM hosts WHERE id = ?", (p["id"],)).fetchone()
    records.upsert_host(
        tx,
        host_from_dict(
            p,
            site_id=p["site_id"],
            department_id=department,
            delegate_id=delegate if _exists(tx, "hosts", delegate) else None,
            notify_urls=json.loads(kept[0] or "[]") if kept else (),
        ),
    )


def host_deleted(records: Records, tx: Transaction, change: ChangeOut) -> None:
    _soft_delete(tx, "hosts", change.entity_id)


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
            host_id=host_id if _exists(tx, "hosts", host_id) else None,
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
    tx.execute("DELETE FROM watchlist WHERE id = ?", (change.entity_id,))


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
    if _exists(tx, "visits", v["id"]):
        return
    _ensure_site(records, tx, v["site_id"])
    if not _exists(tx, "visitors", p["id"]):
        codec = records.codec
        now = iso(records.store.clock.now())
        tx.execute(
            "INSERT INTO visitors (id, name, phone, phone_key, company, category, created_at, "
            "updated_at) VALUES (?,?,?,?,?,?,?,?)",
            (
                p["id"],
                codec.encode(p.get("name", "")),
                codec.encode(p.get("phone", "")),
                records.phone_key(p.get("phone", "")),
                codec.encode(p.get("company", "")),
                p.get("category", ""),
                now,
                now,
            ),
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
            host_id=host_id if _exists(tx, "hosts", host_id) else None,
            department_id=dep_id if _exists(tx, "departments", dep_id) else None,
            kiosk_id=v.get("kiosk_id", ""),
            badge_code=v.get("badge_code", ""),
            consent_version=v.get("consent_version", ""),
            invitation_id=inv_id if _exists(tx, "invitations", inv_id) else None,
            created_at=_time(v.get("created_at")),
            checked_in_at=_time(v.get("checked_in_at")),
        ),
    )


def visit_closed(records: Records, tx: Transaction, change: ChangeOut) -> None:
    """A check-out done at another kiosk of the site."""
    p = change.payload
    row = tx.execute("SELECT state FROM visits WHERE id = ?", (change.entity_id,)).fetchone()
    if row is None or row["state"] != VisitState.CHECKED_IN:
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

# a building uploaded at head office: written to <data dir>/building.json (building_store.py)
register("building.updated", building_updated)

# head office restored from a backup (kiosk-server restore): push the whole outbox again
register(HEAD_OFFICE_RESTORED, head_office_restored)
