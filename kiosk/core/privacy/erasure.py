"""A person's erasure reaching this kiosk: ``visitor.erased`` from head office (pull).

The named visitors' personal fields are emptied here as at head office (``store/purge.py``),
one audit entry says so (``personal.erased``, actor ``system``, the visitor's id), and
``visitor.erasure_confirmed`` goes back in the same transaction, so head office learns that
this kiosk has done it. Applying it twice changes nothing more and confirms again.

Events not every consumer has handled yet (head office unreachable, a printer offline) keep
their payload, so their personal fields are emptied in place (``unsent_payloads``): the event
still goes out, and counts, but names nobody. The kiosk's own records of the same number
(``phone_key``: a visitor head office has not heard of yet) are erased with them.

Registered in ``sync/apply.py``. Must never: import Kivy, keep a value it was told to erase.
"""

from __future__ import annotations

import json

from kiosk.core.config.clock import iso
from kiosk.core.events import VisitorErased, VisitorErasureConfirmed
from kiosk.core.head_office.enrollment import load_enrollment
from kiosk.core.privacy.blanking import blank_personal
from kiosk.core.reception import audit
from kiosk.core.store import purge
from kiosk.core.store.database import Transaction
from kiosk.core.store.records import Records


def visitor_erased(records: Records, tx: Transaction, e: VisitorErased) -> None:
    """Erase the visitors ``e`` names on this kiosk and confirm it to head office."""
    enrolled = load_enrollment(records.store.path.parent)  # beside the database
    kiosk_id = enrolled[0].kiosk_id if enrolled else ""
    ids = same_person(tx, list(e.visitor_ids))
    unsent_payloads(tx, ids, before=iso(e.requested_at))
    held = purge.erase_visitors(tx, ids)
    for visitor_id in ids:
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


def same_person(tx: Transaction, visitor_ids: list[str]) -> list[str]:
    """``visitor_ids`` and this kiosk's other visitor rows of the same number (blind index)."""
    marks = ",".join("?" * len(visitor_ids))
    rows = tx.execute(
        "SELECT id FROM visitors WHERE phone_key != '' AND phone_key IN "
        f"(SELECT phone_key FROM visitors WHERE id IN ({marks}))",
        tuple(visitor_ids),
    ).fetchall()
    return sorted(set(visitor_ids) | {r[0] for r in rows})


def unsent_payloads(tx: Transaction, visitor_ids: list[str], *, before: str) -> int:
    """Empty the personal fields of the visitors' outbox events made ``before`` the erasure
    was requested that some consumer (sync, the printer, the notifier) has not handled yet (a
    later one is the person back, consenting again); returns how many payloads changed."""
    marks = ",".join("?" * len(visitor_ids))
    visits = f"SELECT id FROM visits WHERE visitor_id IN ({marks})"
    alerts = f"SELECT id FROM alerts WHERE visit_id IN ({visits})"
    ids = tuple(visitor_ids)
    tx.execute(f"UPDATE alerts SET details = '{{}}' WHERE id IN ({alerts})", ids)
    handled = tx.execute("SELECT coalesce(min(position), 0) FROM outbox_positions").fetchone()[0]
    rows = tx.execute(
        "SELECT seq, payload FROM outbox WHERE seq > ? AND occurred_at <= ? AND (entity_id IN "
        f"({marks}) OR entity_id IN ({visits}) OR entity_id IN ({alerts}))",
        (handled, before, *ids, *ids, *ids),
    ).fetchall()
    changed = 0
    for seq, sealed in rows:
        payload = json.loads(tx.fields.open(sealed, "outbox", "payload") or "{}")
        blank = blank_personal(payload)
        if blank != payload:
            text = json.dumps(blank, ensure_ascii=False, sort_keys=True)
            tx.execute(
                "UPDATE outbox SET payload = ? WHERE seq = ?",
                (tx.fields.seal(text, "outbox", "payload"), seq),
            )
            changed += 1
    return changed
