"""The incident review: for each person who should have been accounted for, how long they
stayed unaccounted (from the start to the mark that accounted for them, or to their check-out),
who marked them and when; the incident's duration and the drill's figure.

A pure function of the folded incident (``timeline.Incident``) and the people on site at its
start (``Person`` lines, with when each left if they did): the kiosk builds them from its store
(``review_people``), head office from its visits. Someone still missing or never marked at the
end stayed unaccounted until the end (``open``). No I/O but ``review_people``'s reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.core.config.clock import iso, parse_iso
from kiosk.core.emergency.roster import Person, merge, staff_on_duty
from kiosk.core.emergency.timeline import Incident, Note
from kiosk.core.store.records import Records


@dataclass(frozen=True, slots=True)
class Reviewed:
    """One person's line of the review."""

    person: Person
    #: ``accounted``, ``missing``, ``left`` or ``unknown`` (never marked)
    status: str
    #: who marked them (empty when not marked), and when (or when they left)
    by: str
    at: datetime | None
    #: seconds from the start until accounted for (or left), or until the end when ``open``
    unaccounted: float
    #: still unaccounted for when the incident ended (or now, while it is under way)
    open: bool


@dataclass(frozen=True, slots=True)
class Review:
    incident: Incident
    people: tuple[Reviewed, ...]
    #: the end, or ``now`` while it is under way
    until: datetime

    @property
    def notes(self) -> tuple[Note, ...]:
        return self.incident.notes

    @property
    def duration(self) -> float:
        return max(0.0, (self.until - self.incident.started_at).total_seconds())

    @property
    def all_accounted_after(self) -> float | None:
        """Seconds from the start until the last person was accounted for (a drill's figure);
        None when someone stayed unaccounted for (or nobody was on site)."""
        if not self.people or any(p.open for p in self.people):
            return None
        return max(p.unaccounted for p in self.people)

    def unaccounted(self) -> list[Reviewed]:
        """People still unaccounted for at the end."""
        return [p for p in self.people if p.open]


def review(
    incident: Incident,
    people: Iterable[Person],
    *,
    now: datetime,
    left_at: Mapping[str, datetime] | None = None,
) -> Review:
    """The review of ``incident`` for ``people`` (one line each, as ``roster.merge`` makes
    them); ``left_at``: person id -> when they checked out, for those who did."""
    left_at = left_at or {}
    start = incident.started_at
    until = incident.ended_at or now
    lines = []
    for person in people:
        mark = incident.marks.get(person.person_id)
        gone = left_at.get(person.person_id)
        line: tuple[str, str, datetime | None, float, bool]
        if mark is not None and mark.status == "accounted":
            line = (mark.status, mark.by, mark.at, _seconds(start, mark.at), False)
        elif mark is None and (person.left or gone is not None):
            line = ("left", "", gone, _seconds(start, gone) if gone else 0.0, False)
        else:  # missing, or never marked: unaccounted for until the end
            status = mark.status if mark is not None else "unknown"
            by, at = (mark.by, mark.at) if mark is not None else ("", None)
            line = (status, by, at, _seconds(start, until), True)
        lines.append(Reviewed(person, *line))
    lines.sort(key=lambda r: (not r.open, -r.unaccounted, r.person.name))
    return Review(incident, tuple(lines), until)


def _seconds(start: datetime, at: datetime) -> float:
    return max(0.0, (at - start).total_seconds())


def duration_text(seconds: float) -> str:
    """``4:35`` or ``1:02:05``: language-neutral, the same in both columns of the record."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def review_people(
    records: Records,
    *,
    site_id: str,
    kiosk_id: str,
    incident: Incident,
    peers: Iterable[Iterable[Person]] = (),
    day_start: datetime,
) -> tuple[list[Person], dict[str, datetime]]:
    """Everyone on site when ``incident`` started, as this kiosk knows them: the open visits
    it held at the start (its own and the site's others from the pull feed), the staff who
    opened its console that day, and the peers' parts naming people checked in before the
    start; with when each visitor who left did. Reads the store."""
    start = iso(incident.started_at)
    people: list[Person] = []
    left: dict[str, datetime] = {}
    rows = records.store.query(
        "SELECT id, checked_out_at FROM visits WHERE site_id = ? AND checked_in_at <= ? AND "
        "(checked_out_at IS NULL OR checked_out_at >= ?) ORDER BY checked_in_at, id",
        (site_id, start, start),
    )
    for row in rows:
        visit = records.visit(str(row[0]))
        if visit is None:
            continue
        visitor = records.visitor(visit.visitor_id)
        host = records.host(visit.host_id) if visit.host_id else None
        people.append(
            Person(
                person_id=visit.id,
                kind="visitor",
                name=visitor.name if visitor else "",
                company=visitor.company if visitor else "",
                host=" ".join(dict.fromkeys(n for n in (host.name_zh, host.name_en) if n))
                if host
                else "",
                where=" ".join(p for p in (host.floor, host.room) if p) if host else "",
                kiosk_id=visit.kiosk_id,
                since=iso(visit.checked_in_at) if visit.checked_in_at else "",
                left=row[1] is not None,
            )
        )
        if row[1] is not None:
            left[visit.id] = parse_iso(str(row[1]))
    end = incident.ended_at or (incident.started_at + timedelta(days=1))
    staff = [
        p
        for p in staff_on_duty(records, site_id=site_id, kiosk_id=kiosk_id, day_start=day_start)
        if p.since <= iso(end)
    ]
    before = [[p for p in part if p.since and p.since <= start] for part in peers]
    merged = [p for p in merge([people, staff, *before]) if p.name]
    return merged, left
