"""Head office folds the desk's parcels and check-out ratings (sync/server/desk_work.py) on a
database made by the real migrations: once per parcel, order-free, never across sites."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select

from kiosk.core.events.examples import EXAMPLES
from sync.protocol import EventIn
from sync.server import folding
from sync.server.db import make_engine, make_sessionmaker
from sync.server.desk_work import Parcel, VisitRating
from sync.server.migrate import upgrade
from sync.server.models import Kiosk, Site

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PARCEL = "p0000000000000000000000000000001"


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'ho.db'}")
    upgrade(engine)
    make = make_sessionmaker(engine)
    with make.begin() as s:
        for site in ("s1", "s2"):
            s.add(
                Site(
                    id=site, name_zh=site, name_en=site, settings={}, building_map={}, change_seq=0
                )
            )
    with make.begin() as s:  # the sites first: the kiosks' foreign key needs them
        s.add(Kiosk(id="ka", site_id="s1", name="", created_at=T0))
        s.add(Kiosk(id="kc", site_id="s2", name="", created_at=T0))
    yield make
    engine.dispose()


def _event(kind: str, minute: int, site: str = "s1", **changes) -> EventIn:
    model = EXAMPLES[kind].model_copy(update={"site_id": site, **changes})
    return EventIn(
        uuid=str(uuid.uuid4()),
        kind=kind,
        entity_id=model.entity_id,
        occurred_at=T0 + timedelta(minutes=minute),
        hlc=f"{int((T0 + timedelta(minutes=minute)).timestamp() * 1000):013d}000000-ka",
        payload=model.payload(),
    )


def _push(make, kiosk_id: str, events: list[EventIn]):
    with make.begin() as s:
        return folding.push(s, kiosk=s.get(Kiosk, kiosk_id), events=events)


def _parcels(make) -> list[tuple]:
    with make() as s:
        return [
            (p.id, p.site_id, p.courier, p.host_id, p.collected_by, p.collected_at is not None)
            for p in s.scalars(select(Parcel).order_by(Parcel.id))
        ]


@pytest.mark.parametrize("order", ["tidy", "collected_first"])
def test_a_parcel_and_its_pick_up_fold_to_one_row_in_either_order(sessions, order):
    received = _event("parcel.received", 0, parcel_id=PARCEL)
    collected = _event("parcel.collected", 5, parcel_id=PARCEL)
    batches = [[received], [collected]] if order == "tidy" else [[collected], [received]]
    for batch in batches:
        out = _push(sessions, "ka", batch)
        assert out.rejected == []
    _push(sessions, "ka", [received])  # a re-sent batch changes nothing
    [row] = _parcels(sessions)
    assert row == (PARCEL, "s1", "sf_express", "h001", "st-4f2a9c1e7b3d4a5f", True)


def test_a_kiosk_cannot_write_another_sites_parcel(sessions):
    _push(sessions, "ka", [_event("parcel.received", 0, parcel_id=PARCEL)])
    out = _push(sessions, "kc", [_event("parcel.collected", 1, site="s1", parcel_id=PARCEL)])
    assert len(out.rejected) == 1  # the payload names s1: refused before any fold
    out = _push(sessions, "kc", [_event("parcel.collected", 1, site="s2", parcel_id=PARCEL)])
    assert out.rejected == []
    [row] = _parcels(sessions)
    assert row[-1] is False  # s1's parcel is still waiting


def test_one_rating_per_visit_the_first_stands(sessions):
    _push(sessions, "ka", [_event("visit.rated", 0, score=5)])
    _push(sessions, "ka", [_event("visit.rated", 1, score=1)])
    with sessions() as s:
        assert [(r.score, r.scale) for r in s.scalars(select(VisitRating))] == [(5, "faces")]


def test_the_migration_makes_the_tables_the_models_use(sessions):
    engine = sessions.kw["bind"]
    columns = {t: {c["name"] for c in inspect(engine).get_columns(t)} for t in ("parcels",)}
    assert columns["parcels"] == {c.name for c in Parcel.__table__.columns}
    ratings = {c["name"] for c in inspect(engine).get_columns("visit_ratings")}
    assert ratings == {c.name for c in VisitRating.__table__.columns}
