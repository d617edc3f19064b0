"""Invitations: planned guests, matched by code or by exact phone number."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from kiosk.core.config.clock import iso
from kiosk.core.models import Invitation, InvitationState
from kiosk.core.store.base import Repository, dt
from kiosk.core.store.schema import Step

if TYPE_CHECKING:
    from kiosk.core.store.database import Transaction

SCHEMA = (
    Step(
        1,
        """
    CREATE TABLE invitations (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL REFERENCES sites(id),
        code TEXT NOT NULL UNIQUE,
        visitor_name TEXT NOT NULL,
        phone TEXT NOT NULL DEFAULT '',
        phone_key TEXT NOT NULL DEFAULT '',
        company TEXT NOT NULL DEFAULT '',
        host_id TEXT REFERENCES hosts(id),
        purpose TEXT NOT NULL DEFAULT 'meeting',
        valid_from TEXT,
        valid_until TEXT,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'used', 'cancelled'))
    );
    CREATE INDEX invitations_phone_key ON invitations(phone_key);
    """,
    ),
    # the references' indexes (``directory.py``, step 17)
    Step(
        17,
        """
    CREATE INDEX IF NOT EXISTS invitations_site ON invitations(site_id);
    CREATE INDEX IF NOT EXISTS invitations_host ON invitations(host_id);
    """,
    ),
)


class InvitationRepository(Repository):
    def add_invitation(self, tx: Transaction, inv: Invitation) -> Invitation:
        tx.execute(
            "INSERT INTO invitations (id, site_id, code, visitor_name, phone, phone_key, company, "
            "host_id, purpose, valid_from, valid_until, state) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(id) DO UPDATE SET code=excluded.code, "
            "visitor_name=excluded.visitor_name, phone=excluded.phone, "
            "phone_key=excluded.phone_key, company=excluded.company, host_id=excluded.host_id, "
            "purpose=excluded.purpose, valid_from=excluded.valid_from, "
            "valid_until=excluded.valid_until, state=excluded.state",
            (
                inv.id,
                inv.site_id,
                inv.code,
                tx.fields.seal(inv.visitor_name, "invitations", "visitor_name"),
                tx.fields.seal(inv.phone, "invitations", "phone"),
                self.phone_key(inv.phone),
                tx.fields.seal(inv.company, "invitations", "company"),
                inv.host_id,
                inv.purpose,
                iso(inv.valid_from) if inv.valid_from else None,
                iso(inv.valid_until) if inv.valid_until else None,
                str(inv.state),
            ),
        )
        return inv

    def set_invitation_state(self, tx: Transaction, inv_id: str, state: InvitationState) -> None:
        tx.execute("UPDATE invitations SET state=? WHERE id=?", (str(state), inv_id))

    def invitation_by_code(self, code: str) -> Invitation | None:
        row = self.store.query_one(
            "SELECT * FROM invitations WHERE code = ?", (code.strip().upper(),)
        )
        return self._invitation(row) if row else None

    def invitations_by_phone(self, phone: str) -> list[Invitation]:
        rows = self.store.query(
            "SELECT * FROM invitations WHERE phone_key = ? AND state = 'pending' "
            "ORDER BY valid_from",
            (self.phone_key(phone),),
        )
        return [self._invitation(r) for r in rows]

    def invitations_expected(self, site_id: str, start: str, end: str) -> list[Invitation]:
        """Pending invitations of the site valid at some time in [start, end) (ISO times)."""
        rows = self.store.query(
            "SELECT * FROM invitations WHERE site_id = ? AND state = 'pending' "
            "AND (valid_from IS NULL OR valid_from < ?) "
            "AND (valid_until IS NULL OR valid_until >= ?) "
            "ORDER BY valid_from, id",
            (site_id, end, start),
        )
        return [self._invitation(r) for r in rows]

    def _invitation(self, row: sqlite3.Row) -> Invitation:
        return Invitation(
            id=row["id"],
            site_id=row["site_id"],
            code=row["code"],
            visitor_name=self.store.fields.open(row["visitor_name"], "invitations", "visitor_name"),
            phone=self.store.fields.open(row["phone"], "invitations", "phone"),
            company=self.store.fields.open(row["company"], "invitations", "company"),
            host_id=row["host_id"],
            purpose=row["purpose"],
            valid_from=dt(row["valid_from"]),
            valid_until=dt(row["valid_until"]),
            state=InvitationState(row["state"]),
        )
