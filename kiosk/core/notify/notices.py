"""The notifier's other readings of the outbox (``worker.KINDS``), besides a checked-in visit:
each plans its messages in the notifier's transaction, sent by the same channel threads with the
same retries as a host's.

- ``alert.raised``: ``alert_routes`` (the desk's, security's and the backup contact's channels);
- ``parcel.received``: ``kiosk.core.deliveries.notice`` (the recipient's notice);
- this kiosk's ``emergency.switched``: ``kiosk.core.emergency.host_notice`` (each host's
  roll-call link).
"""

from __future__ import annotations

from typing import Any

from kiosk.core.config.settings import Settings
from kiosk.core.deliveries import notice as parcel_notice
from kiosk.core.events import AlertRaised, EmergencySwitched, Event, ParcelReceived
from kiosk.core.store.database import Transaction
from kiosk.core.store.records import Records


def plan_notice(
    tx: Transaction,
    event: Event,
    *,
    alerts: Any,
    records: Records,
    settings: Settings,
    site_keys: Any,
) -> None:
    """Plan the messages of one event that is not a check-in (``alerts``: the worker's
    ``alert_routes.AlertRouter``)."""
    if isinstance(event, AlertRaised):
        alerts.plan(tx, event)
    elif isinstance(event, ParcelReceived):
        parcel_notice.plan(tx, event, records=records, settings=settings)
    elif isinstance(event, EmergencySwitched):
        from kiosk.core.emergency import host_notice

        host_notice.plan(tx, event, records=records, settings=settings, site_keys=site_keys)
    else:
        raise TypeError(f"the notifier reads no {event.kind!r} here")  # worker.KINDS
