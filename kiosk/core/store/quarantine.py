"""The outbox quarantine: events a consumer could not use, kept so nobody loses them.

One row per (consumer, seq), written in the transaction that moves the consumer past the
event, so a poison event is either still ahead of the consumer or quarantined, never lost
and never blocking the queue. Schema step 6 (``SCHEMA`` below).

Must never: open a transaction of its own, or delete the outbox record itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.core.config.clock import iso, parse_iso
from kiosk.core.store.database import Store, Transaction
from kiosk.core.store.schema import Step

SCHEMA = (
    Step(
        6,
        """
    CREATE TABLE outbox_quarantine (
        consumer TEXT NOT NULL,
        seq INTEGER NOT NULL,
        uuid TEXT NOT NULL,
        kind TEXT NOT NULL,
        reason TEXT NOT NULL,
        quarantined_at TEXT NOT NULL,
        PRIMARY KEY (consumer, seq)
    );
    """,
    ),
)


@dataclass(frozen=True, slots=True)
class Quarantined:
    consumer: str
    seq: int
    uuid: str
    kind: str
    reason: str
    quarantined_at: datetime


def quarantine(
    tx: Transaction, *, consumer: str, seq: int, uuid: str, kind: str, reason: str
) -> None:
    """Keep ``seq`` aside for ``consumer`` (a second call for the same event changes nothing)."""
    tx.execute(
        "INSERT OR IGNORE INTO outbox_quarantine (consumer, seq, uuid, kind, reason, "
        "quarantined_at) VALUES (?,?,?,?,?,?)",
        (consumer, seq, uuid, kind, reason[:2000], iso(tx.clock.now())),
    )


def quarantined(store: Store, consumer: str | None = None) -> list[Quarantined]:
    """Quarantined events, oldest first (all consumers', or one's)."""
    sql = "SELECT * FROM outbox_quarantine"
    params: tuple = ()
    if consumer is not None:
        sql += " WHERE consumer = ?"
        params = (consumer,)
    rows = store.query(sql + " ORDER BY seq, consumer", params)
    return [
        Quarantined(
            consumer=r["consumer"],
            seq=r["seq"],
            uuid=r["uuid"],
            kind=r["kind"],
            reason=r["reason"],
            quarantined_at=parse_iso(r["quarantined_at"]),
        )
        for r in rows
    ]
