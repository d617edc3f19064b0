"""The kiosk's sync worker against the in-process transport: acknowledgement, atomic apply,
back-off, status."""

from __future__ import annotations

import random
import time

import pytest

from kiosk.core.alerts import open_alerts
from kiosk.core.config.clock import FakeClock, SystemClock
from kiosk.core.config.errors import StorageIOError, TransportError
from kiosk.core.events import BadgePrinted
from kiosk.core.models import Site
from kiosk.core.store.database import Store
from kiosk.core.store.quarantine import quarantined
from kiosk.core.store.records import Records
from sync import apply
from sync.fake import FakeHeadOffice
from sync.protocol import ChangeOut
from sync.worker import SyncClient


@pytest.fixture
def kiosk(tmp_path):
    clock = FakeClock()
    store = Store(tmp_path / "k.sqlite3", clock=clock)
    records = Records(store)
    with store.transaction() as tx:
        records.upsert_site(tx, Site("s1", "一号", "One"))
    transport = FakeHeadOffice()
    client = SyncClient(
        store=store,
        records=records,
        head_office=transport,
        clock=clock,
        site_id="s1",
        kiosk_id="k1",
        batch_size=3,
        pull_page=3,
        rng=random.Random(1),
    )
    yield client, transport, store, clock
    client.close()
    store.close()


def _emit(store: Store, n: int) -> None:
    for i in range(n):
        with store.transaction() as tx:
            tx.emit(
                BadgePrinted(
                    visit_id=f"v{i}", job_id=f"j{i}", copy_number=0, printer="file:x", attempts=1
                )
            )


def test_pushes_in_batches_and_moves_the_position_only_when_answered(kiosk) -> None:
    client, transport, store, _ = kiosk
    _emit(store, 7)
    assert client.status().pending == 7
    result = client.sync_once()
    assert result.pushed == 7 and len(transport.pushed) == 7
    assert [e.hlc for e in transport.pushed] == sorted(e.hlc for e in transport.pushed)
    assert client.status().pending == 0


def test_an_unanswered_event_keeps_the_batch_queued(kiosk) -> None:
    client, transport, store, _ = kiosk
    _emit(store, 2)
    transport.drop_answers = True
    with pytest.raises(TransportError):
        client.sync_once()
    assert store.pending("sync") == 2
    transport.drop_answers = False
    client.sync_once()
    assert store.pending("sync") == 0 and len(transport.pushed) == 2


def test_rejected_events_are_passed_not_retried_forever(kiosk) -> None:
    client, transport, store, _ = kiosk
    _emit(store, 3)
    rejected = store.outbox_after("sync")[1]
    transport.reject = {rejected.uuid}
    assert client.sync_once().rejected == 1
    # kept aside in the transaction that moved the position, with an alert; the next
    # round pushes that alert and nothing else again
    [kept] = quarantined(store, "sync")
    assert (kept.seq, kept.uuid, kept.kind) == (rejected.seq, rejected.uuid, "badge.printed")
    assert "rejected by the fake" in kept.reason
    [alert] = open_alerts(store)
    assert alert.details["event_uuid"] == rejected.uuid
    assert store.pending("sync") == 1
    client.sync_once()
    assert store.pending("sync") == 0
    assert [e.kind for e in transport.pushed][-1] == "alert.raised"
    assert len(transport.pushed) == 3


def test_offline_status_and_back_off(kiosk) -> None:
    client, transport, store, clock = kiosk
    _emit(store, 1)
    transport.fail_with = TransportError("connection refused")
    start = clock.now()
    assert client.run_round() is None
    clock.advance(5)
    assert client.run_round() is None
    status = client.status()
    assert not status.online and status.offline_since == start and status.pending == 1
    assert "refused" in status.last_error
    delays = [client.next_delay()]
    transport.fail_with = None
    client.run_round()
    status = client.status()
    assert status.online and status.offline_since is None and status.pending == 0
    assert status.last_success == clock.now()
    assert client.next_delay() == client.interval
    assert delays[0] <= 2 * client.backoff_base


def test_back_off_grows_with_jitter_and_is_capped(kiosk) -> None:
    client = SyncClient(
        store=kiosk[2],
        records=kiosk[0].records,
        head_office=kiosk[1],
        clock=kiosk[3],
        backoff_base=1.0,
        backoff_cap=60.0,
        rng=random.Random(7),
    )
    for failures in range(1, 20):
        ceiling = min(60.0, 2.0 ** (failures - 1))
        d = client.retry.delay(failures)
        assert ceiling / 2 <= d <= ceiling
    spread = {round(client.retry.delay(5), 3) for _ in range(20)}
    assert len(spread) > 10


def _change(cursor: int, kind: str, payload: dict, entity_id: str = "") -> ChangeOut:
    return ChangeOut(cursor=cursor, kind=kind, entity_id=entity_id, hlc="", payload=payload)


