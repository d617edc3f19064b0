"""The hybrid logical clock: strictly increasing, past anything observed, text-comparable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.config.clock import FakeClock
from kiosk.core.events import InvitationCreated
from kiosk.core.store.database import Store
from kiosk.core.store.hlc import HybridLogicalClock, Stamp, is_stamp


def test_ticks_increase_even_when_the_wall_clock_stands_still_or_goes_back() -> None:
    clock = FakeClock()
    hlc = HybridLogicalClock(clock, "a")
    stamps = [hlc.tick() for _ in range(5)]
    clock.advance(-3600)  # NTP steps the clock back an hour
    stamps += [hlc.tick() for _ in range(5)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 10


def test_observing_a_stamp_from_a_clock_hours_ahead_orders_after_it() -> None:
    ahead = HybridLogicalClock(FakeClock(FakeClock().now() + timedelta(hours=3)), "a")
    behind = HybridLogicalClock(FakeClock(FakeClock().now() - timedelta(hours=3)), "b")
    check_in = ahead.tick()
    behind.observe(check_in)
    check_out = behind.tick()
    assert check_out > check_in


@given(st.lists(st.tuples(st.integers(0, 2**40), st.integers(0, 999_999)), min_size=2))
def test_text_order_is_stamp_order(pairs: list[tuple[int, int]]) -> None:
    stamps = [Stamp(ms, c, "n") for ms, c in pairs]
    assert sorted(stamps) == sorted(stamps, key=str)
    assert all(Stamp.parse(str(s)) == s for s in stamps)


def test_malformed_stamps_are_ignored_on_observe() -> None:
    hlc = HybridLogicalClock(FakeClock(), "a")
    before = hlc.tick()
    hlc.observe("garbage")
    hlc.observe("9" * 19)
    assert hlc.tick() > before
    assert not is_stamp("12-x") and is_stamp(before)
    with pytest.raises(ValueError):
        HybridLogicalClock(FakeClock(), "has-dash")


def test_store_stamps_events_and_a_reopened_store_continues_after_them(tmp_path) -> None:
    clock = FakeClock()
    store = Store(tmp_path / "k.sqlite3", clock=clock)
    with store.transaction() as tx:
        tx.emit(InvitationCreated(invitation_id="1", code="CODE1"))
    with store.transaction() as tx:
        store.set_value("hlc.observed", "8999999999999000000-srv", tx)
    first = store.outbox_after("sync")[0].hlc
    store.close()
    reopened = Store(tmp_path / "k.sqlite3", clock=clock)  # same wall time: clock stood still
    with reopened.transaction() as tx:
        tx.emit(InvitationCreated(invitation_id="2", code="CODE2"))
    second = reopened.outbox_after("sync", limit=5)[1].hlc
    assert second > "8999999999999000000-srv" > first
    reopened.close()


POISON = "9999999999999999990-x"  # the stamp one hostile kiosk pushed (issue 12, item 1)


def test_a_stamp_the_kiosk_cannot_represent_is_refused_not_adopted() -> None:
    hlc = HybridLogicalClock(FakeClock(), "a")
    before = hlc.tick()
    assert hlc.observe(POISON) is False
    stamps = [hlc.tick() for _ in range(50)]
    assert all(is_stamp(s) and len(s) == len(before) for s in stamps)
    assert stamps[0] > before and stamps[-1] < "9"  # still the wall clock's year
    assert hlc.observe("8999999999999000000-srv") is True  # far ahead, yet representable


def test_a_kiosk_fed_the_stamp_by_head_office_keeps_pushing_valid_stamps(tmp_path) -> None:
    import random

    from kiosk.core.store.records import Records
    from sync.fake import FakeHeadOffice
    from sync.protocol import ChangeOut
    from sync.worker import SyncClient

    clock = FakeClock()
    store = Store(tmp_path / "k.sqlite3", clock=clock)
    head_office = FakeHeadOffice()
    head_office.answer_hlc = POISON  # a poisoned head office answers every push with it
    head_office.feed.append(
        ChangeOut(cursor=1, kind="site.settings", entity_id="s1", payload={}, hlc=POISON)
    )
    client = SyncClient(
        store=store,
        records=Records(store),
        head_office=head_office,
        clock=clock,
        rng=random.Random(1),
    )
    for i in range(30):
        with store.transaction() as tx:
            tx.emit(InvitationCreated(invitation_id=f"i{i}", code=f"CODE{i}"))
        client.sync_once()
    stamps = [e.hlc for e in head_office.pushed]
    assert len(stamps) == 30 and all(is_stamp(s) and len(s) == 28 for s in stamps)
    assert stamps == sorted(stamps) and stamps[-1] < POISON
    client.close()
    reopened = Store(tmp_path / "k.sqlite3", clock=clock)
    assert reopened.hlc.tick() < POISON
    reopened.close()
    store.close()
