"""The receptionist's records on visits: corrections, decisions on held visits, reprints.

``visit_annotations``: a correction keeps the value it replaced (``old_value``) with who and
why; ``visit_decisions``: one row per held (watchlist) visit once someone approved or denied
it (the primary key makes "two kiosks decide" one winner; ``hlc`` says which came first when
another kiosk's decision arrives); ``badge_reprints``: every reprint asked for, by whom, and
which copy it was; ``pulled_badges``: the badge status of visits printed at the site's other
kiosks (pulled ``badge.printed`` / ``badge.failed``), for the desk's board.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from kiosk.core.config.clock import iso
from kiosk.core.store.schema import Step

if TYPE_CHECKING:
    from datetime import datetime

    from kiosk.core.store.database import Store, Transaction

SCHEMA = (
    Step(
        8,
        """
    CREATE TABLE visit_annotations (
        id TEXT PRIMARY KEY,
        visit_id TEXT NOT NULL REFERENCES visits(id),
        field TEXT NOT NULL,
        old_value TEXT NOT NULL,
        new_value TEXT NOT NULL,
        reason TEXT NOT NULL,
        by_staff TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX visit_annotations_visit ON visit_annotations(visit_id, at);
    CREATE TABLE visit_decisions (
        visit_id TEXT PRIMARY KEY REFERENCES visits(id),
        decision TEXT NOT NULL CHECK (decision IN ('approved', 'denied')),
        reason TEXT NOT NULL,
        by_staff TEXT NOT NULL,
        kiosk_id TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL
    );
    CREATE TABLE badge_reprints (
        id TEXT PRIMARY KEY,
        visit_id TEXT NOT NULL REFERENCES visits(id),
        copy INTEGER NOT NULL,
        by_staff TEXT NOT NULL,
        at TEXT NOT NULL,
        UNIQUE (visit_id, copy)
    )
    """,
    ),
    # the decision's hybrid-clock stamp (two kiosks' decisions on one visit: the first stands);
    # the badge status of visits printed at the site's other kiosks (the desk's board shows it)
    Step(
        9,
        """
    ALTER TABLE visit_decisions ADD COLUMN hlc TEXT NOT NULL DEFAULT '';
    CREATE TABLE pulled_badges (
        visit_id TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('printed', 'failed')),
        hlc TEXT NOT NULL
    );
    """,
    ),
)


def add_annotation(
    tx: Transaction,
    *,
    annotation_id: str,
    visit_id: str,
    field: str,
    old_value: str,
    new_value: str,
    reason: str,
    by: str,
    at: datetime,
) -> None:
    tx.execute(
        "INSERT INTO visit_annotations (id, visit_id, field, old_value, new_value, reason, "
        "by_staff, at) VALUES (?,?,?,?,?,?,?,?)",
        (
            annotation_id,
            visit_id,
            field,
            tx.fields.seal(old_value, "visit_annotations", "old_value"),
            tx.fields.seal(new_value, "visit_annotations", "new_value"),
            tx.fields.seal(reason, "visit_annotations", "reason"),
            by,
            iso(at),
        ),
    )


def annotations_of(store: Store, visit_id: str) -> list[sqlite3.Row]:
    return store.query(
        "SELECT id, visit_id, field, by_staff, at, "
        "open_field(old_value, 'visit_annotations', 'old_value') AS old_value, "
        "open_field(new_value, 'visit_annotations', 'new_value') AS new_value, "
        "open_field(reason, 'visit_annotations', 'reason') AS reason "
        "FROM visit_annotations WHERE visit_id = ? ORDER BY at, rowid",
        (visit_id,),
    )


def decide(
    tx: Transaction,
    *,
    visit_id: str,
    decision: str,
    reason: str,
    by: str,
    kiosk_id: str,
    at: datetime,
) -> bool:
    """Record the decision; False when the visit had one already (it stands)."""
    cur = tx.execute(
        "INSERT OR IGNORE INTO visit_decisions (visit_id, decision, reason, by_staff, kiosk_id, "
        "at) VALUES (?,?,?,?,?,?)",
        (visit_id, decision, reason, by, kiosk_id, iso(at)),
    )
    return cur.rowcount == 1


def decision(store: Store, visit_id: str) -> sqlite3.Row | None:
    return store.query_one("SELECT * FROM visit_decisions WHERE visit_id = ?", (visit_id,))


def stamp_decision(tx: Transaction, visit_id: str, event_uuid: str) -> None:
    """Give this kiosk's decision the stamp of its ``visit.decided`` event (in the outbox)."""
    tx.execute(
        "UPDATE visit_decisions SET hlc = (SELECT hlc FROM outbox WHERE uuid = ?) "
        "WHERE visit_id = ?",
        (event_uuid, visit_id),
    )


