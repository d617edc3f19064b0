"""The push's SQLite ``executemany`` stores values exactly as SQLAlchemy's own insert does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert

from kiosk.core.privacy.fields import is_sealed
from sync.server import db, sealing
from sync.server.db import executemany, make_engine, make_sessionmaker
from sync.server.migrate import upgrade
from sync.server.models import Event, Visit

EVENTS = Event.__table__
VISITS = Visit.__table__
INSERT_EVENTS = insert(EVENTS)
INSERT_VISITS = insert(VISITS)

SHANGHAI = timezone(timedelta(hours=8))


def _event(uuid: str, occurred_at: datetime, payload: dict) -> dict:
    return {
        "uuid": uuid,
        "site_id": "s1",
        "kiosk_id": "k1",
        "kind": "visit.checked_in",
        "entity_id": "v1",
        "occurred_at": occurred_at,
        "hlc": "0001764144000000000000-k1",
        "payload": payload,
        "received_at": datetime(2026, 11, 26, 8, 0, 0, 5, tzinfo=UTC),
    }


def _visit(vid: str, checked_in_at: datetime | None, auto: bool) -> dict:
    # kiosk_id, purpose, badge_code, ... are left out: their column defaults apply
    return {
        "id": vid,
        "site_id": "s1",
        "visitor_id": None,
        "state": "checked_in",
        "created_at": datetime(2026, 11, 26, 9, 30),  # naive: taken as UTC
        "checked_in_at": checked_in_at,
        "auto_checked_out": auto,
    }


EVENT_ROWS = [
    _event("e1", datetime(2026, 11, 26, 16, 0, tzinfo=SHANGHAI), {"name": "张伟", "n": [1, 2.5]}),
    _event("e2", datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), {}),
    _event("e3", datetime(2026, 11, 26, 8, 0, 0, 123456), {"nested": {"ok": True, "x": None}}),
]
VISIT_ROWS = [
    _visit("v1", datetime(2026, 11, 26, 17, 1, 2, 3, tzinfo=SHANGHAI), True),
    _visit("v2", None, False),
]


@pytest.fixture
def sessions(tmp_path):
    engines = []

    def make(name: str):
        engine = make_engine(f"sqlite:///{tmp_path / name}")
        upgrade(engine)
        engines.append(engine)
        return make_sessionmaker(engine)

    yield make
    for engine in engines:
        engine.dispose()


def _raw(sessions, table: str) -> list[tuple]:
    """The stored rows, sealed values opened (each seal has its own nonce)."""
    with sessions() as s:
        conn = s.connection()
        result = conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1")
        names = list(result.keys())
        fields = sealing.fields_of(conn.dialect)
        return [
            tuple(
                ("sealed", fields.open(v, table, n)) if is_sealed(v) else v
                for n, v in zip(names, row, strict=True)
            )
            for row in result
        ]


def test_stored_text_matches_sqlalchemy_insert(sessions):
    ours, theirs = sessions("ours.sqlite3"), sessions("theirs.sqlite3")
    for _ in range(2):  # the second round runs on the cached plan
        with ours() as s, s.begin():
            executemany(s, INSERT_EVENTS, [dict(r) for r in EVENT_ROWS])
            executemany(s, INSERT_VISITS, [dict(r) for r in VISIT_ROWS])
        with theirs() as s, s.begin():
            s.execute(INSERT_EVENTS, [dict(r) for r in EVENT_ROWS])
            s.execute(INSERT_VISITS, [dict(r) for r in VISIT_ROWS])
        for table in ("events", "visits"):
            assert _raw(ours, table) == _raw(theirs, table)
        with ours() as s, s.begin():
            s.execute(EVENTS.delete())
            s.execute(VISITS.delete())
        with theirs() as s, s.begin():
            s.execute(EVENTS.delete())
            s.execute(VISITS.delete())


def test_read_back_through_the_orm(sessions):
    ours = sessions("ours.sqlite3")
    with ours() as s, s.begin():
        executemany(s, INSERT_EVENTS, EVENT_ROWS)
        executemany(s, INSERT_VISITS, VISIT_ROWS)
    with ours() as s:
        e1 = s.get(Event, "e1")
        v1, v2 = s.get(Visit, "v1"), s.get(Visit, "v2")
    assert e1 is not None and v1 is not None and v2 is not None
    assert e1.occurred_at == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert e1.payload == {"name": "张伟", "n": [1, 2.5]}
    assert v1.checked_in_at == datetime(2026, 11, 26, 9, 1, 2, 3, tzinfo=UTC)
    assert v1.auto_checked_out is True and v2.auto_checked_out is False
    assert v2.checked_in_at is None and v2.kiosk_id == "" and v2.state_hlc == ""


def test_plans_are_kept_per_statement_and_keys(sessions):
    ours = sessions("ours.sqlite3")
    db._PLANS.clear()
    with ours() as s, s.begin():
        executemany(s, INSERT_VISITS, VISIT_ROWS)
        executemany(s, INSERT_VISITS, [{"id": "v3", "site_id": "s1", "state": "denied"}])
        executemany(s, INSERT_VISITS, [{"id": "v4", "site_id": "s1", "state": "denied"}])
    assert len(db._PLANS) == 2
    with ours() as s:
        v4 = s.get(Visit, "v4")
    assert v4 is not None and v4.created_at is None and v4.auto_checked_out is False
