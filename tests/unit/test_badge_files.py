"""The file printer's badges are deleted after ``[printer] file_keep_hours`` by the end-of-day
worker, and the data directory's size is logged once a day (the app's own wiring, a FakeClock)."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.settings import load_settings
from kiosk.core.visits.checkin import CheckinForm
from kiosk.core.visits.end_of_day import EndOfDayWorker
from kiosk.services import build_services


@pytest.fixture
def services(tmp_path):
    clock = FakeClock(datetime(2026, 11, 26, 1, 0, tzinfo=UTC))  # 09:00 in Shanghai
    settings = load_settings(environ={}).replace("kiosk", data_dir=str(tmp_path / "data"))
    settings = settings.replace("printer", file_keep_hours=6.0)
    services = build_services(settings, demo=True, clock=clock, start_workers=False)
    yield services
    services.stop()


def _check_in_and_print(services, phone):
    badges = services.settings.data_dir / "badges"
    before = set(badges.iterdir()) if badges.exists() else set()
    services.checkin.check_in(
        CheckinForm(name="张伟", phone=phone, purpose="meeting", host_id="h001", consent=True)
    )
    while services.print_queue.run_once():
        pass
    stamp = services.clock.now().timestamp()
    for path in set(badges.iterdir()) - before:  # written now, on the kiosk's clock
        os.utime(path, (stamp, stamp))
    return badges


def _end_of_day(services) -> EndOfDayWorker:
    (worker,) = [w for w in services.workers if isinstance(w, EndOfDayWorker)]
    return worker


def test_badge_files_go_after_the_configured_hours_and_only_they(services):
    worker = _end_of_day(services)
    badges = _check_in_and_print(services, "13912340001")
    first = sorted(p.name for p in badges.iterdir())
    assert [n.rsplit(".", 1)[1] for n in first] == ["pdf", "png"]
    (badges / "notes.txt").write_text("not a badge")
    services.clock.advance(5 * 3600)
    worker.run_once()
    assert sorted(p.name for p in badges.iterdir()) == [*first, "notes.txt"]  # 5 h < 6 h
    services.clock.advance(30 * 60)
    # a second visitor, 5.5 h after the first
    _check_in_and_print(services, "13912340002")
    assert len(list(badges.iterdir())) == 5
    services.clock.advance(31 * 60)  # the first badge is 6 h 1 min old, the second 31 min
    worker.run_once()
    left = sorted(p.name for p in badges.iterdir())
    assert "notes.txt" in left and not set(first) & set(left)
    assert len(left) == 3


def test_the_data_directory_size_is_logged_once_a_day(services, caplog):
    worker = _end_of_day(services)
    caplog.set_level(logging.INFO, logger="kiosk.core.visits.end_of_day")

    def size_lines():
        return [r.getMessage() for r in caplog.records if "data directory" in r.getMessage()]

    worker.run_once()
    worker.run_once()
    assert len(size_lines()) == 1
    assert worker.data_dir_bytes is not None and worker.data_dir_bytes > 0
    database = services.settings.data_dir / "kiosk.sqlite3"
    assert worker.data_dir_bytes >= database.stat().st_size
    services.clock.advance(3600)
    worker.run_once()
    assert len(size_lines()) == 1
    services.clock.advance(24 * 3600)
    worker.run_once()
    assert len(size_lines()) == 2
