"""Events a kiosk pushes after a person's erasure, made before it, arrive without the person.

A kiosk pushes before it pulls: a check-in it made while head office was unreachable reaches
head office before the kiosk hears of an erasure requested meanwhile, and would put the
person's name and number back. So an accepted event whose visitor an erasure of the site
names, made (``occurred_at``) before that erasure was requested, is stored and folded with its
personal fields emptied (``kiosk.core.privacy.blanking``); the visit still counts. An event
made after the erasure (the person came back and consented again) is kept as it is.

Must never: write, or hold a name or a number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.core.events import parse_event
from kiosk.core.privacy.blanking import blank_personal


def erased_before(session: Session, site_id: str, accepted: dict[str, Any]) -> int:
    """Empty, in ``accepted`` (UUID → ``folding.Accepted``), the events made before an erasure
    of their visitor; returns how many."""
    named = {
        u: a.model.visitor.id
        for u, a in accepted.items()
        if getattr(a.model, "visitor", None) is not None
    }
    if not named:
        return 0
    from .erasure_fold import Erasure  # it imports folding

    erased: dict[str, datetime] = {}
    rows = session.execute(
        select(Erasure.visitor_ids, Erasure.requested_at).where(Erasure.site_id == site_id)
    )
    for visitor_ids, at in rows:
        for visitor_id in visitor_ids:
            erased[visitor_id] = max(at, erased.get(visitor_id, at))
    changed = 0
    for uuid, visitor_id in named.items():
        requested = erased.get(visitor_id)
        a = accepted[uuid]
        if requested is None or a.event.occurred_at > requested:
            continue
        payload = blank_personal(a.event.payload)
        event = a.event.model_copy(update={"payload": payload})
        accepted[uuid] = type(a)(event, a.hlc, parse_event(event.kind, payload))
        changed += 1
    return changed
