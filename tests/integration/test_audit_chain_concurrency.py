"""Two writers appending to one site's head-office audit chain at once (two dashboard users, or
a department's link and the dashboard) must both land, numbered one after the other, and the
chain must still verify: on PostgreSQL a second transaction used to read the same last entry
as the first and collide on the chain's next number."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pg_fixture import postgres  # noqa: F401  (fixture)
from sqlalchemy import select

from sync.server.audit_log import record_entry, verify_chains
from sync.server.db import make_engine, make_sessionmaker
from sync.server.migrate import migrate
from sync.server.models import Site
from sync.server.reception import AuditEntry

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request, tmp_path: Path) -> Iterator:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ho.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    engine = make_engine(url)
    migrate(engine)
    make = make_sessionmaker(engine)
    with make() as session, session.begin():
        session.add(Site(id="s1", name_zh="一号楼", name_en="Tower 1", timezone="UTC"))
    try:
        yield make
    finally:
        engine.dispose()


def test_two_writers_at_once_both_land_in_order(sessions) -> None:
    first_written = threading.Event()
    errors: list[BaseException] = []

    def slow_writer() -> None:
        try:
            with sessions() as session, session.begin():
                record_entry(session, site_id="s1", now=NOW, action="ticket.assigned")
                first_written.set()
                # the second writer starts while this transaction is still open
                threading.Event().wait(0.5)
        except BaseException as e:  # reported below
            errors.append(e)
            first_written.set()

    def second_writer() -> None:
        try:
            with sessions() as session, session.begin():
                record_entry(session, site_id="s1", now=NOW, action="ticket.resolved")
        except BaseException as e:
            errors.append(e)

    one = threading.Thread(target=slow_writer)
    one.start()
    assert first_written.wait(10)
    two = threading.Thread(target=second_writer)
    two.start()
    one.join(10)
    two.join(10)
    assert not errors, errors
    with sessions() as session:
        result = verify_chains(session, "s1")
        rows = session.execute(
            select(AuditEntry.seq, AuditEntry.action).order_by(AuditEntry.seq)
        ).all()
    assert [tuple(r) for r in rows] == [(1, "ticket.assigned"), (2, "ticket.resolved")]
    assert result["head-office:s1"].ok and result["head-office:s1"].entries == 2, result
