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

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.core.config.errors import NotFoundError
from kiosk.core.emergency.timeline import Entry, Incident, current, fold
from kiosk.core.events import (
    EmergencyEnded,
    EmergencyMarked,
    EmergencyNoted,
    EmergencyStarted,
    Event,
    parse_event,
)
from kiosk.core.events.emergency import EMERGENCY_EVENTS

from .changes import SERVER_HLC, append_change
from .db import executemany
from .errors import ConflictError
from .folding import FOLDERS, Accepted, insert_for, statement
from .models import EmergencyEntry, Kiosk

ENTRIES: Any = EmergencyEntry.__table__
#: the kiosk id of entries made at head office
HEAD_OFFICE = "head-office"
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


def start(session: Session, *, site_id: str, emergency: str, drill: bool, by: str) -> Incident:
    """Head office starts emergency mode for a site (joins the one under way, if any): kept
    here and fed to the site's kiosks, which pass it on to each other."""
    event = EmergencyStarted(
        entry_id=uuid.uuid4().hex,
        site_id=site_id,
        kiosk_id=HEAD_OFFICE,
        at=datetime.now(UTC),
        emergency=emergency,  # type: ignore[arg-type]
        drill=drill,
        by=by,
    )
    _record(session, site_id, event)
    found = current(incidents(session, site_id=site_id))
    assert found is not None
    return found


def end(session: Session, *, site_id: str, by: str, reason: str) -> Incident:
    """Head office ends the site's emergency (``ConflictError`` when none is under way)."""
    if current(incidents(session, site_id=site_id)) is None:
        raise ConflictError(f"site {site_id} has no emergency under way")
    event = EmergencyEnded(
        entry_id=uuid.uuid4().hex,
        site_id=site_id,
        kiosk_id=HEAD_OFFICE,
        at=datetime.now(UTC),
        by=by,
        reason=reason,
    )
    _record(session, site_id, event)
    return incidents(session, site_id=site_id)[-1]


def note(session: Session, *, site_id: str, incident_id: str, by: str, text: str) -> Incident:
    """A note on an incident's record, written at head office (``NotFoundError`` for an
    incident the site does not have): kept here and fed to the site's kiosks."""
    from kiosk.core.emergency.timeline import find

    if find(incidents(session, site_id=site_id), incident_id) is None:
        raise NotFoundError(f"site {site_id} has no incident {incident_id}")
    event = EmergencyNoted(
        entry_id=uuid.uuid4().hex,
        site_id=site_id,
        kiosk_id=HEAD_OFFICE,
        at=datetime.now(UTC),
        incident_id=incident_id,
        by=by,
        note=text.strip()[:2000],
    )
    _record(session, site_id, event)
    found = find(incidents(session, site_id=site_id), incident_id)
    assert found is not None
    return found


def mark(session: Session, *, site_id: str, person_id: str, status: str, by: str) -> None:
    """A mark made at head office (a host on the roll-call page, ``host_marks.py``) on the
    incident under way: kept here and fed to the site's kiosks like a note."""
    if current(incidents(session, site_id=site_id)) is None:
        raise ConflictError(f"site {site_id} has no emergency under way")
    event = EmergencyMarked(
        entry_id=uuid.uuid4().hex,
        site_id=site_id,
        kiosk_id=HEAD_OFFICE,
        at=datetime.now(UTC),
        person_id=person_id,
        status=status,  # type: ignore[arg-type]
        by=by[:64],
    )
    _record(session, site_id, event)


def _record(session: Session, site_id: str, event: Event) -> None:
    hlc = SERVER_HLC.tick()
    row = {
        "entry_id": event.entity_id,
        "site_id": site_id,
        "kiosk_id": HEAD_OFFICE,
        "kind": event.kind,
        "hlc": hlc,
        "payload": event.payload(),
        "received_at": datetime.now(UTC),
    }
    session.execute(_insert(session), [row])
    append_change(session, site_id=site_id, change=event, hlc=hlc)


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
        "notes": [
            {"at": n.at, "by": n.by, "text": n.text, "kiosk_id": n.kiosk_id} for n in incident.notes
        ],
    }


for _kind in KINDS:
    FOLDERS[_kind] = fold_entries
