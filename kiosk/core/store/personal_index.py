"""Re-indexing the blind keys of rows that keep their clear value (``keys/blind_index.py``).

Visitors and invitations keep the phone number (sealed, ``privacy/fields.py``), so their
``phone_key`` can be computed again under a new key. Watchlist rows keep only keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.core.store.personal import normalise_phone

if TYPE_CHECKING:
    from kiosk.core.store.database import Transaction


def reindex(tx: Transaction, index: Callable[[str], str]) -> int:
    """Recompute ``phone_key`` of every visitor and invitation with a number; returns how many
    rows were looked at."""

    def key(phone: str) -> str:
        return index("phone:" + normalise_phone(phone)) if phone else ""

    count = 0
    for table in ("visitors", "invitations"):
        rows = tx.execute(f"SELECT id, phone FROM {table}").fetchall()
        for row in rows:
            if not row[1]:
                # no number: nothing to index again (a visitor known from head office's
                # directory keeps the index it came with until the directory sends it again)
                continue
            phone = tx.fields.open(row[1], table, "phone")
            tx.execute(f"UPDATE {table} SET phone_key = ? WHERE id = ?", (key(phone), row[0]))
        count += len(rows)
    return count
