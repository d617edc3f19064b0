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
        store.set_value("hlc.observed", "9999999999999000000-srv", tx)
    first = store.outbox_after("sync")[0].hlc
    store.close()
    reopened = Store(tmp_path / "k.sqlite3", clock=clock)  # same wall time: clock stood still
    with reopened.transaction() as tx:
        tx.emit(InvitationCreated(invitation_id="2", code="CODE2"))
    second = reopened.outbox_after("sync", limit=5)[1].hlc
    assert second > "9999999999999000000-srv" > first
    reopened.close()
