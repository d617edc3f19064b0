"""What a restored kiosk database must not do again: the steps after a restore.

A backup is a picture of the past. Put back, its workers would carry on from where the picture
was taken, and redo what the kiosk had already done after it: a delivery that was pending then
was sent since (the host would get it twice), an escalation that was due has been sent or made
moot by a reply, a badge that was queued has been printed. So, in one transaction:

- every notification still pending is settled as failed ("restored: not sent again") and no
  escalation stays scheduled; the notifier's position moves to the end of the outbox, so no
  check-in of the backup is planned again;
- every badge job still queued or printing is settled as failed, not printed again; the print
  queue's position moves to the end too;
- the sync position is left where it was: what head office already has comes back as
  duplicates (dedupe makes that safe) and what it lacks is stored.

Notifications are at most once after a restore, never twice: a host who should have heard of
an old check-in is told by the receptionist, not by a message hours late.

Must never: send, print, or emit an event (head office already knows what happened).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.config.clock import iso
from kiosk.core.printing.jobs import INTERRUPTED
from kiosk.core.printing.queue import CONSUMER as PRINT_CONSUMER
from kiosk.core.store.database import Transaction

#: the notifier's outbox consumer (kiosk/core/notify/worker.py CONSUMER); not imported, so
#: that this module does not load the notifier's internals
NOTIFY_CONSUMER = "notifier"
#: the pull cursor's kv key (sync/worker.py CURSOR_KEY): the core does not import sync/, so
#: tests/unit/test_backup_names.py checks the two stay one name
SYNC_CURSOR_KEY = "sync.cursor"
RESTORED = "restored from a backup: may have happened after it, so not done again"
#: kv keys: when the restored backup was taken, and, until head office has sent back this
#: kiosk's own events since then (sync/recovery.py), the pull cursor of the backup
RESTORED_FROM_KEY = "restore.backup_taken_at"
RECOVER_KEY = "restore.recover_from_head_office"


@dataclass(frozen=True, slots=True)
class Settled:
    deliveries: int
    escalations: int
    print_jobs: int


def settle_after_restore(tx: Transaction, *, backup_taken_at: str, enrolled: bool) -> Settled:
    """Stop the restored database's workers from redoing the past (see the module docstring)."""
    now = iso(tx.clock.now())
    deliveries = tx.execute(
        "UPDATE notify_deliveries SET state = 'failed', last_error = ?, next_attempt_at = ? "
        "WHERE state = 'pending'",
        (RESTORED, now),
    ).rowcount
    escalations = tx.execute(
        "UPDATE notify_visits SET escalate_at = NULL WHERE escalate_at IS NOT NULL"
    ).rowcount
    jobs = tx.execute(
        "UPDATE print_jobs SET state = 'failed', error_key = ?, error = ?, "
        "next_attempt_at = NULL, updated_at = ? WHERE state IN ('queued', 'printing')",
        (INTERRUPTED, RESTORED, now),
    ).rowcount
    top = tx.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]
    for consumer in (NOTIFY_CONSUMER, PRINT_CONSUMER):
        tx.execute(
            "INSERT INTO outbox_positions (consumer, position) VALUES (?, ?) "
            "ON CONFLICT(consumer) DO UPDATE SET position = max(position, excluded.position)",
            (consumer, top),
        )
    _set(tx, RESTORED_FROM_KEY, backup_taken_at)
    if enrolled:
        cursor = tx.execute("SELECT value FROM kv WHERE key = ?", (SYNC_CURSOR_KEY,)).fetchone()
        _set(tx, RECOVER_KEY, cursor[0] if cursor else "0")
    return Settled(deliveries, escalations, jobs)


def _set(tx: Transaction, key: str, value: str) -> None:
    tx.execute(
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = ?",
        (key, value, value),
    )
