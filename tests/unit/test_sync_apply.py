"""Pulled changes parse through the event registry; one that does not is skipped and recorded
as an alert (never raised into the pull loop), and head office's acknowledgements apply."""

from __future__ import annotations

import random

import pytest

from kiosk.core import alerts
from kiosk.core.config.clock import FakeClock
from kiosk.core.events import AlertAcknowledged
from kiosk.core.models import Site
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from sync.apply import BAD_CHANGE_ALERT
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
        rng=random.Random(1),
    )
    yield client, transport, store
    client.close()
    store.close()


def _change(cursor: int, kind: str, payload: dict, entity_id: str = "") -> ChangeOut:
    return ChangeOut(cursor=cursor, kind=kind, entity_id=entity_id, hlc="", payload=payload)


DEP = {"id": "d1", "site_id": "s1", "name_zh": "研发", "name_en": "R&D"}


@pytest.mark.parametrize(
    "kind, payload",
    [
        ("department.upserted", {**DEP, "name_zh": 7}),  # wrong type
        ("host.upserted", {"id": "h1", "site_id": "s1"}),  # no department
        ("watchlist.upserted", {"id": "w1", "site_id": "s1", "surprise": 1}),  # unknown field
        ("site.key_rotated", {"purpose": "reply-link", "version": 0}),
        ("building.updated", {"site_id": "s1", "version": 1, "sha256": "0" * 64, "building": {}}),
    ],
)
def test_a_change_that_fails_is_skipped_and_raises_an_alert(kiosk, kind, payload) -> None:
    client, transport, store = kiosk
    transport.feed = [_change(1, kind, payload), _change(2, "department.upserted", DEP, "d1")]
    result = client.sync_once()  # nothing raised into the loop
    assert result.pulled == 2 and store.get_value("sync.cursor") == "2"
    assert client.records.departments("s1")[0].name_zh == "研发"  # the rest of the page applied
    [alert] = alerts.open_alerts(store)
    assert alert.kind == BAD_CHANGE_ALERT and alert.severity == "warning"
    assert alert.message_key == "alert.sync_bad_change" and alert.site_id == "s1"
    assert alert.details["kind"] == kind and alert.details["cursor"] == "1"
    assert alert.details["problem"]
    # and head office hears of it like any alert
    raised = [e for e in store.outbox_after("test", limit=100) if e.kind == "alert.raised"]
    assert [e.payload["kiosk_id"] for e in raised] == ["k1"]


def test_head_office_acknowledges_an_alert_and_the_kiosk_emits_nothing(kiosk) -> None:
    client, transport, store = kiosk
    with store.transaction() as tx:
        mine = alerts.raise_alert(
            tx,
            "watchlist",
            severity="critical",
            message_key="alert.watchlist",
            details={},
            site_id="s1",
            kiosk_id="k1",
        )
    ack = AlertAcknowledged(
        alert_id=mine.id, site_id="s1", kiosk_id="", by="hq", acknowledged_at=store.clock.now()
    )
    unknown = ack.model_copy(update={"alert_id": "not-here"})
    transport.feed = [
        _change(1, ack.kind, ack.payload(), mine.id),
        _change(2, ack.kind, unknown.payload(), "not-here"),
    ]
    client.sync_once()
    seen = alerts.alert(store, mine.id)
    assert seen is not None and seen.acknowledged_by == "hq" and seen.acknowledged_at is not None
    assert alerts.open_alerts(store) == []
    kinds = [e.kind for e in store.outbox_after("test", limit=100)]
    assert kinds.count("alert.acknowledged") == 0
