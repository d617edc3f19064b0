"""The incident timeline: the site's emergency entries folded, in stamp order, into incidents.

Every kiosk folds the entries it holds in the same order (hybrid-clock stamp, then entry id),
so kiosks that hold the same entries agree on the same incidents, whatever order the entries
arrived in: two supervisors starting at once on two kiosks give one incident (the later start
joins the first), two ends give one end (the later is noted), and a start stamped after an end
opens a new incident. Marks are last-writer-wins per person, by stamp. A note names its
incident, so one written days later (after other incidents) still joins its record. Pure
functions of the entries; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from kiosk.core.events import (
    EmergencyEnded,
    EmergencyMarked,
    EmergencyNoted,
    EmergencyStarted,
    EmergencySwitched,
    Event,
    RollCallPrinted,
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One timeline entry as kept: its stamp and its typed event."""

    stamp: str
    event: Event
    #: made on this kiosk (its outbox carries it to head office)
    local: bool = False


@dataclass(frozen=True, slots=True)
class Mark:
    status: str
    by: str
    at: datetime
    kiosk_id: str


@dataclass(frozen=True, slots=True)
class Note:
    """A supervisor's note on the incident's record."""

    at: datetime
    by: str
    text: str
    kiosk_id: str


@dataclass(frozen=True, slots=True)
class Incident:
    """One emergency (or drill) from its first start to its first end after that."""

    id: str
    emergency: str
    drill: bool
    started_at: datetime
    started_by: str
    started_on: str
    started_stamp: str
    ended_at: datetime | None = None
    ended_by: str = ""
    reason: str = ""
    #: person id -> the newest mark
    marks: dict[str, Mark] = field(default_factory=dict)
    #: kiosk id -> when it switched to emergency mode
    switched: dict[str, datetime] = field(default_factory=dict)
    #: every entry of the incident, in stamp order (notes are in ``notes``)
    entries: tuple[Entry, ...] = ()
    #: supervisors' notes, in stamp order
    notes: tuple[Note, ...] = ()

    @property
    def active(self) -> bool:
        return self.ended_at is None

    def prints(self) -> list[RollCallPrinted]:
        return [e.event for e in self.entries if isinstance(e.event, RollCallPrinted)]


def fold(entries: Iterable[Entry]) -> list[Incident]:
    """The incidents the entries make, oldest first (entries sorted here: any order in)."""
    incidents: list[Incident] = []
    current: Incident | None = None
    marks: dict[str, Mark] = {}
    switched: dict[str, datetime] = {}
    kept: list[Entry] = []
    notes: dict[str, list[Note]] = {}

    def close(incident: Incident) -> Incident:
        return replace(incident, marks=dict(marks), switched=dict(switched), entries=tuple(kept))

    for entry in sorted(entries, key=lambda e: (e.stamp, e.event.entity_id)):
        e = entry.event
        if isinstance(e, EmergencyNoted):
            notes.setdefault(e.incident_id, []).append(Note(e.at, e.by, e.note, e.kiosk_id))
            continue
        if isinstance(e, EmergencyStarted):
            if current is None or not current.active:
                if current is not None:
                    incidents.append(close(current))
                current = Incident(
                    id=e.entry_id,
                    emergency=e.emergency,
                    drill=e.drill,
                    started_at=e.at,
                    started_by=e.by,
                    started_on=e.kiosk_id,
                    started_stamp=entry.stamp,
                )
                marks, switched, kept = {}, {}, []
            kept.append(entry)  # a second start joins the incident under way
            continue
        if current is None:
            continue  # nothing started yet (an entry whose start this kiosk lacks)
        kept.append(entry)
        if not current.active:
            continue  # after the end: kept in the record, changes nothing
        if isinstance(e, EmergencyEnded):
            current = replace(current, ended_at=e.at, ended_by=e.by, reason=e.reason)
        elif isinstance(e, EmergencyMarked):
            marks[e.person_id] = Mark(e.status, e.by, e.at, e.kiosk_id)
        elif isinstance(e, EmergencySwitched) and e.active:
            switched.setdefault(e.kiosk_id, e.at)
    if current is not None:
        incidents.append(close(current))
    return [replace(i, notes=tuple(notes.get(i.id, ()))) if i.id in notes else i for i in incidents]


def find(incidents: list[Incident], incident_id: str) -> Incident | None:
    """The incident with this id, or None."""
    return next((i for i in incidents if i.id == incident_id), None)


def current(incidents: list[Incident]) -> Incident | None:
    """The incident under way, or None."""
    return incidents[-1] if incidents and incidents[-1].active else None
