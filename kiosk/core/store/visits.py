"""Visits: one row per arrival, from check-in (or denial) to check-out."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.core.config.clock import iso
from kiosk.core.models import Visit, VisitState
from kiosk.core.store.base import Repository, dt
from kiosk.core.store.schema import Step

if TYPE_CHECKING:
    from kiosk.core.privacy.fields import Fields
    from kiosk.core.store.database import Transaction

SCHEMA = (
    Step(
        1,
        """
    CREATE TABLE visits (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        visitor_id TEXT NOT NULL REFERENCES visitors(id),
        host_id TEXT REFERENCES hosts(id),
        department_id TEXT REFERENCES departments(id),
        state TEXT NOT NULL
            CHECK (state IN ('expected', 'checked_in', 'checked_out', 'denied', 'cancelled')),
        purpose TEXT NOT NULL,
        kiosk_id TEXT NOT NULL DEFAULT '',
        badge_code TEXT NOT NULL DEFAULT '',
        consent_version TEXT NOT NULL DEFAULT '',
        invitation_id TEXT REFERENCES invitations(id),
        created_at TEXT NOT NULL,
        checked_in_at TEXT,
        checked_out_at TEXT,
        auto_checked_out INTEGER NOT NULL DEFAULT 0,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX visits_state ON visits(state);
    CREATE INDEX visits_visitor ON visits(visitor_id);
    CREATE INDEX visits_badge_code ON visits(badge_code);
    """,
    ),
    # the references' indexes (``directory.py``, step 17)
    Step(
        17,
        """
    CREATE INDEX IF NOT EXISTS visits_host ON visits(host_id);
    CREATE INDEX IF NOT EXISTS visits_department ON visits(department_id);
    CREATE INDEX IF NOT EXISTS visits_invitation ON visits(invitation_id);
    """,
    ),
)


class VisitRepository(Repository):
    def add_visit(self, tx: Transaction, visit: Visit) -> Visit:
        tx.execute(
            "INSERT INTO visits (id, site_id, visitor_id, host_id, department_id, state, purpose, "
            "kiosk_id, badge_code, consent_version, invitation_id, created_at, checked_in_at, "
            "checked_out_at, auto_checked_out, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                visit.id,
                visit.site_id,
                visit.visitor_id,
                visit.host_id,
                visit.department_id,
                str(visit.state),
                visit.purpose,
                visit.kiosk_id,
                visit.badge_code,
                visit.consent_version,
                visit.invitation_id,
                iso(visit.created_at or tx.clock.now()),
                iso(visit.checked_in_at) if visit.checked_in_at else None,
                iso(visit.checked_out_at) if visit.checked_out_at else None,
                int(visit.auto_checked_out),
                tx.fields.seal(visit.note, "visits", "note"),
            ),
        )
        return visit

    def set_visit_state(
        self,
        tx: Transaction,
        visit_id: str,
        state: VisitState,
        *,
        checked_out_at=None,
        auto: bool = False,
        note: str | None = None,
    ) -> None:
        tx.execute(
            "UPDATE visits SET state=?, checked_out_at=coalesce(?, checked_out_at), "
            "auto_checked_out=?, note=coalesce(?, note) WHERE id=?",
            (
                str(state),
                iso(checked_out_at) if checked_out_at else None,
                int(auto),
                None if note is None else tx.fields.seal(note, "visits", "note"),
                visit_id,
            ),
        )

    def set_badge_code(self, tx: Transaction, visit_id: str, code: str) -> None:
        tx.execute("UPDATE visits SET badge_code=? WHERE id=?", (code, visit_id))

    def visit(self, visit_id: str) -> Visit | None:
        row = self.store.query_one("SELECT * FROM visits WHERE id = ?", (visit_id,))
        return _visit(row, self.store.fields) if row else None

    def visit_by_badge(self, code: str) -> Visit | None:
        row = self.store.query_one(
            "SELECT * FROM visits WHERE badge_code = ? AND badge_code != '' "
            "ORDER BY created_at DESC LIMIT 1",
            (code,),
        )
        return _visit(row, self.store.fields) if row else None

    def open_visits(self, site_id: str | None = None) -> list[Visit]:
        sql = "SELECT * FROM visits WHERE state = 'checked_in'"
        params: tuple = ()
        if site_id:
            sql += " AND site_id = ?"
            params = (site_id,)
        return [
            _visit(r, self.store.fields)
            for r in self.store.query(sql + " ORDER BY checked_in_at", params)
        ]

    def open_visits_by_phone(self, phone: str) -> list[Visit]:
        rows = self.store.query(
            "SELECT v.* FROM visits v JOIN visitors p ON p.id = v.visitor_id "
            "WHERE p.phone_key = ? AND v.state = 'checked_in' ORDER BY v.checked_in_at DESC",
            (self.phone_key(phone),),
        )
        return [_visit(r, self.store.fields) for r in rows]

    def visits(self, *, limit: int = 1000) -> list[Visit]:
        rows = self.store.query("SELECT * FROM visits ORDER BY created_at DESC LIMIT ?", (limit,))
        return [_visit(r, self.store.fields) for r in rows]

    def open_visit_ids_before(self, site_id: str, cutoff: datetime) -> list[str]:
        """Ids of the site's visits still checked in that began before ``cutoff``."""
        rows = self.store.query(
            "SELECT id FROM visits WHERE state = 'checked_in' AND site_id = ? "
            "AND checked_in_at < ?",
            (site_id, iso(cutoff)),
        )
        return [str(r["id"]) for r in rows]

    def auto_closed_visits(self, site_id: str, *, limit: int = 200) -> list[Visit]:
        """Visits closed automatically at the end of the day, newest first."""
        rows = self.store.query(
            "SELECT * FROM visits WHERE auto_checked_out = 1 AND site_id = ? "
            "ORDER BY checked_out_at DESC LIMIT ?",
            (site_id, limit),
        )
        return [_visit(r, self.store.fields) for r in rows]

    def last_visit_of(self, visitor_id: str) -> Visit | None:
        """The visitor's latest visit that was let in (checked in or out), else None."""
        row = self.store.query_one(
            "SELECT * FROM visits WHERE visitor_id = ? AND state IN ('checked_in', 'checked_out') "
            "ORDER BY created_at DESC LIMIT 1",
            (visitor_id,),
        )
        return _visit(row, self.store.fields) if row else None


def _visit(r: sqlite3.Row, fields: Fields) -> Visit:
    return Visit(
        id=r["id"],
        site_id=r["site_id"],
        visitor_id=r["visitor_id"],
        host_id=r["host_id"],
        department_id=r["department_id"],
        state=VisitState(r["state"]),
        purpose=r["purpose"],
        kiosk_id=r["kiosk_id"],
        badge_code=r["badge_code"],
        consent_version=r["consent_version"],
        invitation_id=r["invitation_id"],
        created_at=dt(r["created_at"]),
        checked_in_at=dt(r["checked_in_at"]),
        checked_out_at=dt(r["checked_out_at"]),
        auto_checked_out=bool(r["auto_checked_out"]),
        note=fields.open(r["note"], "visits", "note"),
    )
