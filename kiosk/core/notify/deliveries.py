"""Delivery bookkeeping: what one send's outcome does to its delivery and its visit.

Sent: the delivery is settled (its text forgotten) and ``notify.sent`` emitted; a host's
message marks the visit notified. Failed: retried by the ``RetryPolicy`` on the injected
clock while attempts remain, then settled as failed with ``notify.failed``; when every
delivery of the visit's step has failed, the next step is due at once (no reply can come).

Must never: send, or open a transaction other than the one per outcome.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.core.config.clock import Clock
from kiosk.core.events import NotifyFailed, NotifySent
from kiosk.core.store import notify_deliveries as db
from kiosk.core.store.database import Store
from kiosk.core.workers.retry import RetryPolicy

log = logging.getLogger(__name__)

#: a failed send is tried again after 5 s, 10 s, 20 s … at most 2 min apart, 6 times in all
RETRY = RetryPolicy(base=5.0, cap=120.0, attempts=6)


def record_outcome(
    store: Store,
    *,
    delivery_id: str,
    error: str | None,
    clock: Clock,
    retry: RetryPolicy,
    kiosk_id: str,
) -> None:
    """Write one send's outcome (None: sent) and its event, in one transaction."""
    now = clock.now()
    with store.transaction() as tx:
        row = db.delivery(tx, delivery_id)
        if row is None or row["state"] != "pending":
            return
        attempts = row["attempts"] + 1
        base: dict[str, Any] = {
            "visit_id": row["visit_id"],
            "site_id": row["site_id"],
            "kiosk_id": kiosk_id,
            "delivery_id": row["id"],
            "stage": row["stage"],
            "recipient": row["recipient"],
            "channel": row["channel"],
            "attempts": attempts,
        }
        if error is None:
            db.mark_sent(tx, row["id"], attempts=attempts, now=now)
            if row["stage"] == "host":
                db.mark_host_notified(tx, row["visit_id"])
            tx.emit(NotifySent(**base, sent_at=now))
            log.info("notified %s through %s", row["recipient"], row["channel"])
            return
        log.warning("delivery to %s failed (attempt %d): %s", row["channel"], attempts, error)
        retry_at = retry.retry_at(now, attempts)
        if retry_at is not None:
            db.mark_retry(tx, row["id"], attempts=attempts, error=error, at=retry_at)
            return
        db.mark_failed(tx, row["id"], attempts=attempts, error=error)
        tx.emit(NotifyFailed(**base, error=error[:2000], failed_at=now))
        if db.open_in_stage(tx, row["visit_id"], row["stage"]) == 0:
            db.mark_stage_unreachable(tx, row["visit_id"], row["stage"], now)
