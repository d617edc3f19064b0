"""The site's other kiosks' parcels and ratings, pulled from head office (pull handlers).

A courier leaves a parcel at a lobby kiosk; the receptionist's console may be another kiosk
(``kiosk.role = "desk"``). Head office feeds ``parcel.received`` and ``parcel.collected`` to
the site's other kiosks, so every console lists what waits at reception and a pick-up recorded
at one is gone from all; ``visit.rated`` comes the same way, so each kiosk's reports count the
site's ratings. Nothing is emitted again (the event is the other kiosk's), and the recipient is
told once, by the kiosk where the parcel came in (its notifier reads its own outbox only).

Registered in ``sync/apply.py``; each handler is idempotent (a change may come twice).
"""

from __future__ import annotations

from kiosk.core.events import ParcelCollected, ParcelReceived, VisitRated
from kiosk.core.store import parcels as table
from kiosk.core.store.database import Transaction
from kiosk.core.store.records import Records


def parcel_received(records: Records, tx: Transaction, e: ParcelReceived) -> None:
    if table.parcel(tx, e.parcel_id) is not None:
        return
    table.add_parcel(
        tx,
        parcel_id=e.parcel_id,
        site_id=e.site_id,
        kiosk_id=e.kiosk_id,
        courier=e.courier,
        host_id=e.host_id,
        department_id=e.department_id,
        now=e.received_at,
    )


def parcel_collected(records: Records, tx: Transaction, e: ParcelCollected) -> None:
    """The first pick-up recorded stands; one for a parcel this kiosk never heard of is
    skipped (head office holds it; the feed brings a parcel before its pick-up)."""
    table.mark_collected(tx, e.parcel_id, by=e.by, now=e.collected_at)


def visit_rated(records: Records, tx: Transaction, e: VisitRated) -> None:
    table.add_rating(
        tx, visit_id=e.visit_id, site_id=e.site_id, score=e.score, scale=e.scale, now=e.rated_at
    )
