"""The roll call: everyone who should be accounted for, from this kiosk and from its peers.

This kiosk's own part (``local_roster``) is every open visit of the site it holds (its own
check-ins and the site's others it keeps from the pull feed, ``sync.apply.visit_opened``),
every visit that left since the incident started (checked out here, or an early check-out of a
visit it has not got yet), and the staff who opened the console here today (on duty at the
desk). A peer's part is what it last sent (``peers``). ``merge`` makes one line per person:
the details from whichever part has them, "left the building" if any part says so. Reads the
store; call it off the UI thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from kiosk.core.config.clock import iso
from kiosk.core.emergency.timeline import Incident, Mark
from kiosk.core.store.records import Records

#: a roster line's fields on the wire, with their longest length (peers' lines are checked)
LINE_LIMITS = {
    "person_id": 80,
    "kind": 8,
    "name": 200,
    "company": 200,
    "host": 200,
    "where": 200,
    "kiosk_id": 64,
    "since": 40,
}


@dataclass(frozen=True, slots=True)
class Person:
    """One line of the roll call."""

    person_id: str
    kind: str  # "visitor" or "staff"
    name: str
    company: str = ""
    #: the host in both languages ("李娜 Li Na")
    host: str = ""
    #: where they were going (the host's floor and room)
    where: str = ""
    kiosk_id: str = ""
    since: str = ""
    left: bool = False

    def wire(self) -> dict[str, object]:
        return {
            "person_id": self.person_id,
            "kind": self.kind,
            "name": self.name,
            "company": self.company,
            "host": self.host,
            "where": self.where,
            "kiosk_id": self.kiosk_id,
            "since": self.since,
            "left": self.left,
        }


@dataclass(frozen=True, slots=True)
class Line:
    person: Person
    mark: Mark | None

    @property
    def status(self) -> str:
        """``left``, ``accounted``, ``missing`` or ``unknown`` (not marked yet)."""
        if self.mark is not None:
            return self.mark.status
        return "left" if self.person.left else "unknown"


@dataclass(frozen=True, slots=True)
class RollCall:
    lines: tuple[Line, ...]

    def counts(self) -> dict[str, int]:
        out = {"unknown": 0, "accounted": 0, "missing": 0, "left": 0}
        for line in self.lines:
            out[line.status] += 1
        return out

    def outstanding(self) -> int:
        """People neither accounted for nor gone."""
        c = self.counts()
        return c["unknown"] + c["missing"]

    def all_accounted_after(self, incident: Incident | None) -> float | None:
        """Seconds from the start until the last person was marked accounted for (a drill's
        figure); None while anyone is still to be found (or nobody was on the roll call)."""
        if incident is None or not self.lines or self.outstanding():
            return None
        marked = [line.mark.at for line in self.lines if line.mark is not None]
        last = max(marked, default=incident.started_at)
        return max(0.0, (last - incident.started_at).total_seconds())


def local_roster(
    records: Records,
    *,
    site_id: str,
    kiosk_id: str,
    since: datetime | None,
    day_start: datetime,
) -> list[Person]:
    """This kiosk's part of the roll call (``since``: the incident's start, for who left)."""
    store = records.store
    people: list[Person] = []
    rows = store.query(
        "SELECT id FROM visits WHERE site_id = ? AND (state = 'checked_in' OR "
        "(state = 'checked_out' AND checked_out_at >= ?)) ORDER BY checked_in_at, id",
        (site_id, iso(since) if since else "9999"),
    )
    for row in rows:
        visit = records.visit(str(row[0]))
        if visit is None:
            continue
        person = records.visitor(visit.visitor_id)
        host = records.host(visit.host_id) if visit.host_id else None
        where = " ".join(p for p in (host.floor, host.room) if p) if host else ""
        people.append(
            Person(
                person_id=visit.id,
                kind="visitor",
                name=person.name if person else "",
                company=person.company if person else "",
                host=" ".join(dict.fromkeys(n for n in (host.name_zh, host.name_en) if n))
                if host
                else "",
                where=where,
                kiosk_id=visit.kiosk_id,
                since=iso(visit.checked_in_at) if visit.checked_in_at else "",
                left=str(visit.state) == "checked_out",
            )
        )
    if since is not None:
        for row in store.query(
            "SELECT visit_id FROM early_checkouts WHERE site_id = ? AND checked_out_at >= ?",
            (site_id, iso(since)),
        ):
            people.append(Person(person_id=str(row[0]), kind="visitor", name="", left=True))
    people.extend(staff_on_duty(records, site_id=site_id, kiosk_id=kiosk_id, day_start=day_start))
    return people


def staff_on_duty(
    records: Records, *, site_id: str, kiosk_id: str, day_start: datetime
) -> list[Person]:
    """Staff who opened the console on this kiosk today (the audit log's ``session.opened``)."""
    rows = records.store.query(
        "SELECT a.actor, min(a.at) AS since, s.name FROM audit_log a "
        "JOIN staff s ON s.id = a.actor WHERE a.site_id = ? AND a.action = 'session.opened' "
        "AND a.at >= ? GROUP BY a.actor, s.name ORDER BY s.name",
        (site_id, iso(day_start)),
    )
    return [
        Person(
            person_id=f"staff:{r['actor']}",
            kind="staff",
            name=str(r["name"]),
            kiosk_id=kiosk_id,
            since=str(r["since"]),
        )
        for r in rows
    ]


def merge(parts: Iterable[Iterable[Person]]) -> list[Person]:
    """One line per person: the first part that names them gives the details (this kiosk's
    own part comes first), any part that says they left wins; sorted by kind then name."""
    by_id: dict[str, Person] = {}
    for part in parts:
        for p in part:
            have = by_id.get(p.person_id)
            if have is None:
                by_id[p.person_id] = p
                continue
            if not have.name and p.name:
                have = Person(**{**p.wire(), "left": have.left})  # type: ignore[arg-type]
            if p.left and not have.left:
                have = Person(**{**have.wire(), "left": True})  # type: ignore[arg-type]
            by_id[p.person_id] = have
    return sorted(by_id.values(), key=lambda p: (p.kind != "visitor", p.name, p.person_id))


def roll_call(people: Iterable[Person], incident: Incident | None) -> RollCall:
    marks = incident.marks if incident is not None else {}
    # a line nobody could name (an early check-out whose visit no part holds) is left out
    return RollCall(tuple(Line(p, marks.get(p.person_id)) for p in people if p.name))
