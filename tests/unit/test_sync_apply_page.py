"""A pulled page applied at once (``sync/apply_page.py``): the fast way when every change is
good, change by change when one is not, the kiosk's clock as if every stamp were observed."""

from __future__ import annotations

import pytest

from kiosk.core.alerts import open_alerts
from kiosk.core.config.clock import FakeClock
from kiosk.core.models import Site
from kiosk.core.store import pulled_quarantine as quarantine
from kiosk.core.store.database import Store
from kiosk.core.store.hlc import HybridLogicalClock
from kiosk.core.store.records import Records
from sync import apply
from sync.apply_page import apply_page, observe_newest
from sync.protocol import ChangeOut


@pytest.fixture
def records(tmp_path):
    store = Store(tmp_path / "k.sqlite3", clock=FakeClock())
    records = Records(store)
    with store.transaction() as tx:
        records.upsert_site(tx, Site("s1", "一号", "One"))
    yield records
    store.close()


def _dep(cursor: int, dep_id: str, hlc: str = "") -> ChangeOut:
    payload = {"id": dep_id, "site_id": "s1", "name_zh": "部门", "name_en": "Dept"}
    return ChangeOut(
        cursor=cursor, kind="department.upserted", entity_id=dep_id, hlc=hlc, payload=payload
    )


def _statements(records: Records) -> list[str]:
    seen: list[str] = []
    records.store._held().conn.set_trace_callback(seen.append)
    return seen


def test_a_good_page_is_applied_without_a_savepoint_per_change(records) -> None:
    page = [_dep(i, f"d{i}") for i in range(1, 41)]
    with records.store.transaction() as tx:
        seen = _statements(records)
        assert apply_page(records, tx, page, site_id="s1", kiosk_id="k1") == {"department.upserted"}
    assert len(records.departments("s1")) == 40
    assert sum(s.startswith("SAVEPOINT") for s in seen) == 1  # the page's own


@pytest.mark.parametrize("error", [ValueError, RuntimeError])
def test_one_bad_change_is_kept_aside_once_and_the_rest_of_the_page_applied(
    records, monkeypatch, error
) -> None:
    # parses, then its handler fails: malformed (ValueError: skipped) or a bug (quarantined)
    def fails(records, tx, event) -> None:
        records.store.set_value("site.building_map", "half written", tx)
        raise error("this change cannot be applied")

    monkeypatch.setitem(apply.HANDLERS, "site.map", fails)
    bad = ChangeOut(cursor=3, kind="site.map", entity_id="s1", hlc="", payload={"floors": 3})
    page = [_dep(1, "d1"), _dep(2, "d2"), bad, _dep(4, "d4")]
    with records.store.transaction() as tx:
        seen = _statements(records)
        applied = apply_page(records, tx, page, site_id="s1", kiosk_id="k1")
    assert applied == {"department.upserted"}
    assert [d.id for d in records.departments("s1")] == ["d1", "d2", "d4"]
    assert records.store.get_value("site.building_map") is None  # its own savepoint undone
    (kept,) = quarantine.rows(records.store)
    assert (kept["cursor"], kept["kind"]) == (3, "site.map")
    assert len(open_alerts(records.store)) == 1
    # the fast way was undone, then each change went in a savepoint of its own
    assert sum(s.startswith("SAVEPOINT") for s in seen) >= 1 + len(page)


STAMPS = [
    "1700000000000000005-k2",
    "1700000000001000000-k3",
    "not a stamp",
    "zzzz",
    "9999999999999000000-far",  # well formed, past what a kiosk represents: refused
    "1700000000001000002-k1",
    "",
    "1700000000000999999-k4",
]


@pytest.mark.parametrize("count", range(1, len(STAMPS) + 1))
def test_observing_the_newest_stamp_leaves_the_clock_where_observing_each_does(count) -> None:
    stamps = STAMPS[:count]
    each = HybridLogicalClock(FakeClock(), "me")
    for s in stamps:
        each.observe(s)
    newest = HybridLogicalClock(FakeClock(), "me")
    observe_newest(newest, stamps)
    assert (newest._ms, newest._counter) == (each._ms, each._counter)


def test_listeners_learn_when_a_catch_up_ends_even_from_a_page_that_applied_nothing(
    records,
) -> None:
    import random

    from sync.fake import FakeHeadOffice
    from sync.worker import SyncClient

    transport = FakeHeadOffice()
    # six directory changes, then three nobody handles: the last page applies nothing
    transport.feed = [_dep(i, f"d{i}") for i in range(1, 7)]
    transport.feed += [
        ChangeOut(cursor=i, kind="no.such.kind", entity_id="x", hlc="", payload={})
        for i in (7, 8, 9)
    ]
    client = SyncClient(
        store=records.store,
        records=records,
        head_office=transport,
        clock=FakeClock(),
        site_id="s1",
        kiosk_id="k1",
        batch_size=3,
        pull_page=3,
        rng=random.Random(1),
    )
    heard: list[tuple[frozenset[str], bool]] = []
    client.on_pulled(lambda kinds: heard.append((kinds, client.catching_up)))
    assert client.sync_once().pulled == 9
    dep = frozenset({"department.upserted"})
    assert heard == [(dep, True), (dep, True), (frozenset(), False)]
    client.close()
