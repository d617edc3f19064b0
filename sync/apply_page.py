"""Applying one pulled page on the kiosk: every change at once, change by change on trouble.

A page (up to ``MAX_PULL_CHANGES`` changes) is applied inside one savepoint of the pull's
transaction, each change parsed and validated by its kind (``apply.apply_change``) but without
a savepoint of its own: a new kiosk reading a compacted feed applies tens of thousands of
changes, and two statements per change for a savepoint were a fifth of its work. When a change
fails there, the page's savepoint is undone and the page applied again the careful way, each
change in its own savepoint: the bad one is kept aside (``attention.quarantine_change``, with
an alert) and the others flow on, as if the fast way had never been tried. Trouble with the
kiosk's own storage (``attention.ENVIRONMENT``) fails the page either way (it is retried).

The kiosk's clock observes the page's newest stamp once (``observe_newest``), which leaves it
where observing every stamp in turn would.
"""

from __future__ import annotations

from collections.abc import Iterable

from kiosk.core.store.database import Transaction
from kiosk.core.store.hlc import HybridLogicalClock
from kiosk.core.store.records import Records

from . import apply, attention
from .protocol import ChangeOut


def apply_page(
    records: Records,
    tx: Transaction,
    changes: list[ChangeOut],
    *,
    site_id: str,
    kiosk_id: str,
) -> set[str]:
    """Apply ``changes`` in ``tx``; the kinds that were applied."""
    store = records.store
    applied: set[str] = set()
    try:
        with store.transaction():  # a savepoint: undone whole if one change fails
            for change in changes:
                if apply.apply_change(
                    records, tx, change, site_id=site_id, kiosk_id=kiosk_id, isolated=False
                ):
                    applied.add(change.kind)
    except attention.ENVIRONMENT:
        raise  # the kiosk's disk, not a change: the page is retried
    except Exception:
        if not tx.conn.in_transaction:
            raise
        applied = _one_by_one(records, tx, changes, site_id=site_id, kiosk_id=kiosk_id)
    observe_newest(store.hlc, (c.hlc for c in changes))
    return applied


def _one_by_one(
    records: Records, tx: Transaction, changes: list[ChangeOut], *, site_id: str, kiosk_id: str
) -> set[str]:
    applied: set[str] = set()
    for change in changes:
        try:
            if apply.apply_change(records, tx, change, site_id=site_id, kiosk_id=kiosk_id):
                applied.add(change.kind)
        except attention.ENVIRONMENT:
            raise
        except Exception as e:  # its savepoint is undone; keep it aside, flow on
            if not tx.conn.in_transaction:
                raise
            attention.quarantine_change(
                records.store, tx, change, e, site_id=site_id, kiosk_id=kiosk_id
            )
    return applied


def observe_newest(hlc: HybridLogicalClock, stamps: Iterable[str]) -> None:
    """Observe the newest well-formed stamp among ``stamps``: well-formed stamps order as their
    text does (fixed-width digits first), so the first, newest first, that the clock accepts
    is the one observing all of them would have left it at."""
    for stamp in sorted({s for s in stamps if s}, key=lambda s: s.partition("-")[0], reverse=True):
        if hlc.observe(stamp):
            return