def test_pull_applies_changes_and_the_cursor_together(kiosk) -> None:
    client, transport, store, _ = kiosk
    dep = {
        "id": "d1",
        "site_id": "s1",
        "name_zh": "研发",
        "name_en": "R&D",
        "floor": "3",
        "room": "301",
    }
    host = {"id": "h1", "site_id": "s1", "department_id": "d1", "name_zh": "李", "name_en": "Li"}
    transport.feed = [
        _change(1, "department.upserted", dep, "d1"),
        _change(2, "host.upserted", host, "h1"),
        _change(3, "some.future.kind", {}),
        _change(5, "site.settings", {"idle_timeout": 20}),
    ]
    assert client.sync_once().pulled == 4  # in pages of 3
    assert client.records.host("h1").department_id == "d1"
    assert store.get_value("sync.cursor") == "5"

    def broken(records, tx, change):  # the kiosk's own disk failing, not the change
        raise StorageIOError("disk I/O error")

    # a handler bug (not a malformed change) on a kind the registry knows
    original = apply.HANDLERS["watchlist.deleted"]
    apply.register("watchlist.deleted", broken)
    try:
        transport.feed.append(_change(6, "host.upserted", {**host, "name_en": "Lee"}, "h1"))
        transport.feed.append(_change(7, "watchlist.deleted", {"id": "w1"}, "w1"))
        with pytest.raises(StorageIOError):
            client.sync_once()
        # neither the host change nor the cursor was kept: the page is all or nothing
        assert client.records.host("h1").name_en == "Li"
        assert store.get_value("sync.cursor") == "5"
    finally:
        apply.register("watchlist.deleted", original)


def test_worker_thread_wakes_on_a_commit(tmp_path) -> None:
    store = Store(tmp_path / "k.sqlite3", clock=SystemClock())
    transport = FakeHeadOffice()
    client = SyncClient(
        store=store,
        records=Records(store),
        head_office=transport,
        clock=SystemClock(),
        site_id="s1",
        kiosk_id="k1",
        interval=3600,
    )
    client.start()
    try:
        _emit(store, 1)
        deadline = time.monotonic() + 10
        while not transport.pushed and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(transport.pushed) == 1
    finally:
        client.close()
        store.close()


def test_a_malformed_change_is_skipped_not_blocking_the_feed(kiosk) -> None:
    client, transport, store, _ = kiosk
    transport.feed = [
        _change(1, "host.upserted", {"id": "h9"}, "h9"),  # no site, no department
        _change(2, "site.map", {"floors": 3}),
    ]
    assert client.sync_once().pulled == 2
    assert store.get_value("sync.cursor") == "2"
    assert store.get_value("site.building_map") == '{"floors": 3}'
    assert client.records.host("h9") is None


def _kiosk_of_site(tmp_path, transport):
    clock = FakeClock()
    store = Store(tmp_path / "site.sqlite3", clock=clock)
    records = Records(store)
    with store.transaction() as tx:
        records.upsert_site(tx, Site("s1", "一号", "One"))
    client = SyncClient(
        store=store,
        records=records,
        head_office=transport,
        clock=clock,
        site_id="s1",
        kiosk_id="k1",
    )
    return client, store


def test_rejected_events_show_in_the_status_and_raise_an_alert(tmp_path) -> None:
    from kiosk.core.alerts import open_alerts

    transport = FakeHeadOffice()
    client, store = _kiosk_of_site(tmp_path, transport)
    _emit(store, 3)
    transport.reject = {e.uuid for e in store.outbox_after("sync")[:2]}
    assert client.run_round().rejected == 2
    status = client.status()
    assert status.online and status.rejected == 2 and status.pending == 2  # the alerts
    assert status.last_rejected == "rejected by the fake"
    alerts = open_alerts(store)  # one per event set aside (the sync worker's quarantine)
    assert [a.kind for a in alerts] == ["outbox.quarantined"] * 2
    assert all("rejected by the fake" in a.details["reason"] for a in alerts)
    # the alerts are pushed next round; were they rejected too, no alert about an alert follows
    transport.reject = {e.uuid for e in store.outbox_after("sync")}
    assert client.run_round().rejected == 2
    assert client.status().rejected == 4 and len(open_alerts(store)) == 2
    client.close()
    store.close()


@pytest.mark.parametrize("category", [{"a": 1}, ["x"], 10**30])
def test_a_poison_change_is_quarantined_and_the_feed_flows(tmp_path, category) -> None:
    from kiosk.core.alerts import open_alerts
    from kiosk.core.store import pulled_quarantine as quarantine

    transport = FakeHeadOffice()
    client, store = _kiosk_of_site(tmp_path, transport)
    visit = {"id": "v1", "site_id": "s1", "state": "checked_in"}
    visitor = {"id": "p1", "name": "Wang", "phone": "13800000000", "category": category}
    watch = {"id": "w1", "site_id": "s1", "name": "Mallory", "phone": "13900000000"}
    transport.feed = [
        _change(1, "visit.checked_in", {"visit": visit, "visitor": visitor}, "v1"),
        _change(2, "watchlist.upserted", watch, "w1"),
    ]
    assert client.run_round() is not None
    assert store.get_value("sync.cursor") == "2"
    assert client.records.watchlist_match(site_id="s1", name="", phone="13900000000") == "w1"
    assert client.records.visit("v1") is None and client.records.visitor("p1") is None
    (kept,) = quarantine.rows(store)
    assert (kept["cursor"], kept["kind"]) == (1, "visit.checked_in")
    assert client.status().quarantined == 1
    from sync.apply import BAD_CHANGE_ALERT

    assert [a.kind for a in open_alerts(store)] == [BAD_CHANGE_ALERT]
    client.close()
    store.close()
