"""Head office's visitor directory follows the site's retention period (issue 18).

The pull route (the route's own reader, on a real SQLite database migrated by Alembic) hands
out ``visitor.known`` only for the site's ``checkin.retention_days``, and ``kiosk-server
purge`` (``purge_site``) removes the entries past it with the rest of the site's personal data.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from sync.server.api.sites_routes import create_site_record
from sync.server.db import make_engine, make_sessionmaker
from sync.server.migrate import upgrade
from sync.server.models import Change, Kiosk, Site
from sync.server.pull_pages import read_page
from sync.server.retention import purge_site
from sync.server.security import digest

#: days ago each visitor's directory entry was made
AGES = {"v-recent": 10, "v-month": 45, "v-half-year": 170}


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'ho.sqlite3'}")
    upgrade(engine)
    now = datetime.now(UTC)
    with make_sessionmaker(engine)() as session, session.begin():
        create_site_record(session, id="s1", name_zh="一号", name_en="One")
        session.add(Kiosk(id="k1", site_id="s1", token_hash=digest("tok"), created_at=now))
        for seq, (visitor, days) in enumerate(AGES.items(), start=1):
            session.add(
                Change(
                    site_id="s1",
                    seq=seq,
                    kind="visitor.known",
                    entity_id=visitor,
                    hlc="",
                    payload={"masked_name": "访*"},
                    created_at=now - timedelta(days=days),
                )
            )
        session.get(Site, "s1").change_seq = len(AGES)
    yield engine
    engine.dispose()


def _directory(engine) -> list[str]:
    found = read_page(engine, digest("tok"), 0, 100, False)
    assert found is not None
    return [c.entity_id for c in found[0].changes if c.kind == "visitor.known"]


def _set_days(engine, days: int | None) -> None:
    with make_sessionmaker(engine)() as session, session.begin():
        site = session.get(Site, "s1")
        site.settings = {} if days is None else {"checkin": {"retention_days": days}}


def test_the_directory_kiosks_pull_is_the_sites_retention_period(engine) -> None:
    _set_days(engine, None)  # the default period: 30 days
    assert _directory(engine) == ["v-recent"]
    _set_days(engine, 60)
    assert _directory(engine) == ["v-recent", "v-month"]
    _set_days(engine, 365)
    assert _directory(engine) == list(AGES)


def test_the_purge_removes_the_entries_past_the_period(engine) -> None:
    _set_days(engine, 60)
    with make_sessionmaker(engine)() as session, session.begin():
        counts = purge_site(session, session.get(Site, "s1"), datetime.now(UTC))
    assert counts.changes == 1
    with make_sessionmaker(engine)() as session:
        left = session.scalars(select(Change.entity_id).where(Change.kind == "visitor.known"))
        assert sorted(left) == ["v-month", "v-recent"]
    _set_days(engine, 365)  # a longer period later brings nothing back
    assert _directory(engine) == ["v-recent", "v-month"]
