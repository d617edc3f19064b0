"""The shell's off-UI-thread runner: one long-lived thread, only the latest result delivered.

``post`` stands in for Kivy's Clock here (a list the test drains as the UI thread would);
the UI tests run the same runner through the real Clock.
"""

from __future__ import annotations

import threading
import time

from kiosk.core.store.database import Store
from kiosk.shell.background import Background


class UiThread:
    def __init__(self) -> None:
        self.posted: list = []
        self.lock = threading.Lock()

    def post(self, fn) -> None:
        with self.lock:
            self.posted.append(fn)

    def pump(self, expect: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.posted) < expect and time.monotonic() < deadline:
            time.sleep(0.005)
        with self.lock:
            todo, self.posted = self.posted, []
        for fn in todo:
            fn()


def test_only_the_latest_result_for_a_key_is_delivered() -> None:
    ui = UiThread()
    runner = Background(post=ui.post)
    gate, started = threading.Event(), threading.Event()
    got: list = []

    def first() -> str:
        started.set()
        gate.wait(5)
        return "first"

    runner.run("qr", first, got.append)
    assert started.wait(5)  # under way
    runner.run("qr", lambda: "second", got.append)  # waiting: replaced by the third
    runner.run("qr", lambda: "third", got.append)
    runner.run("map", lambda: "map", got.append)
    gate.set()
    ui.pump(3)
    assert got == ["third", "map"]  # "first" finished but was stale; "second" never ran
    runner.stop()


def test_one_long_lived_thread_runs_every_job_and_survives_a_failure(tmp_path) -> None:
    ui = UiThread()
    runner = Background(post=ui.post)
    store = Store(tmp_path / "k.sqlite3")
    threads: set[int] = set()
    got: list = []

    def query(i: int):
        threads.add(threading.get_ident())
        return store.query_one("SELECT ? AS n", (i,))["n"]

    def broken():
        raise RuntimeError("a preview that cannot be drawn")

    before = threading.active_count()
    runner.run("broken", broken, got.append)
    for i in range(50):
        runner.run(f"job-{i}", lambda i=i: query(i), got.append)
    ui.pump(50)
    assert got == list(range(50))
    assert len(threads) == 1 and threading.get_ident() not in threads
    assert threading.active_count() <= before + 1
    # one connection for the runner's thread, however many jobs it ran
    assert store.connection_count() == 2  # the test's own and the runner's
    runner.stop()
    assert not runner.alive
    store.close()


def test_stop_returns_promptly_while_idle_and_drops_what_waits() -> None:
    ui = UiThread()
    runner = Background(post=ui.post)
    runner.run("a", lambda: 1, lambda _r: None)
    ui.pump(1)
    started = time.monotonic()
    runner.stop()
    assert time.monotonic() - started < 1.0 and not runner.alive
    runner.run("late", lambda: 2, lambda _r: None)  # after stop: ignored, no new thread
    assert not runner.alive
