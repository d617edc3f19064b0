"""Pull handlers of receptionist mode, registered in ``sync/apply.py``.

``staff.upserted``: head office's staff accounts land in ``staff``. Idempotent (an upsert by
id); an account of another site is ignored, so a kiosk only ever holds its own site's PIN hashes.

``visit.decided``: another kiosk's decision on a held visit. The first decision by hybrid clock
stamp stands, the rule head office folds by (``sync/server/reception.py``): an earlier one
replaces this kiosk's own (a denial that came first takes back a later local approval: the
visit is denied again); a later one is ignored. An approval that came first lets the visit in
when its ``visit.checked_in`` follows (``sync.apply.visit_opened``). Order-free and idempotent.

``badge.printed`` / ``badge.failed``: another kiosk's badge news, kept in ``pulled_badges`` (the
newest stamp wins, as at head office), so the desk console's board shows the badge status of
the lobby kiosks' visitors (``badge_status``: this kiosk's own print job first).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kiosk.core.events import BadgeFailed, BadgePrinted, StaffUpserted, VisitDecided
from kiosk.core.models import VisitState
from kiosk.core.store import reception as decisions
from kiosk.core.store import staff as table
from kiosk.core.store.database import Transaction

log = logging.getLogger(__name__)


def staff_upserted_change(records: Any, tx: Transaction, event: StaffUpserted) -> None:
    """The ``sync.apply`` handler for ``staff.upserted`` (parsed by the event registry)."""
    site_ids = {s.id for s in records.sites()}
    if site_ids and event.site_id not in site_ids:
        log.warning(
            "staff account %s is for site %s, not this kiosk's", event.staff_id, event.site_id
        )
        return
    table.upsert(
        tx,
        table.StaffRow(
            id=event.staff_id,
            site_id=event.site_id,
            name=event.name,
            role=event.role,
            pin_hash=event.pin_hash,
            language=event.language,
            disabled=event.disabled,
            origin="head_office",
            updated_at=event.updated_at,
        ),
    )


def visit_decided_change(records: Any, tx: Transaction, event: VisitDecided, *, stamp: str) -> None:
    """The ``sync.apply`` handler for ``visit.decided``; ``stamp`` is the change's HLC stamp."""
    visit = records.visit(event.visit_id)
    if visit is None or visit.site_id != event.site_id:
        return  # not a visit of this kiosk's site (its ``visit.denied`` comes first in the feed)
    here = decisions.decision(records.store, event.visit_id)
    if here is not None and here["hlc"] <= stamp:
        return  # the first decision stands (a stamp-less local one too: it cannot be compared)
    decisions.replace_decision(
        tx,
        visit_id=event.visit_id,
        decision=event.decision,
        reason=event.reason,
        by=event.by,
        kiosk_id=event.kiosk_id,
        at=event.decided_at,
        hlc=stamp,
    )
    if event.decision == "denied" and visit.state is VisitState.CHECKED_IN:
        records.set_visit_state(
            tx, event.visit_id, VisitState.DENIED, note=f"denied: {event.reason}"[:500]
        )


def badge_change(
    records: Any, tx: Transaction, event: BadgePrinted | BadgeFailed, *, stamp: str
) -> None:
    """The ``sync.apply`` handler for ``badge.printed`` and ``badge.failed``."""
    state = "printed" if isinstance(event, BadgePrinted) else "failed"
    decisions.set_pulled_badge(tx, event.visit_id, state, stamp)


def badge_status(queue: Any, store: Any) -> Callable[[str], str]:
    """A visit's badge state for the board: this kiosk's print job, else another kiosk's news
    (``pulled_badges``), else the queue's "none"."""

    def status(visit_id: str) -> str:
        here = str(queue.status_for(visit_id).state)
        if here != "none":
            return here
        return decisions.pulled_badge(store, visit_id) or here

    return status
