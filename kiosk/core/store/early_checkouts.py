"""Check-outs that came before their visit: this kiosk has no copy of the visit yet.

A badge is signed with the site's key, so any kiosk of the site can prove it genuine; a kiosk
that was offline when another kiosk checked the visitor in (or that has not yet pulled the
check-in) still checks the visitor out by badge. It keeps that check-out here, and so does a
check-out pulled from another kiosk before the check-in it closes. When the check-in arrives
(``sync.apply.visit_opened``), the visit is copied closed and the row goes. Rows of check-ins
that never arrive are dropped after ``KEEP_DAYS``.

Must never: hold a visitor's details (the badge carries none), or reopen a closed visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from kiosk.core.config.clock import iso, parse_iso
from kiosk.core.store.base import Repository
from kiosk.core.store.schema import Step

if TYPE_CHECKING:
    from kiosk.core.store.database import Transaction

#: how long a check-out waits for its check-in (the visit feed carries far less)
KEEP_DAYS = 7

SCHEMA = (
    Step(
        9,
        """
    CREATE TABLE early_checkouts (
        visit_id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL,
        checked_out_at TEXT NOT NULL,
        auto_checked_out INTEGER NOT NULL DEFAULT 0,
        recorded_at TEXT NOT NULL
    );
    """,
    ),
)


@dataclass(frozen=True, slots=True)
class EarlyCheckout:
    visit_id: str
    site_id: str
    checked_out_at: datetime
    auto: bool = False


class EarlyCheckoutRepository(Repository):
    def add_early_checkout(self, tx: Transaction, checkout: EarlyCheckout) -> bool:
        """Keep a check-out of a visit this kiosk has no copy of; False if one is kept already
        (the first one stands). Drops rows older than ``KEEP_DAYS``."""
        now = tx.clock.now()
        tx.execute(
            "DELETE FROM early_checkouts WHERE recorded_at < ?",
            (iso(now - timedelta(days=KEEP_DAYS)),),
        )
        cursor = tx.execute(
            "INSERT OR IGNORE INTO early_checkouts "
            "(visit_id, site_id, checked_out_at, auto_checked_out, recorded_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                checkout.visit_id,
                checkout.site_id,
                iso(checkout.checked_out_at),
                int(checkout.auto),
                iso(now),
            ),
        )
        return cursor.rowcount == 1

    def early_checkout(self, visit_id: str) -> EarlyCheckout | None:
        row = self.store.query_one(
            "SELECT visit_id, site_id, checked_out_at, auto_checked_out FROM early_checkouts "
            "WHERE visit_id = ?",
            (visit_id,),
        )
        if row is None:
            return None
        return EarlyCheckout(str(row[0]), str(row[1]), parse_iso(row[2]), bool(row[3]))

    def take_early_checkout(self, tx: Transaction, visit_id: str) -> EarlyCheckout | None:
        """The check-out kept for ``visit_id``, removed (its visit has arrived)."""
        found = self.early_checkout(visit_id)
        if found is not None:
            tx.execute("DELETE FROM early_checkouts WHERE visit_id = ?", (visit_id,))
        return found
