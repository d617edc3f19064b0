"""Every alert kind issue 15 names reaches the console's one list (``open_alerts``): print
failures (no labels, printer offline, fallback used), head office unreachable for long, events
refused by head office, disk low. (Watchlist matches and failed-PIN lockouts:
test_checkin.py, test_reception_staff.py and test_alert_routes.py.)"""

from __future__ import annotations

from pathlib import Path

from kiosk.core.alerts import open_alerts
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import PrinterError, TransportError
from kiosk.core.disk_space import check_disk
from kiosk.core.printing.base import OFFLINE, OUT_OF_MEDIA
from kiosk.core.printing.fake import FakePrinter
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from sync.fake import FakeHeadOffice
from sync.worker import SyncClient
from tests.unit.test_print_queue import Kiosk


def _kinds(store: Store) -> list[tuple[str, str]]:
    return sorted((a.kind, a.message_key) for a in open_alerts(store))


def test_a_badge_out_of_labels_raises_one_alert_for_its_visit_however_often_retried(
    tmp_path: Path,
):
    kiosk = Kiosk(tmp_path / "k.sqlite3", FakePrinter(error=PrinterError("no", key=OUT_OF_MEDIA)))
    visit = kiosk.check_in()
    for _ in range(5):
        kiosk.drain()
        kiosk.clock.advance(300)
    assert kiosk.printer.calls > 2
    [alert] = open_alerts(kiosk.store)
    assert (alert.kind, alert.message_key, alert.visit_id) == (
        "print_failed",
        "alert.print.out_of_media",
        visit.id,
    )
    # another visitor's badge is its own alert
    kiosk.check_in(name="李四", phone="13912340001")
    kiosk.drain()
    assert [a.kind for a in open_alerts(kiosk.store)] == ["print_failed", "print_failed"]


def test_a_reprint_while_the_printer_is_offline_alerts_and_prints_once_when_back(tmp_path: Path):
    kiosk = Kiosk(tmp_path / "k.sqlite3", FakePrinter())
    visit = kiosk.check_in()
    kiosk.drain()
    kiosk.printer.error = PrinterError("offline", key=OFFLINE)
    kiosk.queue.reprint(visit.id)
    kiosk.queue.reprint(visit.id)
    kiosk.drain()
    assert _kinds(kiosk.store) == [("print_failed", "alert.print.offline")]
    kiosk.printer.error = None
    kiosk.clock.advance(300)
    kiosk.drain()
    assert len(kiosk.printer.printed) == 2  # the first badge and one reprint, no duplicate


def test_the_fallback_printer_taking_a_badge_raises_one_alert(tmp_path: Path):
    stopped = PrinterError("stopped", key="badge.printer.stopped")
    fallback = FakePrinter(name="fallback")
    kiosk = Kiosk(tmp_path / "k.sqlite3", FakePrinter(error=stopped), fallback=fallback)
    kiosk.check_in()
    kiosk.check_in(name="李四", phone="13912340001")
    kiosk.drain()
    assert len(fallback.printed) == 2
    [alert] = open_alerts(kiosk.store)
    assert (alert.kind, alert.details["fallback"]) == ("print_fallback", "fallback")


def _sync(tmp_path: Path, clock: FakeClock, head: FakeHeadOffice) -> tuple[Store, SyncClient]:
    store = Store(tmp_path / "s.sqlite3", clock=clock)
    client = SyncClient(
        store=store,
        records=Records(store),
        head_office=head,
        clock=clock,
        site_id="demo",
        kiosk_id="kiosk-1",
        offline_alert_after=1800,
    )
    return store, client


def test_head_office_unreachable_for_long_raises_one_alert_per_outage(tmp_path: Path):
    clock, head = FakeClock(), FakeHeadOffice()
    store, client = _sync(tmp_path, clock, head)
    head.fail_with = TransportError("connection refused")
    client.run_round()
    clock.advance(1700)
    client.run_round()
    assert open_alerts(store) == []  # not yet "long"
    clock.advance(200)
    client.run_round()
    clock.advance(600)
    client.run_round()
    [alert] = open_alerts(store)
    assert (alert.kind, alert.details["minutes"]) == ("head_office_unreachable", "31")
    head.fail_with = None
    client.run_round()
    assert client.status().online
    store.close()


def test_events_refused_by_head_office_raise_an_alert(tmp_path: Path):
    clock, head = FakeClock(), FakeHeadOffice()
    kiosk = Kiosk(tmp_path / "k.sqlite3", FakePrinter(), clock=clock)
    visit = kiosk.check_in()
    [event] = [e for e in kiosk.store.outbox_after("x", limit=10) if e.entity_id == visit.id]
    head.reject = {event.uuid}
    client = SyncClient(
        store=kiosk.store,
        records=kiosk.records,
        head_office=head,
        clock=clock,
        site_id="demo",
        kiosk_id="kiosk-1",
    )
    client.run_round()
    # each refused event is set aside with an alert of its own (kiosk/core/workers/outbox.py)
    [alert] = open_alerts(kiosk.store)
    assert alert.kind == "outbox.quarantined"
    assert (alert.details["kind"], alert.details["event_uuid"]) == ("visit.checked_in", event.uuid)
    assert "head office rejected it" in alert.details["reason"]


def test_disk_low_raises_an_alert(tmp_path: Path):
    store = Store(tmp_path / "d.sqlite3", clock=FakeClock())
    alert = check_disk(store, path=tmp_path, site_id="demo", kiosk_id="kiosk-1", min_free=1 << 62)
    assert alert is not None
    assert _kinds(store) == [("disk_low", "alert.disk_low")]
    store.close()
