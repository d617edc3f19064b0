"""Re-entrant transactions: a nested ``store.transaction()`` joins the open one (a savepoint)."""

from __future__ import annotations

import threading

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import StorageError
from kiosk.core.events import InvitationCreated
from kiosk.core.store.database import Store


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "k.sqlite3", clock=FakeClock())
    yield s
    s.close()


def _event(n: str) -> InvitationCreated:
    return InvitationCreated(invitation_id=n, code="CODE1")


def test_a_nested_transaction_joins_the_outer_one_and_commits_with_it(store):
    heard: list[int] = []
    store.on_emit(lambda: heard.append(1))
    with store.transaction() as outer:
        store.set_value("a", "1")  # opens its own transaction: joins this one
        with store.transaction() as inner:
            assert inner is outer
            inner.emit(_event("1"))
        assert heard == []  # nothing is committed before the outer block ends
        seen_elsewhere: list[str | None] = []
        t = threading.Thread(target=lambda: seen_elsewhere.append(store.get_value("a")))
        t.start()
        t.join()
        assert seen_elsewhere == [None]  # another connection does not see it yet
    assert heard == [1]
    assert store.get_value("a") == "1"
    assert [e.entity_id for e in store.outbox_after("t")] == ["1"]


def test_a_failing_nested_block_undoes_only_itself_and_its_events(store):
    with store.transaction() as tx:
        tx.emit(_event("kept"))
        with pytest.raises(RuntimeError), store.transaction() as inner:
            store.set_value("gone", "1")
            inner.emit(_event("gone"))
            raise RuntimeError("inner failure")
        assert tx.emitted and len(tx.emitted) == 1
        store.set_value("after", "1")
    assert store.get_value("gone") is None
    assert store.get_value("after") == "1"
    assert [e.entity_id for e in store.outbox_after("t")] == ["kept"]


def test_an_error_escaping_a_nested_block_rolls_back_everything(store):
    with pytest.raises(RuntimeError), store.transaction():
        store.set_value("x", "1")
        with store.transaction() as inner:
            inner.emit(_event("x"))
            raise RuntimeError("nobody catches this")
    assert store.get_value("x") is None
    assert store.outbox_after("t") == []
    with store.transaction():  # and the connection is usable again
        store.set_value("y", "1")
    assert store.get_value("y") == "1"


def test_deep_nesting_unwinds_level_by_level(store):
    with store.transaction():
        store.set_value("level", "1")
        with store.transaction():
            store.set_value("level", "2")
            with pytest.raises(ValueError), store.transaction():
                store.set_value("level", "3")
                raise ValueError
            assert store.get_value("level") == "2"
    assert store.get_value("level") == "2"


def test_a_transaction_of_another_thread_is_refused(store):
    got: list[object] = []

    def other() -> None:
        with store.transaction() as tx:
            got.append(tx)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    with store.transaction(), pytest.raises(StorageError, match="not this thread"):
        store.set_value("k", "v", got[0])  # type: ignore[arg-type]


def test_the_connection_is_not_released_inside_its_transaction(store):
    with store.transaction(), pytest.raises(StorageError, match="inside its transaction"):
        store.release()
    assert not store.in_transaction()
