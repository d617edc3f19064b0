"""A person's erasure reaching this kiosk: ``visitor.erased`` from head office (pull).

The named visitors' personal fields are emptied here as at head office (``store/purge.py``),
one audit entry says so (``personal.erased``, actor ``system``, the visitor's id), and
``visitor.erasure_confirmed`` goes back in the same transaction, so head office learns that
this kiosk has done it. Applying it twice changes nothing more and confirms again.

Registered in ``sync/apply.py``. Must never: import Kivy, keep a value it was told to erase.
"""

from __future__ import annotations

from kiosk.core.events import VisitorErased, VisitorErasureConfirmed
from kiosk.core.head_office.enrollment import load_enrollment
from kiosk.core.reception import audit
from kiosk.core.store import purge
from kiosk.core.store.database import Transaction
from kiosk.core.store.records import Records


def visitor_erased(records: Records, tx: Transaction, e: VisitorErased) -> None:
    """Erase the visitors ``e`` names on this kiosk and confirm it to head office."""
    enrolled = load_enrollment(records.store.path.parent)  # beside the database
    kiosk_id = enrolled[0].kiosk_id if enrolled else ""
    held = purge.erase_visitors(tx, list(e.visitor_ids))
    for visitor_id in e.visitor_ids:
        audit.record(
            tx,
            audit.SYSTEM,
            "personal.erased",
            site_id=e.site_id,
            kiosk_id=kiosk_id,
            subject_kind="visitor",
            subject_id=visitor_id,
            reason=f"request {e.erasure_id}",
        )
    tx.emit(
        VisitorErasureConfirmed(
            erasure_id=e.erasure_id,
            site_id=e.site_id,
            visitors=held,
            erased_at=tx.clock.now(),
        )
    )
