"""What the sync worker must not skip silently: events head office rejected, pulled changes
the kiosk could not apply.

Both are written in the transaction that moves past them (the push position, the pull
cursor): a count and the last reason kept in ``kv`` (what ``SyncStatus`` shows), and an alert
(``kiosk.core.alerts``) for the receptionist and head office. A pulled change that fails is
also kept whole in ``pulled_quarantine`` (``kiosk/core/store/pulled_quarantine.py``), so the feed
flows past it and nothing is lost.

The sync worker calls these; they open no transaction of their own and touch no network.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from kiosk.core.alerts import raise_alert, raise_alert_once
from kiosk.core.config.clock import site_time
from kiosk.core.config.errors import (
    StorageCorruptError,
    StorageFullError,
    StorageIOError,
)
from kiosk.core.events import AlertRaised
from kiosk.core.store import pulled_quarantine as quarantine
from kiosk.core.store.database import Store, Transaction

from .protocol import ChangeOut, RejectedEvent

log = logging.getLogger(__name__)

REJECTED_KEY = "sync.rejected"
REJECTED_REASON_KEY = "sync.rejected.last"
QUARANTINED_KEY = "sync.quarantined"
#: trouble with the kiosk's own disk, not with the change: fail the page, retry it later
#: (``OSError``: a handler writing a file of its own, the building map, on a full disk)
ENVIRONMENT = (StorageFullError, StorageIOError, StorageCorruptError, OSError)


def counts(store: Store) -> tuple[int, str, int]:
    """(events rejected so far, the last reason, pulled changes quarantined so far)."""
    return (
        int(store.get_value(REJECTED_KEY, "0") or 0),
        store.get_value(REJECTED_REASON_KEY, "") or "",
        int(store.get_value(QUARANTINED_KEY, "0") or 0),
    )


def note_rejected(
    store: Store,
    tx: Transaction,
    rejected: Sequence[RejectedEvent],
    kinds: dict[str, str],
    *,
    site_id: str,
    kiosk_id: str,
    alert: bool = True,
) -> None:
    """Count the events head office rejected in one answer and raise one alert for them
    (``alert=False`` when the caller's quarantine raises one per event already).

    ``kinds`` maps the batch's UUIDs to their kinds: a rejected ``alert.raised`` is counted
    but raises no alert of its own (or a head office that refuses alerts would get one more
    every round)."""
    if not rejected:
        return
    for r in rejected:
        log.error("head office rejected event %s (%s): %s", r.uuid, kinds.get(r.uuid), r.reason)
    total = int(store.get_value(REJECTED_KEY, "0") or 0) + len(rejected)
    store.set_value(REJECTED_KEY, str(total), tx)
    store.set_value(REJECTED_REASON_KEY, rejected[-1].reason[:500], tx)
    alerting = [r for r in rejected if kinds.get(r.uuid) != AlertRaised.kind]
    if alert and alerting and site_id:
        first = alerting[0]
        raise_alert(
            tx,
            "sync_rejected",
            severity="warning",
            message_key="alert.sync_rejected",
            details={
                "count": str(len(alerting)),
                "event": first.uuid[:500],
                "kind": kinds.get(first.uuid, "")[:500],
                "reason": first.reason[:500],
            },
            site_id=site_id,
            kiosk_id=kiosk_id,
        )


def keep_aside(store: Store, tx: Transaction, change: ChangeOut, reason: str) -> None:
    """Keep a pulled change that cannot be applied in ``pulled_quarantine`` and count it (the
    caller raises the alert)."""
    quarantine.put(
        tx,
        cursor=change.cursor,
        kind=change.kind,
        entity_id=change.entity_id,
        hlc=change.hlc,
        payload=change.payload,
        reason=reason[:500],
        at=tx.clock.now(),
    )
    total = int(store.get_value(QUARANTINED_KEY, "0") or 0) + 1
    store.set_value(QUARANTINED_KEY, str(total), tx)


def quarantine_change(
    store: Store,
    tx: Transaction,
    change: ChangeOut,
    error: Exception,
    *,
    site_id: str,
    kiosk_id: str,
) -> None:
    """Keep a pulled change that failed aside, count it and raise an alert."""
    reason = f"{type(error).__name__}: {error}"[:500]
    log.error(
        "pulled change %s (%s) cannot be applied; quarantined: %s",
        change.cursor,
        change.kind,
        reason,
    )
    keep_aside(store, tx, change, reason)
    if site_id:
        raise_alert(
            tx,
            "sync_quarantined",
            severity="warning",
            message_key="alert.sync_quarantined",
            details={
                "cursor": str(change.cursor),
                "kind": change.kind[:500],
                "reason": reason,
            },
            site_id=site_id,
            kiosk_id=kiosk_id,
        )


def offline_too_long(
    store: Store, *, since: datetime, site_id: str, kiosk_id: str, timezone: str = ""
) -> None:
    """Tell the desk head office has been unreachable since ``since`` (once while the alert
    is open; head office learns of it when the kiosk is back online)."""
    log.warning("head office unreachable since %s", since.isoformat())
    with store.transaction() as tx:
        raise_alert_once(
            tx,
            "head_office_unreachable",
            severity="warning",
            message_key="alert.head_office_unreachable",
            details={
                "since": site_time(since, timezone).strftime("%m-%d %H:%M"),
                "minutes": str(int((tx.clock.now() - since).total_seconds() // 60)),
            },
            site_id=site_id,
            kiosk_id=kiosk_id,
        )
