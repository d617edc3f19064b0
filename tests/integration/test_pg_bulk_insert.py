"""PostgreSQL's bulk path of the push (issue 23): a batch's rows as one ``INSERT … SELECT … FROM
json_populate_recordset(NULL::table, one JSON parameter)`` store exactly what SQLAlchemy's own
insert stores (zoned times, quotes, backslashes, new lines, Chinese text), keep the statement's
``ON CONFLICT`` clause (the visit fold's newer-stamp rule, the event insert's "once per UUID")
and return the UUIDs the database stored. Real PostgreSQL 15, Alembic schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pg_fixture import postgres  # noqa: F401  (fixture)
from sqlalchemy import insert, select

from kiosk.core.privacy.fields import is_sealed
from sync.server import sealing
from sync.server.db import bulk_insert, executemany, make_engine, make_sessionmaker
from sync.server.folding import EVENTS, VISITS, statement
from sync.server.migrate import upgrade
from sync.server.models import Event, Visit
from sync.server.visit_upserts import checked_in_upsert, checked_out_upsert

pytestmark = pytest.mark.integration

SHANGHAI = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _event(uuid: str, payload: dict) -> dict:
    return {
        **{"uuid": uuid, "site_id": "s1", "kiosk_id": "k1", "kind": "visit.checked_in"},
        **{"entity_id": "v1", "occurred_at": datetime(2026, 11, 26, 16, tzinfo=SHANGHAI)},
        **{"hlc": "1764144000000000000-k1", "payload": payload, "received_at": T0},
    }


def _visit(vid: str, hlc: str, state: str = "checked_in", **extra) -> dict:
    return {"id": vid, "site_id": "s1", "state": state, "state_hlc": hlc, **extra}


@pytest.fixture
def sessions(postgres):  # noqa: F811
    engine = make_engine(postgres.new_database())
    upgrade(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def _raw(sessions, table: str) -> list[tuple]:
    with sessions() as s:
        conn = s.connection()
        result = conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1")
        names, fields = list(result.keys()), sealing.fields_of(conn.dialect)
        return [
            tuple(
                ("sealed", fields.open(v, table, n)) if is_sealed(v) else v
                for n, v in zip(names, row, strict=True)
            )
            for row in result
        ]


def test_bulk_rows_are_stored_as_sqlalchemy_stores_them(sessions) -> None:
    events = [_event("e1", {"name": "张伟", "n": [1, 2.5]}), _event("e2", {})]
    at = datetime(2026, 11, 26, 17, tzinfo=SHANGHAI)
    visits = [  # kiosk_id, badge_code, … left out: their column defaults apply
        _visit("v1", "b", checked_in_at=at, auto_checked_out=False, purpose='说 "hi" \\ {x}\n'),
        _visit("v2", "a", checked_in_at=None, auto_checked_out=True, purpose=""),
    ]
    with sessions() as s, s.begin():
        stored = bulk_insert(s, statement(s, "event", _events), events, returning=EVENTS.c.uuid)
        executemany(s, insert(VISITS), visits)
    assert sorted(stored) == ["e1", "e2"]
    ours = {t: _raw(sessions, t) for t in ("events", "visits")}
    with sessions() as s, s.begin():
        s.execute(EVENTS.delete())
        s.execute(VISITS.delete())
        s.execute(insert(EVENTS), events)
        s.execute(insert(VISITS), visits)
    assert ours == {t: _raw(sessions, t) for t in ("events", "visits")}
    with sessions() as s:  # and the ORM reads them back
        e1, v1 = s.get(Event, "e1"), s.get(Visit, "v1")
        assert e1 is not None and e1.payload == {"name": "张伟", "n": [1, 2.5]}
        assert v1 is not None and v1.checked_in_at == datetime(2026, 11, 26, 9, tzinfo=UTC)


def test_on_conflict_keeps_each_statements_rule(sessions) -> None:
    with sessions() as s, s.begin():
        bulk_insert(s, statement(s, "event", _events), [_event("e1", {"a": 1})])
        again = [_event("e1", {"a": 1}), _event("e2", {"b": 2})]
        # a UUID already stored is not stored twice, and not returned
        assert bulk_insert(s, statement(s, "event", _events), again, returning=EVENTS.c.uuid) == [
            "e2"
        ]
        upsert_in = statement(s, "visit.in", checked_in_upsert)
        executemany(
            s,
            upsert_in,
            [_visit("v1", "5", purpose="a"), _visit("v2", "5", purpose="")],
            distinct=True,
        )
        out = statement(s, "visit.out", checked_out_upsert)
        # an older check-out changes nothing, a newer one sets the state
        rows = [_visit("v1", "4", "checked_out"), _visit("v2", "6", "checked_out")]
        executemany(s, out, [{**r, "auto_checked_out": False} for r in rows], distinct=True)
    with sessions() as s:
        states = {r.id: r.state for r in s.execute(select(Visit.id, Visit.state))}
        assert states == {"v1": "checked_in", "v2": "checked_out"}
        assert s.get(Visit, "v1").purpose == "a"


def _events(session):
    from sync.server.folding import _event_insert

    return _event_insert(session)
