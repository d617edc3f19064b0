"""Visitors: the personal data (name, phone, company), sealed at rest (``privacy/fields.py``)
and looked up by the codec's blind index, never by the clear value."""

from __future__ import annotations

import sqlite3
from datetime import datetime
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
                tx.fields.seal(name, "visitors", "name"),
                tx.fields.seal(phone, "visitors", "phone"),
                self.phone_key(phone),
                tx.fields.seal(company, "visitors", "company"),
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
                tx.fields.seal(name, "visitors", "name"),
                tx.fields.seal(company, "visitors", "company"),
                category,
                iso(tx.clock.now()),
                visitor_id,
            ),
        )

    def add_known_visitor(
        self,
        tx: Transaction,
        *,
        visitor_id: str,
        phone_key: str,
        masked_name: str,
        masked_company: str,
        category: str,
        seen_at: datetime,
    ) -> bool:
        """A visitor of the site from head office's directory: masked, no phone number, only
        its index, so the number is recognised as returning here. False when this kiosk
        already knows the visitor or the number."""
        known = self.visitor(visitor_id)
        if known is not None and not known.phone:  # sent again (a newer visit, a new key)
            tx.execute(
                "UPDATE visitors SET phone_key=?, name=?, company=? WHERE id=?",
                (
                    phone_key,
                    tx.fields.seal(masked_name, "visitors", "name"),
                    tx.fields.seal(masked_company, "visitors", "company"),
                    visitor_id,
                ),
            )
            return True
        if known is not None or self.store.query_one(
            "SELECT 1 FROM visitors WHERE phone_key = ?", (phone_key,)
        ):
            return False
        tx.execute(
            "INSERT INTO visitors (id, name, phone, phone_key, company, category, created_at, "
            "updated_at) VALUES (?,?,?,?,?,?,?,?)",
            (
                visitor_id,
                tx.fields.seal(masked_name, "visitors", "name"),
                "",
                phone_key,
                tx.fields.seal(masked_company, "visitors", "company"),
                category,
                iso(seen_at),
                iso(seen_at),
            ),
        )
        return True

    def fill_visitor_phone(self, tx: Transaction, visitor_id: str, phone: str) -> None:
        """The number typed by a visitor known only from the directory (``add_known_visitor``)."""
        tx.execute(
            "UPDATE visitors SET phone=?, phone_key=? WHERE id=?",
            (tx.fields.seal(phone, "visitors", "phone"), self.phone_key(phone), visitor_id),
        )

    def merge_visitor(self, tx: Transaction, merged_id: str, into_id: str) -> bool:
        """Head office merged two records of one person: ``merged_id``'s visits move to
        ``into_id`` (which takes the merged row's data when this kiosk lacks it)."""
        if merged_id == into_id or self.visitor(merged_id) is None:
            return False
        if self.visitor(into_id) is None:
            tx.execute(
                "INSERT INTO visitors (id, name, phone, phone_key, company, category, created_at,"
                " updated_at) SELECT ?, name, phone, phone_key, company, category, created_at, "
                "updated_at FROM visitors WHERE id = ?",
                (into_id, merged_id),
            )
        tx.execute("UPDATE visits SET visitor_id = ? WHERE visitor_id = ?", (into_id, merged_id))
        tx.execute("DELETE FROM visitors WHERE id = ?", (merged_id,))
        return True

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
            name=self.store.fields.open(row["name"], "visitors", "name"),
            phone=self.store.fields.open(row["phone"], "visitors", "phone"),
            company=self.store.fields.open(row["company"], "visitors", "company"),
            category=row["category"],
            created_at=dt(row["created_at"]),
            updated_at=dt(row["updated_at"]),
        )
