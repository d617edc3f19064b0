"""Alerts for the receptionist and security: raised by the core, never shown to the visitor.

Owns the two use cases on the kiosk's ``alerts`` table (its SQL and schema step live in
``kiosk/core/store/alerts.py``), each of which writes its row and its typed event
(``alert.raised`` / ``alert.acknowledged``) in the caller's transaction, so head office
learns of every alert the kiosk keeps; an acknowledgement made at head office comes back
through the pull feed (``mark_acknowledged``, emits nothing). The receptionist issue builds
the screen that lists them (``open_alerts``); hardening and site checks raise their own kinds.

Must never: show an alert's text to a visitor, or open a transaction of its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from kiosk.core.config.clock import parse_iso
from kiosk.core.config.errors import NotFoundError
from kiosk.core.events import AlertAcknowledged, AlertRaised
from kiosk.core.store import alerts as table
from kiosk.core.store.database import Store, Transaction, new_id

Severity = Literal["info", "warning", "critical"]


@dataclass(frozen=True, slots=True)
class Alert:
    id: str
    kind: str
    severity: str
    message_key: str
    site_id: str
    raised_at: datetime
    details: Mapping[str, str] = field(default_factory=dict)
    visit_id: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str = ""


def raise_alert(
    tx: Transaction,
    kind: str,
    *,
    severity: Severity,
    message_key: str,
    details: Mapping[str, str],
    site_id: str,
    kiosk_id: str,
    visit_id: str | None = None,
) -> Alert:
    """Record an alert and emit ``alert.raised``; ``ValidationError`` for a bad kind or key."""
    event = AlertRaised(
        alert_id=new_id(),
        site_id=site_id,
        kiosk_id=kiosk_id,
        alert=kind,
        severity=severity,
        message_key=message_key,
        details=dict(details),
        visit_id=visit_id,
        raised_at=tx.clock.now(),
    )  # validates before anything is written
    table.insert(
        tx,
        alert_id=event.alert_id,
        kind=kind,
        severity=severity,
        message_key=message_key,
        details=event.details,
        visit_id=visit_id,
        site_id=site_id,
        raised_at=event.raised_at,
    )
    tx.emit(event)
    return _alert(table.get(tx, event.alert_id))


def raise_alert_once(
    tx: Transaction,
    kind: str,
    *,
    severity: Severity,
    message_key: str,
    details: Mapping[str, str],
    site_id: str,
    kiosk_id: str,
    visit_id: str | None = None,
) -> Alert | None:
    """``raise_alert`` unless an unacknowledged alert of ``kind`` (about the same visit, when
    one is given) is open already: the desk hears of a lasting fault once, and again only
    after acknowledging it. None when one is open."""
    if table.open_of_kind(tx, kind, visit_id):
        return None
    return raise_alert(
        tx,
        kind,
        severity=severity,
        message_key=message_key,
        details=details,
        site_id=site_id,
        kiosk_id=kiosk_id,
        visit_id=visit_id,
    )


def acknowledge_alert(tx: Transaction, alert_id: str, by: str, *, kiosk_id: str = "") -> Alert:
    """Mark an alert taken on and emit ``alert.acknowledged`` (once: a second call changes
    nothing and emits nothing). ``NotFoundError`` for an unknown alert."""
    row = table.get(tx, alert_id)
    if row is None:
        raise NotFoundError(alert_id)
    if row["acknowledged_at"] is not None:
        return _alert(row)
    event = AlertAcknowledged(
        alert_id=alert_id,
        site_id=row["site_id"],
        kiosk_id=kiosk_id,
        by=by,
        acknowledged_at=tx.clock.now(),
    )
    table.acknowledge(tx, alert_id, at=event.acknowledged_at, by=by)
    tx.emit(event)
    return _alert(table.get(tx, alert_id))


def mark_acknowledged(tx: Transaction, event: AlertAcknowledged) -> bool:
    """Record an acknowledgement made elsewhere (head office, through the pull feed): the row
    says who and when, and nothing is emitted (head office has it). False when the alert is
    unknown here or already acknowledged (the first acknowledgement stands)."""
    return table.acknowledge_if_open(tx, event.alert_id, at=event.acknowledged_at, by=event.by)


def record_alert(
    tx: Transaction,
    alert_id: str,
    kind: str,
    *,
    severity: Severity,
    message_key: str,
    details: Mapping[str, str],
    site_id: str,
    raised_at: datetime,
    visit_id: str | None = None,
) -> bool:
    """Keep an alert head office raised (a conflict between kiosks, through the pull feed)
    under its own id, so acknowledging it here reaches head office's row; nothing is emitted.
    False when this kiosk already has it."""
    if table.get(tx, alert_id) is not None:
        return False
    table.insert(
        tx,
        alert_id=alert_id,
        kind=kind,
        severity=severity,
        message_key=message_key,
        details=details,
        visit_id=visit_id,
        site_id=site_id,
        raised_at=raised_at,
    )
    return True


def alert(store: Store, alert_id: str) -> Alert | None:
    """One alert by id, None when this kiosk has none of that id."""
    row = table.find(store, alert_id)
    return _alert(row) if row is not None else None


def open_alerts(store: Store) -> list[Alert]:
    """Alerts nobody has acknowledged yet, newest first."""
    rows = table.unacknowledged(store)
    return [_alert(r) for r in rows]


def open_count(store: Store) -> int:
    """How many alerts nobody has acknowledged (the visitor screens' discreet dot)."""
    return table.count_unacknowledged(store)


def _alert(row) -> Alert:
    return Alert(
        id=row["id"],
        kind=row["kind"],
        severity=row["severity"],
        message_key=row["message_key"],
        site_id=row["site_id"],
        raised_at=parse_iso(row["raised_at"]),
        details=json.loads(row["details"]),
        visit_id=row["visit_id"],
        acknowledged_at=parse_iso(row["acknowledged_at"]) if row["acknowledged_at"] else None,
        acknowledged_by=row["acknowledged_by"],
    )
