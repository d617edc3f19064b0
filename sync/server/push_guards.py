"""Checks of a pushed batch against what head office already holds (issue 12, item 8).

- A visit may only name a visitor of the pushing kiosk's site: a check-in whose visitor id
  belongs to another site is rejected (it would put that site's visitor in this site's roll
  call).
- An event UUID stands for one event: a UUID already stored with other content (another
  site's, another kind, entity, stamp or payload) is rejected, not acknowledged as a duplicate.

Must never: write, or reject a true re-send (same UUID, same content: a duplicate, success).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import one_of
from .models import Event, Visitor


def foreign_visitors(session: Session, site_id: str, accepted: Iterable[Any]) -> dict[str, str]:
    """UUID → reason for events whose visitor id is another site's visitor."""
    by_visitor: dict[str, list[str]] = {}
    for a in accepted:
        visitor = getattr(a.model, "visitor", None)
        if visitor is not None:
            by_visitor.setdefault(visitor.id, []).append(a.event.uuid)
    if not by_visitor:
        return {}
    foreign = session.scalars(
        select(Visitor.id).where(
            one_of(session, Visitor.id, by_visitor), Visitor.site_id != site_id
        )
    )
    return {
        u: f"visitor {vid!r} belongs to another site" for vid in foreign for u in by_visitor[vid]
    }


def reused_uuids(
    session: Session, site_id: str, accepted: dict[str, Any], not_stored: list[str]
) -> dict[str, str]:
    """UUID → reason for events not stored because their UUID holds a different event."""
    if not not_stored:
        return {}
    rows = session.execute(
        select(
            Event.uuid, Event.site_id, Event.kind, Event.entity_id, Event.hlc, Event.payload
        ).where(one_of(session, Event.uuid, not_stored))
    ).all()
    clashes: dict[str, str] = {}
    for r in rows:
        a = accepted[r.uuid]
        same = (r.site_id, r.kind, r.entity_id, r.hlc, r.payload) == (
            site_id,
            a.event.kind,
            a.event.entity_id,
            a.hlc,
            a.event.payload,
        )
        if not same:
            clashes[r.uuid] = "this uuid is already used by a different event"
    return clashes
