"""Compaction of the pull feed (``sync/server/compaction.py``) on a real ``kiosk-server``, with
real kiosks and their sync workers, on SQLite and on PostgreSQL 15.

A year of directory history is written; a kiosk that read half of it goes quiet; the feed is
compacted. A kiosk enrolled afterwards reads the snapshot and the tail (a fraction of the
history) and ends with exactly head office's directory, watchlist and invitations; the quiet
kiosk, whose cursor is now below the horizon, is told to resync and ends with the same, the
rows whose deletions were compacted away removed; a kiosk that had read everything before the
compaction carries on from its cursor untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pg_fixture import postgres  # noqa: F401  (fixture)

from sync.server.compaction import compact_site
from sync.worker import CURSOR_KEY
from tests.support.feed_history import History
from tests.support.harness import HeadOffice, KioskHarness, ServerProcess, enrolled_kiosk

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SITE = "cmp"


@pytest.fixture(params=["sqlite", "postgresql"])
def head_office(request, tmp_path: Path) -> Iterator[tuple[HeadOffice, ServerProcess]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'head-office.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    ho = HeadOffice(url)
    ho.add_site(SITE)
    server = ServerProcess(url, log_path=tmp_path / "server.log").start()
    yield ho, server
    server.stop()
    ho.close()


def _state(k: KioskHarness) -> dict[str, object]:
    watch = k.store.query("SELECT id FROM watchlist")
    invitations = k.store.query("SELECT id, state, host_id FROM invitations")
    return {
        "departments": {d.id: d.name_zh for d in k.records.departments(SITE)},
        "hosts": {h.id: (h.department_id, h.name_zh, h.delegate_id) for h in k.records.hosts(SITE)},
        "watchlist": {r["id"] for r in watch},
        "invitations": {(r["id"], r["state"], r["host_id"]) for r in invitations},
    }


def _drain(k: KioskHarness) -> int:
    pulled = 0
    while (result := k.client.sync_once()).pulled:
        pulled += result.pulled
    return pulled


def test_a_new_kiosk_reads_the_snapshot_and_a_far_behind_one_resyncs(
    head_office, tmp_path: Path
) -> None:
    ho, server = head_office
    history = History(SITE)
    history.write(ho.sessions, 400, live_target=60)
    # small pages: the snapshot is read over many of them
    behind = enrolled_kiosk(server.url, ho.add_kiosk(SITE), tmp_path / "behind", pull_page=40)
    current = enrolled_kiosk(server.url, ho.add_kiosk(SITE), tmp_path / "current")
    try:
        _drain(behind)  # then quiet while the directory moves on
        history.write(ho.sessions, 1100, live_target=60)
        _drain(current)
        truth_before = _state(current)
        assert set(truth_before["hosts"]) == set(history.hosts)  # type: ignore[arg-type]
        history.age(ho.sessions, days=365)
        history.write(ho.sessions, 30, live_target=60)  # this month's: not compacted

        with ho.sessions() as s, s.begin():
            done = compact_site(s, SITE, datetime.now(UTC))
        assert done.horizon == 1500 and done.removed > 1000 and done.moved > 0
        assert int(behind.store.get_value(CURSOR_KEY, "0") or 0) < done.horizon

        new = enrolled_kiosk(server.url, ho.add_kiosk(SITE), tmp_path / "new", pull_page=40)
        try:
            read = _drain(new)
            assert read <= done.kept + 30 < history.written / 3
            _drain(behind)
            _drain(current)
            history.write(ho.sessions, 20, live_target=60)  # and the feed flows on for all
            for k in (new, behind, current):
                _drain(k)
            truth = _state(current)
            assert set(truth["hosts"]) == set(history.hosts)  # type: ignore[arg-type]
            assert set(truth["departments"]) == set(history.departments.items)  # type: ignore[arg-type]
            assert truth["watchlist"] == set(history.watchlist.items)
            assert _state(new) == truth
            assert _state(behind) == truth
            # a cursor at or past the horizon is never sent back to the start
            assert int(current.store.get_value(CURSOR_KEY, "0") or 0) > done.horizon
        finally:
            new.close()
    finally:
        behind.close()
        current.close()
