"""The retention purge on the kiosk, on an injected clock and the app's own wiring."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.settings import load_settings
from kiosk.core.privacy.retention import PurgeWorker, retention_days
from kiosk.core.reception import audit
from kiosk.core.visits.checkin import CheckinForm
from kiosk.core.visits.flow import CheckinFlow
from kiosk.services import build_services

DAY = 86400.0


@pytest.fixture
def kiosk(tmp_path):
    clock = FakeClock(datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    settings = load_settings(environ={"KIOSK_KIOSK_DATA_DIR": str(tmp_path)})
    services = build_services(settings, demo=True, clock=clock, start_workers=False)
    yield services, clock
    services.stop()


def _check_in(services, name: str, phone: str, purpose: str = "meeting") -> str:
    form = CheckinForm(name=name, phone=phone, purpose=purpose, host_id="h001", consent=True)
    return services.checkin.check_in(form).visit.id


def _report(store) -> list[tuple]:
    """What an assessment report adds up: visits by day, purpose, department, state."""
    return [
        tuple(r)
        for r in store.query(
            "SELECT substr(checked_in_at, 1, 10), purpose, department_id, state, count(*) "
            "FROM visits GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        )
    ]


def _worker(services, clock) -> PurgeWorker:
    [worker] = [w for w in services.workers if isinstance(w, PurgeWorker)]
    assert worker.clock is clock
    return worker


def test_personal_data_past_the_period_is_anonymised_and_reports_still_add_up(kiosk) -> None:
    services, clock = kiosk
    records = services.records
    old = _check_in(services, "钟离秋水", "13600001111")
    services.checkin.check_out(old)
    _check_in(services, "东方既白", "13600002222", purpose="interview")  # stays checked in
    for _ in range(3):  # the printer and the notifier handle the events (their positions move)
        services.print_queue.run_once()
        services.notifier.run_once()
    clock.advance(31 * DAY)
    recent = _check_in(services, "西门吹雪", "13600003333")
    before = _report(services.store)
    worker = _worker(services, clock)
    worker.run_once()
    counts = worker.last_counts
    assert counts is not None and counts.visitors == 1 and counts.payloads > 0
    assert _report(services.store) == before  # counts, days, purposes, departments kept
    # the one who left a month ago is gone; whoever is still in, or came today, is not
    assert records.visitor_by_phone("13600001111") is None
    assert records.visitor_by_phone("13600002222") is not None
    assert records.visitor_by_phone("13600003333") is not None
    assert records.visit(recent) is not None
    # one audit entry with the counts, no name; the chain still verifies
    [entry] = [e for e in audit.recent(services.store) if e["action"] == "privacy.purge"]
    assert entry["actor"] == "system" and json.loads(entry["details"])["visitors"] == str(
        counts.visitors
    )
    assert "钟离秋水" not in json.dumps(entry, ensure_ascii=False)
    assert audit.verify(services.store).ok
    # the next round within the hour does nothing; a second purge finds nothing more
    worker.run_once()
    assert worker.last_counts == counts
    clock.advance(3600)
    worker.run_once()
    assert worker.last_counts is not None and worker.last_counts.total == 0


def test_the_period_set_at_head_office_holds(kiosk) -> None:
    services, clock = kiosk
    assert retention_days(services.store, 30) == (30, False)
    services.store.set_value("site.settings", json.dumps({"checkin": {"retention_days": 90}}))
    assert retention_days(services.store, 30) == (90, True)
    _check_in(services, "钟离秋水", "13600001111")
    clock.advance(31 * DAY)
    worker = _worker(services, clock)
    worker.run_once()
    assert services.records.visitor_by_phone("13600001111") is not None
    assert worker.last_counts is not None and worker.last_counts.visitors == 0
    assert CheckinFlow(services.checkin).retention_days == 90  # what the notice states
