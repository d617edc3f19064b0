"""The kiosk's health report: what ``KioskHealth`` reads, and the sync worker sending it after a
good round, at most once a minute, without ever failing the round for it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from kiosk.core.alerts import raise_alert
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import NotFoundError, TransportError
from kiosk.core.head_office.health import KioskHealth, directory_size
from kiosk.core.models import Site
from kiosk.core.printing.fake import FakePrinter
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from kiosk.core.version import installed_version
from sync.fake import FakeHeadOffice
from sync.worker import SyncClient


@pytest.fixture
def kiosk(tmp_path: Path):
    clock = FakeClock()
    store = Store(tmp_path / "k.sqlite3", clock=clock)
    records = Records(store)
    with store.transaction() as tx:
        records.upsert_site(tx, Site("s1", "一号", "One"))
    printer = FakePrinter()
    health = KioskHealth(store=store, clock=clock, data_dir=tmp_path, printer=lambda: printer)
    head = FakeHeadOffice()
    client = SyncClient(
        store=store,
        records=records,
        head_office=head,
        clock=clock,
        site_id="s1",
        kiosk_id="k1",
        rng=random.Random(1),
        health=health,
    )
    yield client, head, store, clock, printer
    client.close()
    store.close()


def _alert(store: Store) -> None:
    with store.transaction() as tx:
        raise_alert(
            tx,
            "disk_low",
            severity="warning",
            message_key="alert.disk_low",
            details={"free_mb": "100", "total_mb": "1000", "path": "/"},
            site_id="s1",
            kiosk_id="k1",
        )


def test_a_good_round_sends_the_report_once_a_minute(kiosk) -> None:
    client, head, store, clock, _ = kiosk
    _alert(store)
    clock.advance(5)
    assert client.run_round() is not None
    [report] = head.health
    assert report.version == installed_version()[:40] and report.uptime_s == 5
    assert report.printer == "idle" and report.printer_problem == ""
    assert report.open_alerts == 1 and report.backlog == 0  # the alert's event was pushed
    assert report.disk_free_mb > 0 and report.sent_at == clock.now()

    clock.advance(30)
    client.run_round()
    assert len(head.health) == 1  # not yet due
    clock.advance(31)
    client.run_round()
    assert [r.uptime_s for r in head.health] == [5, 66]


def test_a_printer_that_is_not_ready_is_reported_with_its_reason(kiosk) -> None:
    client, head, _, _, printer = kiosk
    printer.ready = False
    client.run_round()
    assert (head.health[0].printer, head.health[0].printer_problem) == (
        "offline",
        "badge.printer.offline",
    )


def test_no_report_without_a_good_round_and_a_failed_report_never_fails_one(kiosk) -> None:
    client, head, _, _, _ = kiosk
    head.fail_with = TransportError("connection refused")
    assert client.run_round() is None
    head.fail_with = None
    assert head.health == []

    def down(body: bytes) -> None:
        raise TransportError("head office answered 503")

    head.report_health = down  # type: ignore[method-assign]
    assert client.run_round() is not None and client.status().online


def test_a_head_office_too_old_for_reports_is_not_asked_again(kiosk) -> None:
    client, head, _, clock, _ = kiosk
    calls: list[bytes] = []

    def older(body: bytes) -> None:
        calls.append(body)
        raise NotFoundError("head office has no such thing (404): Not Found")

    head.report_health = older  # type: ignore[method-assign]
    assert client.run_round() is not None
    clock.advance(120)
    assert client.run_round() is not None and client.status().online
    assert len(calls) == 1


def test_the_data_directory_size_counts_files_below_it(tmp_path: Path) -> None:
    (tmp_path / "badges").mkdir()
    (tmp_path / "badges" / "a.png").write_bytes(b"x" * 3000)
    (tmp_path / "b.db").write_bytes(b"y" * 1000)
    assert directory_size(tmp_path) == 4000
    assert directory_size(tmp_path / "missing") == 0


def test_the_last_badge_error_is_reported_until_a_badge_prints(kiosk) -> None:
    from kiosk.core.store import print_jobs

    client, _, store, clock, _ = kiosk
    with store.transaction() as tx:
        print_jobs.add(tx, visit_id="v1", copy=0, language="en", event_uuid="e1", now=clock.now())
    [job] = print_jobs.recent(store)
    with store.transaction() as tx:
        print_jobs.mark_failed(
            tx, job["id"], key="", detail="lp: paper jam\nat tray 1", retry_at=None, now=clock.now()
        )
    assert client.health is not None
    assert client.health.collect()["last_print_error"] == "lp: paper jam at tray 1"
    clock.advance(1)
    with store.transaction() as tx:
        print_jobs.mark_printed(tx, job["id"], clock.now())
    assert "last_print_error" not in client.health.collect()


def test_head_office_shows_how_long_a_kiosk_is_quiet_and_its_clock_offset() -> None:
    from datetime import UTC, datetime, timedelta

    from sync.protocol import KioskHealthIn
    from sync.server.kiosk_health import view
    from sync.server.models import Kiosk

    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    seen = now - timedelta(minutes=47, seconds=30)
    report = KioskHealthIn(sent_at=seen + timedelta(minutes=5), printer="out_of_media")
    kiosk = Kiosk(
        id="k1",
        site_id="s1",
        enrolled_at=now - timedelta(days=1),
        last_seen_at=seen,
        health=report.model_dump(mode="json"),
        health_at=seen,
    )
    line = view(kiosk, now=now, quiet_after=timedelta(minutes=30))
    assert (line.quiet_minutes, line.clock_skew_s) == (47, 300)
    assert line.printer_key == "dashboard.printer.out_of_media"
    assert view(kiosk, now=now, quiet_after=timedelta(hours=1)).quiet_minutes is None

    newer = Kiosk(id="k2", site_id="s1", health={"printer": "on_fire"}, health_at=seen)
    line = view(newer, now=now, quiet_after=timedelta(minutes=30))
    assert line.quiet_minutes is None  # never enrolled: waiting, not quiet
    assert line.report is not None and line.printer_key == ""  # shown as sent


def test_a_report_that_cannot_be_made_is_logged_and_the_round_still_counts(kiosk, caplog) -> None:
    client, head, _, _, printer = kiosk

    def broken() -> None:
        raise RuntimeError("driver crashed")

    printer.status = broken  # type: ignore[method-assign]
    assert client.run_round() is not None and client.status().online
    assert client.failures == 0 and head.health == []
    assert "health report could not be made" in caplog.text
