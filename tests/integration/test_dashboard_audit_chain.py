"""Head office's own audit chain under concurrent appends, on SQLite and a real PostgreSQL 15:
every entry gets its own ``seq`` and the chain verifies (``dashboard/audit.py``)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from pg_fixture import postgres  # noqa: F401  (fixture)

from sync.server.dashboard import audit
from sync.server.reception import AuditEntry
from tests.support.harness import HeadOffice

pytestmark = pytest.mark.integration

THREADS = 4
EACH = 15


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_appends_make_one_intact_chain(request, tmp_path, backend: str) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'ho.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    ho = HeadOffice(url)
    failures: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            for i in range(EACH):
                with ho.sessions() as s, s.begin():
                    audit.record(
                        s,
                        actor=f"hq-{worker}",
                        role="admin",
                        action="dashboard.viewed",
                        now=datetime.now(UTC),
                        subject_kind="page",
                        subject_id=f"p{i}",
                        details={"rows": str(i)},
                    )
        except BaseException as e:  # reported below, in the test's thread
            failures.append(e)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert failures == []
        with ho.sessions() as s:
            checked = audit.verify(s)
        assert checked.ok and checked.entries == THREADS * EACH
        # an edited entry breaks the chain from there
        with ho.sessions() as s, s.begin():
            row = s.get(AuditEntry, (audit.CHAIN, 7))
            assert row is not None
            row.actor = "hq-someone-else"
        with ho.sessions() as s:
            broken = audit.verify(s)
        assert not broken.ok and broken.problems[0].seq == 7
    finally:
        ho.close()
