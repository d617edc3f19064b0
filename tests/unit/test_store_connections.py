"""No connection outlives the thread that opened it (issue 13): counted, and file descriptors."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.events import InvitationCreated
from kiosk.core.store.database import Store


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "k.sqlite3", clock=FakeClock())
    yield s
    s.close()


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _work(store: Store, n: int) -> None:
    with store.transaction() as tx:
        store.set_value(f"thread{n}", str(n))
        tx.emit(InvitationCreated(invitation_id=str(n), code="CODE1"))
    assert store.get_value(f"thread{n}") == str(n)
    assert store.pending("t") == n + 1


def _run_on_short_threads(count: int, target: Callable[[int], None]) -> None:
    """Run ``target(i)`` on ``count`` threads, one after the other."""
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            target(i)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    for i in range(count):
        t = threading.Thread(target=run, args=(i,), name=f"short-{i}")
        t.start()
        t.join()
    assert not errors, errors


@pytest.mark.parametrize("explicit", [True, False], ids=["session", "thread-end"])
def test_fifty_short_threads_leave_no_connection_or_descriptor_behind(store, explicit):
    store.get_value("warm")  # this thread's connection, opened before counting
    during: list[int] = []

    def target(i: int) -> None:
        if explicit:
            with store.session():
                _work(store, i)
                during.append(store.connection_count())
        else:
            _work(store, i)
            during.append(store.connection_count())

    # warm-up: SQLite keeps one closed descriptor of the file for reuse while another
    # connection holds a lock on it (unix VFS), so count after the first thread has run
    _run_on_short_threads(1, target)
    connections, fds = store.connection_count(), _open_fds()
    during.clear()
    _run_on_short_threads(50, lambda i: target(i + 1))
    assert during == [connections + 1] * 50  # each thread had its own while it ran …
    assert store.connection_count() == connections  # … and none is left
    assert _open_fds() <= fds
    assert store.pending("t") == 51


def test_release_closes_this_threads_connection_and_the_next_use_opens_one(store):
    store.get_value("x")
    before = store.connection_count()
    store.release()
    assert store.connection_count() == before - 1
    assert store.get_value("x") is None
    assert store.connection_count() == before


def test_a_session_keeps_a_connection_the_thread_already_had(store):
    store.get_value("x")
    conn = store.conn
    with store.session():
        store.get_value("y")
    assert store.conn is conn
