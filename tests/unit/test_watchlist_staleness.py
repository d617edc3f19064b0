"""Staleness is visible (issue 14, item 5): the last successful pull is stored, the top bar
says "watchlist as of …" past the limit, one alert per stale period, and past the hold limit
new check-ins are held for the desk."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk.core.alerts import open_alerts
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import TransportError
from kiosk.core.config.settings import HeadOfficeSettings, load_settings
from kiosk.core.directory.demo import demo_directory, import_directory
from kiosk.core.head_office import staleness
from kiosk.core.models import VisitState
from kiosk.core.store import reception as reception_table
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from kiosk.core.visits.checkin import CheckinForm, CheckinService
from sync.fake import FakeHeadOffice
from sync.worker import SyncClient

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.fixture
def kiosk(tmp_path):
    clock = FakeClock(START)
    store = Store(tmp_path / "k.sqlite3", clock=clock)
    records = Records(store)
    import_directory(records, demo_directory())
    transport = FakeHeadOffice()
    client = SyncClient(
        store=store,
        records=records,
        head_office=transport,
        clock=clock,
        site_id="demo",
        kiosk_id="k1",
        rng=random.Random(1),
        freshness=HeadOfficeSettings(stale_after_minutes=15, hold_after_minutes=60),
        timezone="Asia/Shanghai",
    )
    yield client, transport, store, clock, tmp_path
    client.close()
    store.close()


def _stale_alerts(store: Store) -> list:
    return [a for a in open_alerts(store) if a.kind == staleness.ALERT_KIND]


def test_the_line_appears_past_the_limit_in_both_languages() -> None:
    limit = HeadOfficeSettings(stale_after_minutes=15)
    last = START
    fresh = staleness.watchlist_line(
        last, START.replace(minute=14), limit, lang="en", zone=SHANGHAI
    )
    assert fresh == ""
    later = START.replace(minute=16)
    assert staleness.watchlist_line(last, later, limit, lang="en", zone=SHANGHAI) == (
        "⚠ Watchlist as of 09:00"
    )
    assert staleness.watchlist_line(last, later, limit, lang="zh_CN", zone=SHANGHAI) == (
        "⚠ 关注名单更新于 09:00"
    )
    next_day = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    line = staleness.watchlist_line(last, next_day, limit, lang="en", zone=SHANGHAI)
    assert line == "⚠ Watchlist as of 11-26 09:00"
    # never pulled (stand-alone): no line; a limit of 0 turns it off
    assert staleness.watchlist_line(None, next_day, limit, lang="en", zone=SHANGHAI) == ""
    off = HeadOfficeSettings(stale_after_minutes=0)
    assert staleness.watchlist_line(last, next_day, off, lang="en", zone=SHANGHAI) == ""


def test_the_limits_are_settings_with_documented_defaults() -> None:
    defaults = load_settings(environ={}).head_office
    assert defaults.stale_after_minutes == 15.0 and defaults.hold_after_minutes == 0.0
    changed = load_settings(
        environ={
            "KIOSK_HEAD_OFFICE_STALE_AFTER_MINUTES": "5",
            "KIOSK_HEAD_OFFICE_HOLD_AFTER_MINUTES": "120",
        }
    ).head_office
    assert changed.stale_after_minutes == 5.0 and changed.hold_after_minutes == 120.0


def test_the_last_pull_is_stored_and_survives_a_restart(kiosk) -> None:
    client, _, store, clock, tmp_path = kiosk
    assert client.status().last_pull is None
    assert client.run_round() is not None
    assert client.status().last_pull == START
    store.close()
    reopened = Store(tmp_path / "k.sqlite3", clock=clock)
    try:
        assert staleness.last_pull(reopened) == START
    finally:
        reopened.close()


def test_one_alert_per_stale_period(kiosk) -> None:
    client, transport, store, clock, _ = kiosk
    client.run_round()
    transport.fail_with = TransportError("down")
    clock.advance(10 * 60)
    client.run_round()
    assert _stale_alerts(store) == []  # 10 minutes: not stale yet
    clock.advance(6 * 60)
    client.run_round()
    client.run_round()
    (alert,) = _stale_alerts(store)
    assert alert.message_key == "alert.watchlist_stale"
    assert alert.details["last_pull_at"] == "11-26 09:00"  # the site's wall clock
    # head office back: a new period starts; stale again, one more alert
    transport.fail_with = None
    client.run_round()
    transport.fail_with = TransportError("down again")
    clock.advance(20 * 60)
    client.run_round()
    client.run_round()
    assert len(_stale_alerts(store)) == 2


def test_past_the_hold_limit_a_check_in_is_held_for_the_desk(kiosk) -> None:
    client, transport, store, clock, _ = kiosk
    settings = load_settings(environ={}).replace(
        "head_office", stale_after_minutes=15, hold_after_minutes=60
    )
    checkin = CheckinService(records=client.records, settings=settings, clock=clock)
    form = CheckinForm(
        name="张伟", phone="13812345678", purpose="meeting", host_id="h001", consent=True
    )
    client.run_round()
    clock.advance(30 * 60)
    assert not checkin.check_in(form).denied  # stale, not yet past the hold limit
    transport.fail_with = TransportError("down")
    clock.advance(31 * 60)
    result = checkin.check_in(form)
    assert result.denied and not result.visit.badge_code
    visit = client.records.visit(result.visit.id)
    assert visit.state is VisitState.DENIED
    assert result.visit.id in reception_table.held_visit_ids(store, "demo")
    (event,) = [e for e in store.outbox_after("t") if e.entity_id == result.visit.id]
    assert event.kind == "visit.denied"
    assert event.payload["held_for"] == "stale_watchlist"
    assert event.payload["watchlist_id"] is None
    assert [a.kind for a in open_alerts(store) if a.visit_id == result.visit.id] == [
        staleness.HELD_ALERT_KIND
    ]
    # head office reached again: check-ins go through
    transport.fail_with = None
    client.run_round()
    assert not checkin.check_in(form).denied
