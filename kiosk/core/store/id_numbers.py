"""Visitors' ID card numbers, one per visit, sealed; only where ``[checkin] id_numbers`` is on.

A row is written in the check-in's transaction when the visitor typed a number and ticked its
own consent line (``visits/id_numbers.py`` checked it). ``id_number`` is sealed
(``privacy/fields.py``, listed in ``privacy/migrate.SEALED`` so a key rotation re-seals it); the
number is not in the visit, the outbox or any event, so it never leaves the kiosk, is never
printed and never logged. ``masked`` is all any screen reads. ``purge_before`` empties numbers
older than ``[checkin] id_retention_days`` (``privacy/retention.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.core.config.clock import iso
from kiosk.core.store.schema import Step
from kiosk.core.visits.id_numbers import mask_id_number

if TYPE_CHECKING:
    from kiosk.core.store.database import Store, Transaction

TABLE = "visit_id_numbers"

SCHEMA = (
    # issue 18: ID numbers, opt-in (sealed; emptied after the shorter ID retention)
    Step(
        16,
        """
    CREATE TABLE visit_id_numbers (
        visit_id TEXT PRIMARY KEY,
        id_number TEXT NOT NULL DEFAULT '',
        consent_version TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX visit_id_numbers_recorded ON visit_id_numbers (recorded_at);
    """,
    ),
)


def record(tx: Transaction, visit_id: str, number: str, *, consent_version: str) -> None:
    """Keep ``number`` (already validated) for the visit, sealed."""
    tx.execute(
        "INSERT OR REPLACE INTO visit_id_numbers (visit_id, id_number, consent_version, "
        "recorded_at) VALUES (?,?,?,?)",
        (
            visit_id,
            tx.fields.seal(number, TABLE, "id_number"),
            consent_version,
            iso(tx.clock.now()),
        ),
    )


def masked(store: Store, visit_id: str) -> str:
    """The visit's number as a screen may show it (``1101**********1234``), or ''."""
    rows = store.query("SELECT id_number FROM visit_id_numbers WHERE visit_id = ?", (visit_id,))
    if not rows:
        return ""
    return mask_id_number(store.fields.open(rows[0][0], TABLE, "id_number"))


def purge_before(tx: Transaction, cutoff: datetime) -> int:
    """Empty the numbers recorded before ``cutoff``; how many it emptied."""
    cur = tx.execute(
        "UPDATE visit_id_numbers SET id_number = '' WHERE recorded_at < ? AND id_number != ''",
        (iso(cutoff),),
    )
    return int(cur.rowcount)
