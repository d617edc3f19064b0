"""Head office's retention purge on a real SQLite database (migrated by Alembic), ``now`` given."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kiosk.core.config.clock import iso
from kiosk.core.reception.audit import entry_hash
from sync.server.api.sites_routes import create_site_record
from sync.server.db import make_engine, make_sessionmaker
from sync.server.migrate import upgrade
from sync.server.models import Change, Event, Invitation, Site, Visit, Visitor
from sync.server.reception import AuditEntry
from sync.server.retention import purge_site

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'ho.sqlite3'}")
    upgrade(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def _person(session, n: int, at: datetime) -> None:
    vid = f"p{n}"
    session.add(
        Visitor(
            id=vid,
            site_id="s1",
            name=f"访客{n}",
            phone=f"1380000{n:04d}",
            company="星河",
            phone_key=f"key{n}",
            last_visit_at=at,
        )
    )
    session.add(
        Visit(
            id=f"v{n}",
            site_id="s1",
            visitor_id=vid,
            state="checked_out",
            purpose="meeting",
            department_id="rnd",
            created_at=at,
            checked_in_at=at,
            checked_out_at=at,
        )
    )
    session.add(
        Event(
            uuid=f"e{n}",
            site_id="s1",
            kiosk_id="k1",
            kind="visit.checked_in",
            entity_id=f"v{n}",
            occurred_at=at,
            hlc="",
            payload={"visitor": {"name": f"访客{n}"}},
            received_at=at,
        )
    )
    session.add(
        Change(
            site_id="s1",
            seq=n,
            kind="visitor.known",
            entity_id=vid,
            hlc="",
            payload={"masked_name": "访*"},
            created_at=at,
        )
    )


def _report(session) -> list[tuple]:
    return list(
        session.execute(
            select(Visit.purpose, Visit.department_id, func.count()).group_by(
                Visit.purpose, Visit.department_id
            )
        )
    )


def test_a_site_is_purged_past_its_period_and_its_reports_add_up(sessions) -> None:
    with sessions() as s, s.begin():
        site = create_site_record(s, id="s1", name_zh="一", name_en="One")
        site.settings = {"checkin": {"retention_days": 14}}
        _person(s, 1, NOW - timedelta(days=20))  # past the site's 14 days
        _person(s, 2, NOW - timedelta(days=3))
        s.add(
            Invitation(
                id="i1",
                site_id="s1",
                code="ABC123",
                visitor_name="邀请人",
                phone="139",
                valid_until=NOW - timedelta(days=15),
                updated_at=NOW - timedelta(days=16),
            )
        )
    with sessions() as s, s.begin():
        before = _report(s)
        counts = purge_site(s, s.get(Site, "s1"), NOW)
    assert (counts.visitors, counts.invitations, counts.events, counts.changes) == (1, 1, 1, 1)
    with sessions() as s:
        assert _report(s) == before
        old, recent = s.get(Visitor, "p1"), s.get(Visitor, "p2")
        assert (old.name, old.phone, old.company, old.phone_key) == ("", "", "", "")
        assert recent.name == "访客2" and recent.phone_key == "key2"
        assert s.get(Event, "e1").payload == {} and s.get(Event, "e2").payload != {}
        assert s.get(Invitation, "i1").visitor_name == ""
        assert [c.entity_id for c in s.scalars(select(Change))] == ["p2"]
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.kiosk_id == "head-office:s1"))
        assert entry.action == "privacy.purge" and entry.details["visitors"] == "1"
        values = {
            "seq": entry.seq,
            "id": entry.entry_id,
            "at": iso(NOW),
            "site_id": "s1",
            "kiosk_id": entry.kiosk_id,
            "actor": "system",
            "role": "",
            "action": entry.action,
            "subject_kind": "site",
            "subject_id": "s1",
            "fields": "",
            "reason": entry.reason,
            "details": json.dumps(entry.details, sort_keys=True),
            "prev_hash": entry.prev_hash,
        }
        assert entry.hash == entry_hash(values)
        # nothing of the person left in the file's clear text
        raw = s.connection().exec_driver_sql("SELECT name, phone FROM visitors").all()
        assert all("访客" not in (v or "") for row in raw for v in row)
    with sessions() as s, s.begin():  # a second purge finds nothing more
        assert purge_site(s, s.get(Site, "s1"), NOW).total == 0