def replace_decision(
    tx: Transaction,
    *,
    visit_id: str,
    decision: str,
    reason: str,
    by: str,
    kiosk_id: str,
    at: datetime,
    hlc: str,
) -> None:
    """Another kiosk's decision that came first (by ``hlc``) takes the visit's row."""
    tx.execute(
        "INSERT OR REPLACE INTO visit_decisions (visit_id, decision, reason, by_staff, kiosk_id, "
        "at, hlc) VALUES (?,?,?,?,?,?,?)",
        (visit_id, decision, reason, by, kiosk_id, iso(at), hlc),
    )


def add_reprint(
    tx: Transaction, *, reprint_id: str, visit_id: str, copy: int, by: str, at: datetime
) -> bool:
    cur = tx.execute(
        "INSERT OR IGNORE INTO badge_reprints (id, visit_id, copy, by_staff, at) "
        "VALUES (?,?,?,?,?)",
        (reprint_id, visit_id, copy, by, iso(at)),
    )
    return cur.rowcount == 1


def reprints(store: Store, visit_id: str) -> list[sqlite3.Row]:
    return store.query("SELECT * FROM badge_reprints WHERE visit_id = ? ORDER BY copy", (visit_id,))


def held_visit_ids(store: Store, site_id: str) -> list[str]:
    """Denied (watchlist) visits nobody has decided on yet, oldest first."""
    rows = store.query(
        "SELECT v.id FROM visits v LEFT JOIN visit_decisions d ON d.visit_id = v.id "
        "WHERE v.site_id = ? AND v.state = 'denied' AND d.visit_id IS NULL "
        "ORDER BY v.created_at, v.id",
        (site_id,),
    )
    return [str(r["id"]) for r in rows]


def denied_visit_ids(store: Store, site_id: str, since: str, *, limit: int = 200) -> list[str]:
    """Visits denied at the desk since ``since`` (ISO), newest first."""
    rows = store.query(
        "SELECT v.id FROM visits v JOIN visit_decisions d ON d.visit_id = v.id "
        "WHERE v.site_id = ? AND d.decision = 'denied' AND d.at >= ? "
        "ORDER BY d.at DESC LIMIT ?",
        (site_id, since, limit),
    )
    return [str(r["id"]) for r in rows]


def open_visit_ids_since(store: Store, site_id: str, since: str | None) -> list[str]:
    """Checked-in visits of the site, from ``since`` on (None: all), oldest first."""
    sql = "SELECT id FROM visits WHERE site_id = ? AND state = 'checked_in'"
    params: tuple = (site_id,)
    if since is not None:
        sql += " AND checked_in_at >= ?"
        params += (since,)
    return [str(r["id"]) for r in store.query(sql + " ORDER BY checked_in_at, id", params)]


def correct_visit(
    tx: Transaction,
    visit_id: str,
    *,
    purpose: str | None = None,
    host_id: str | None = None,
    department_id: str | None = None,
) -> None:
    """A receptionist's correction of the visit row itself (the old value is annotated)."""
    if purpose is not None:
        tx.execute("UPDATE visits SET purpose = ? WHERE id = ?", (purpose, visit_id))
    if host_id is not None:
        tx.execute(
            "UPDATE visits SET host_id = ?, department_id = ? WHERE id = ?",
            (host_id, department_id, visit_id),
        )


def admit(tx: Transaction, visit_id: str, *, badge_code: str, at: datetime, note: str) -> None:
    """A held visit let in: checked in now, with its badge code."""
    tx.execute(
        "UPDATE visits SET state = 'checked_in', checked_in_at = ?, badge_code = ?, note = ? "
        "WHERE id = ? AND state = 'denied'",
        (iso(at), badge_code, note, visit_id),
    )


def set_pulled_badge(tx: Transaction, visit_id: str, state: str, hlc: str) -> None:
    """Another kiosk's badge news for a visit; only a newer stamp replaces what is kept."""
    tx.execute(
        "INSERT INTO pulled_badges (visit_id, state, hlc) VALUES (?,?,?) "
        "ON CONFLICT (visit_id) DO UPDATE SET state = excluded.state, hlc = excluded.hlc "
        "WHERE excluded.hlc > pulled_badges.hlc",
        (visit_id, state, hlc),
    )


def pulled_badge(store: Store, visit_id: str) -> str | None:
    row = store.query_one("SELECT state FROM pulled_badges WHERE visit_id = ?", (visit_id,))
    return str(row["state"]) if row else None
