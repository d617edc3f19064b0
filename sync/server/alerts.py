"""Head office's ``alerts``: folded from the kiosks' ``alert.raised`` / ``alert.acknowledged``.

Order-free: a raise fills the alert's details whenever it arrives; of several
acknowledgements (the kiosk's desk, head office) the earliest by hybrid logical clock stands,
and one that arrives before its raise keeps a row that the raise completes. An acknowledgement
made here is fed to the site's kiosks as a typed ``alert.acknowledged`` change, in the same
transaction, so each kiosk marks its own row. Guarded by ``site_id`` like every fold.

Must never: show an alert to a visitor, or feed a kiosk's own acknowledgement back to it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import case, literal_column, select
from sqlalchemy.orm import Session

from kiosk.core.config.errors import NotFoundError
from kiosk.core.events import AlertAcknowledged, AlertRaised

from .api.pages import newest_first
from .changes import SERVER_HLC, append_change
from .db import executemany
from .folding import FOLDERS, Accepted, insert_for, latest_per_entity, statement
from .models import Alert, Kiosk

ALERTS: Any = Alert.__table__
AlertState = Literal["open", "acknowledged", "all"]


def fold_raised(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    rows = []
    for a in latest_per_entity(items):
        m: AlertRaised = a.model
        rows.append(
            {
                "id": m.alert_id,
                "site_id": kiosk.site_id,
                "kiosk_id": m.kiosk_id or kiosk.id,
                "kind": m.alert,
                "severity": m.severity,
                "message_key": m.message_key,
                "details": dict(m.details),
                "visit_id": m.visit_id,
                "raised_at": m.raised_at,
                "acknowledged_by": "",
                "ack_hlc": "",
            }
        )
    executemany(session, statement(session, "alert.raised", _raised_upsert), rows)


def _raised_upsert(session: Session) -> Any:
    stmt = insert_for(session, ALERTS)
    keys = ("kiosk_id", "kind", "severity", "message_key", "details", "visit_id", "raised_at")
    return stmt.on_conflict_do_update(
        index_elements=["id"],
        set_={k: stmt.excluded[k] for k in keys},
        where=ALERTS.c.site_id == stmt.excluded.site_id,
    )


def fold_acknowledged(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    earliest: dict[str, Accepted] = {}
    for a in items:
        current = earliest.get(a.event.entity_id)
        if current is None or a.hlc < current.hlc:
            earliest[a.event.entity_id] = a
    rows = [
        _ack_row(kiosk.site_id, a.model, a.model.kiosk_id or kiosk.id, a.hlc)
        for a in earliest.values()
    ]
    executemany(session, statement(session, "alert.acknowledged", _ack_upsert), rows)


def _ack_row(site_id: str, m: AlertAcknowledged, by_kiosk: str, hlc: str) -> dict[str, Any]:
    return {
        "id": m.alert_id,
        "site_id": site_id,
        "kiosk_id": "",
        "kind": "",
        "severity": "",
        "message_key": "",
        "details": {},
        "acknowledged_at": m.acknowledged_at,
        "acknowledged_by": m.by,
        "acknowledged_kiosk_id": by_kiosk,
        "ack_hlc": hlc,
    }


def _ack_upsert(session: Session) -> Any:
    stmt = insert_for(session, ALERTS)
    # no bound literal: db.executemany fills parameters from row keys only
    unset = ALERTS.c.ack_hlc == literal_column("''")
    earlier = unset | (stmt.excluded.ack_hlc < ALERTS.c.ack_hlc)
    keys = ("acknowledged_at", "acknowledged_by", "acknowledged_kiosk_id", "ack_hlc")
    return stmt.on_conflict_do_update(
        index_elements=["id"],
        set_={k: case((earlier, stmt.excluded[k]), else_=ALERTS.c[k]) for k in keys},
        where=ALERTS.c.site_id == stmt.excluded.site_id,
    )


def list_alerts(
    session: Session,
    *,
    site_id: str,
    state: AlertState = "open",
    limit: int = 100,
    after: str | None = None,
) -> list[Alert]:
    """The site's alerts, newest first (an acknowledgement whose raise has not arrived is not
    an alert yet), from after the ``after`` position (``api/pages.py``)."""
    query = select(Alert).where(Alert.site_id == site_id, Alert.raised_at.is_not(None))
    if state == "open":
        query = query.where(Alert.acknowledged_at.is_(None))
    elif state == "acknowledged":
        query = query.where(Alert.acknowledged_at.is_not(None))
    query = newest_first(query, Alert.raised_at, Alert.id, after).limit(limit)
    return list(session.scalars(query))


def acknowledge(session: Session, *, site_id: str, alert_id: str, by: str, now: datetime) -> Alert:
    """Acknowledge an alert at head office and feed it to the site's kiosks (once: an alert
    already acknowledged is returned unchanged). ``NotFoundError`` for no such raised alert."""
    alert = session.get(Alert, alert_id)
    if alert is None or alert.site_id != site_id or alert.raised_at is None:
        raise NotFoundError(f"no alert {alert_id!r} at site {site_id!r}")
    if alert.acknowledged_at is not None:
        return alert
    event = AlertAcknowledged(
        alert_id=alert_id, site_id=site_id, kiosk_id="", by=by, acknowledged_at=now
    )
    hlc = SERVER_HLC.tick()
    alert.acknowledged_at = now
    alert.acknowledged_by = by
    alert.acknowledged_kiosk_id = ""
    alert.ack_hlc = hlc
    session.flush()
    append_change(session, site_id=site_id, change=event, hlc=hlc)
    return alert


FOLDERS["alert.raised"] = fold_raised
FOLDERS["alert.acknowledged"] = fold_acknowledged
