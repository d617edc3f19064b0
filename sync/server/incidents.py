"""Head office's incident record: the kiosks' emergency entries, folded as every kiosk folds.

Each ``emergency.*`` event a kiosk pushes is kept once by its entry id in
``emergency_entries`` (a kiosk pushes only the entries it made, so each arrives from one
kiosk; a re-sent batch or an entry that also reached head office another way changes
nothing). ``incidents`` folds a site's entries with the kiosks' own pure fold
(``kiosk.core.emergency.timeline``) by the entries' hybrid-clock stamps, so head office shows
the timeline every kiosk shows, whatever order the entries arrived in. Guarded by
``site_id`` like every fold.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.core.emergency.timeline import Entry, Incident, fold
from kiosk.core.events import parse_event
from kiosk.core.events.emergency import EMERGENCY_EVENTS

from .db import executemany
from .folding import FOLDERS, Accepted, insert_for, statement
from .models import EmergencyEntry, Kiosk

ENTRIES: Any = EmergencyEntry.__table__
KINDS = tuple(cls.kind for cls in EMERGENCY_EVENTS)


def fold_entries(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "entry_id": a.model.entry_id,
            "site_id": kiosk.site_id,
            "kiosk_id": a.model.kiosk_id,
            "kind": a.event.kind,
            "hlc": a.hlc,
            "payload": a.model.payload(),
            "received_at": now,
        }
        for a in items
        if a.model is not None and a.model.site_id == kiosk.site_id
    ]
    executemany(session, statement(session, "emergency.entry", _insert), rows)


def _insert(session: Session) -> Any:
    return insert_for(session, ENTRIES).on_conflict_do_nothing(index_elements=["entry_id"])


def incidents(session: Session, *, site_id: str) -> list[Incident]:
    """The site's incidents, oldest first (the last is under way when not ended)."""
    rows = session.execute(
        select(ENTRIES.c.kind, ENTRIES.c.hlc, ENTRIES.c.payload).where(ENTRIES.c.site_id == site_id)
    ).all()
    return fold(Entry(r.hlc, parse_event(r.kind, r.payload)) for r in rows)


def public(incident: Incident) -> dict[str, Any]:
    """What the API shows of one incident."""
    return {
        "id": incident.id,
        "emergency": incident.emergency,
        "drill": incident.drill,
        "started_at": incident.started_at,
        "started_by": incident.started_by,
        "started_on": incident.started_on,
        "ended_at": incident.ended_at,
        "ended_by": incident.ended_by,
        "reason": incident.reason,
        "switched": dict(incident.switched),
        "marks": {
            person: {"status": m.status, "by": m.by, "at": m.at, "kiosk_id": m.kiosk_id}
            for person, m in incident.marks.items()
        },
        "prints": [
            {"printer": p.printer, "ok": p.ok, "people": p.people, "at": p.at}
            for p in incident.prints()
        ],
        "entries": len(incident.entries),
    }


for _kind in KINDS:
    FOLDERS[_kind] = fold_entries
