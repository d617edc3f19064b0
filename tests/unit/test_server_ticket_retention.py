"""Head office's retention purge on tickets (pushed by a kiosk, folded by the real folders, on a
database made by the real migrations): personal fields emptied, the ticket figures unchanged."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from kiosk.core.events.examples import EXAMPLES
from sync.protocol import EventIn
from sync.server import folding
from sync.server.db import make_engine, make_sessionmaker
from sync.server.migrate import upgrade
from sync.server.models import Kiosk, Site
from sync.server.reception import AuditEntry
from sync.server.retention import purge_site
from sync.server.tickets import TicketRow, ticket_of

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'ho.db'}")
    upgrade(engine)
    make = make_sessionmaker(engine)
    with make.begin() as s:
        s.add(
            Site(
                id="s1",
                name_zh="一",
                name_en="One",
                settings={"checkin": {"retention_days": 14}},
                building_map={},
                change_seq=0,
            )
        )
    with make.begin() as s:
        s.add(Kiosk(id="ka", site_id="s1", name="", created_at=NOW - timedelta(days=60)))
    yield make
    engine.dispose()


def _event(kind: str, when: datetime, **changes) -> EventIn:
    model = EXAMPLES[kind].model_copy(update={"site_id": "s1", "kiosk_id": "ka", **changes})
    return EventIn(
        uuid=str(uuid.uuid4()),
        kind=kind,
        entity_id=model.entity_id,
        occurred_at=when,
        hlc=f"{int(when.timestamp() * 1000):013d}000000-ka",
        payload=model.payload(),
    )


def _ticket(n: int, raised_at: datetime, steps: list[tuple[str, str, str]]) -> list[EventIn]:
    """A ticket raised at ``raised_at`` and its entries (action, status, note), ten minutes
    apart, each having seen the one before."""
    tid = f"t{n:031d}"
    events = [
        _event(
            "ticket.raised",
            raised_at,
            ticket_id=tid,
            number=f"4000000{n}",
            raised_at=raised_at,
            due_at=raised_at + timedelta(hours=1),
        )
    ]
    seen = ""
    for i, (action, status, note) in enumerate(steps, start=1):
        entry_id = f"e{n:02d}{i:029d}"
        events.append(
            _event(
                "ticket.updated",
                raised_at + timedelta(minutes=10 * i),
                entry_id=entry_id,
                ticket_id=tid,
                action=action,
                status=status,
                note=note,
                seen=seen,
                at=raised_at + timedelta(minutes=10 * i),
            )
        )
        seen = entry_id
    return events


DONE = [
    ("assigned", "assigned", "请查门禁"),
    ("acknowledged", "in_progress", ""),
    ("resolved", "resolved", "已告知张伟，门修好了"),
    ("closed", "closed", ""),
]


def _figures(session) -> list[tuple]:
    """What head office's ticket reports add up, per ticket."""
    out = []
    for row in session.scalars(select(TicketRow).order_by(TicketRow.id)):
        t = ticket_of(session, row)
        out.append(
            (
                t.id,
                t.kind,
                t.status,
                t.department_id,
                t.priority,
                t.raised_at,
                t.due_at,
                t.first_response_at,
                t.resolved_at,
                len(t.entries),
            )
        )
    return out


def test_a_done_ticket_past_the_period_loses_its_personal_fields(sessions) -> None:
    old = NOW - timedelta(days=20)
    events = _ticket(1, old, DONE) + _ticket(2, old, DONE[:1])  # 2: still assigned
    events += _ticket(3, NOW - timedelta(days=3), DONE)  # within the site's 14 days
    with sessions.begin() as s:
        assert folding.push(s, kiosk=s.get(Kiosk, "ka"), events=events).rejected == []
    with sessions() as s:
        before = _figures(s)
    with sessions.begin() as s:
        counts = purge_site(s, s.get(Site, "s1"), NOW)
    assert counts.tickets == 1
    with sessions() as s:
        assert _figures(s) == before  # kinds, statuses, departments, times, entries kept
        done, waiting, recent = (ticket_of(s, s.get(TicketRow, f"t{n:031d}")) for n in (1, 2, 3))
        assert (done.client_name, done.contact, done.details, done.people) == ("", "", "", "")
        assert done.subject and done.number == "40000001"
        assert done.outcome == "" and all(e.note == "" for e in done.entries)
        assert (waiting.client_name, waiting.entries[0].note) == ("张伟", "请查门禁")
        assert (recent.contact, recent.outcome) == ("13812345678", "已告知张伟，门修好了")
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.kiosk_id == "head-office:s1"))
        assert entry.action == "privacy.purge" and entry.details["tickets"] == "1"
    with sessions.begin() as s:  # a second purge finds nothing more
        assert purge_site(s, s.get(Site, "s1"), NOW).total == 0
