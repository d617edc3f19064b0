"""An incident's review at head office: who was on site at its start (the site's visits then,
from head office's own visit records) and how long each stayed unaccounted for, with the
kiosks' fold of the incident (``incidents``) and the kiosks' pure review
(``kiosk.core.emergency.review``), so head office and the kiosks show the same record.
Reads personal data (names): the dashboard audit-logs every view and download.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from kiosk.core.config.clock import iso
from kiosk.core.emergency.review import Review, review
from kiosk.core.emergency.roster import Person
from kiosk.core.emergency.timeline import Incident, find

from . import incidents
from .models import Host, Visit, Visitor


def incident_review(session: Session, *, site_id: str, incident_id: str) -> Review | None:
    """The review of one of the site's incidents, or None when it has no such incident."""
    incident = find(incidents.incidents(session, site_id=site_id), incident_id)
    if incident is None:
        return None
    people, left = on_site_at_start(session, site_id=site_id, incident=incident)
    return review(incident, people, now=datetime.now(UTC), left_at=left)


def on_site_at_start(
    session: Session, *, site_id: str, incident: Incident, host_id: str | None = None
) -> tuple[list[Person], dict[str, datetime]]:
    """The site's visits open when ``incident`` started, and when each that left did; people
    marked in the incident head office has no visit for (staff on duty) by their id. With
    ``host_id``: that host's visitors only (the host's roll-call page, ``host_marks.py``)."""
    start = incident.started_at
    host = aliased(Host)
    query = (
        select(Visit, Visitor, host)
        .outerjoin(Visitor, Visitor.id == Visit.visitor_id)
        .outerjoin(host, host.id == Visit.host_id)
        .where(
            Visit.site_id == site_id,
            Visit.state_hlc != "",
            Visit.checked_in_at <= start,
            or_(Visit.checked_out_at.is_(None), Visit.checked_out_at >= start),
        )
        .order_by(Visit.checked_in_at, Visit.id)
    )
    if host_id is not None:
        query = query.where(Visit.host_id == host_id)
    people: list[Person] = []
    left: dict[str, datetime] = {}
    for visit, visitor, h in session.execute(query):
        out = _utc(visit.checked_out_at)
        people.append(
            Person(
                person_id=visit.id,
                kind="visitor",
                name=(visitor.name if visitor else "") or visit.id,
                company=visitor.company if visitor else "",
                host=" ".join(dict.fromkeys(n for n in (h.name_zh, h.name_en) if n)) if h else "",
                where=" ".join(p for p in (h.floor, h.room) if p) if h else "",
                kiosk_id=visit.kiosk_id,
                since=iso(_utc(visit.checked_in_at) or start),
                left=out is not None,
            )
        )
        if out is not None:
            left[visit.id] = out
    if host_id is not None:
        return people, left
    known = {p.person_id for p in people}
    for person_id in incident.marks:
        if person_id not in known:  # staff on duty (their names stay on the kiosks)
            people.append(Person(person_id=person_id, kind="staff", name=person_id))
    return people, left


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
