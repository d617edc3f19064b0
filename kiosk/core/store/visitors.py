"""Visitors: the personal data (name, phone, company), always through the codec."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from kiosk.core.config.clock import iso
from kiosk.core.models import Visitor
from kiosk.core.store.base import Repository, dt
from kiosk.core.store.ids import new_id
from kiosk.core.store.schema import Step

if TYPE_CHECKING:
    from kiosk.core.store.database import Transaction

SCHEMA = (
    Step(
        1,
        """
    CREATE TABLE visitors (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        phone TEXT NOT NULL,
        phone_key TEXT NOT NULL,
        company TEXT NOT NULL DEFAULT '',
        category TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX visitors_phone_key ON visitors(phone_key);
    """,
    ),
)


class VisitorRepository(Repository):
    def add_visitor(
        self,
        tx: Transaction,
        *,
        name: str,
        phone: str,
        company: str = "",
        category: str = "",
        visitor_id: str | None = None,
    ) -> Visitor:
        """A new visitor row; ``visitor_id`` keeps the id another kiosk gave it."""
        now = tx.clock.now()
        visitor = Visitor(visitor_id or new_id(), name, phone, company, category, now, now)
        tx.execute(
            "INSERT INTO visitors (id, name, phone, phone_key, company, category, created_at, "
            "updated_at) VALUES (?,?,?,?,?,?,?,?)",
            (
                visitor.id,
                self.codec.encode(name),
                self.codec.encode(phone),
                self.phone_key(phone),
                self.codec.encode(company),
                category,
                iso(now),
                iso(now),
            ),
        )
        return visitor

    def update_visitor(
        self, tx: Transaction, visitor_id: str, *, name: str, company: str, category: str = ""
    ) -> None:
        tx.execute(
            "UPDATE visitors SET name=?, company=?, category=?, updated_at=? WHERE id=?",
            (
                self.codec.encode(name),
                self.codec.encode(company),
                category,
                iso(tx.clock.now()),
                visitor_id,
            ),
        )

    def visitor(self, visitor_id: str) -> Visitor | None:
        row = self.store.query_one("SELECT * FROM visitors WHERE id = ?", (visitor_id,))
        return self._visitor(row) if row else None

    def visitor_by_phone(self, phone: str) -> Visitor | None:
        """The most recently updated visitor with exactly this phone number (never a list)."""
        row = self.store.query_one(
            "SELECT * FROM visitors WHERE phone_key = ? ORDER BY updated_at DESC LIMIT 1",
            (self.phone_key(phone),),
        )
        return self._visitor(row) if row else None

    def _visitor(self, row: sqlite3.Row) -> Visitor:
        return Visitor(
            id=row["id"],
            name=self.codec.decode(row["name"]),
            phone=self.codec.decode(row["phone"]),
            company=self.codec.decode(row["company"]),
            category=row["category"],
            created_at=dt(row["created_at"]),
            updated_at=dt(row["updated_at"]),
        )
