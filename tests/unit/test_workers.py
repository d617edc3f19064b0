"""The worker base, the outbox runner and the retry policy, on a fake clock and a real store."""

from __future__ import annotations

import random
import threading
import time

import pytest

from kiosk.core.alerts import open_alerts
from kiosk.core.config.clock import FakeClock, SystemClock
from kiosk.core.config.errors import StorageError, TransportError
from kiosk.core.events import BadgePrinted, Event
from kiosk.core.models import OutboxEvent
from kiosk.core.store.database import Store, Transaction
from kiosk.core.store.quarantine import quarantined
from kiosk.core.workers.outbox import OutboxRunner
from kiosk.core.workers.retry import RetryPolicy
from kiosk.core.workers.worker import Worker


class Counting(Worker):
    """Counts rounds; fails the first ``fail`` of them; ``due`` seconds between rounds."""

    def __init__(self, clock, *, fail: int = 0, due: float | None = None, **kwargs) -> None:
        super().__init__(name="counting", clock=clock, **kwargs)
        self.rounds = 0
        self.fail = fail
        self.due = due
        self.ran = threading.Event()

    def run_once(self) -> bool:
        self.rounds += 1
        self.ran.set()
        if self.rounds <= self.fail:
            raise TransportError("head office unreachable")
        return False

    def due_in(self) -> float | None:
        return self.due


def wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


def settle(worker: Counting, rounds: int) -> None:
    """Wait until the worker has run ``rounds`` rounds and sits in its wait again."""
    assert wait_for(lambda: worker.rounds >= rounds), worker.rounds
    time.sleep(0.05)


def test_back_off_after_failures_runs_on_the_injected_clock() -> None:
    clock = FakeClock()
    worker = Counting(clock, fail=2, errors=RetryPolicy(base=10.0, cap=60.0))
    worker.start()
    try:
        settle(worker, 1)
        assert worker.failures == 1
        clock.advance(9.9)  # not yet: 10 s after the first failure
        time.sleep(0.1)
        assert worker.rounds == 1
        worker.wake()  # a wake does not cut a back-off short
        time.sleep(0.1)
        assert worker.rounds == 1
        clock.advance(0.1)
        settle(worker, 2)
        assert worker.failures == 2
        clock.advance(19)  # the second failure waits 20 s
        time.sleep(0.1)
        assert worker.rounds == 2
        clock.advance(1)
        settle(worker, 3)
        assert worker.failures == 0  # the third round succeeded
    finally:
        worker.stop()


def test_a_scheduled_round_comes_when_the_clock_says() -> None:
    clock = FakeClock()
    worker = Counting(clock, due=30.0)
    worker.start()
    try:
        settle(worker, 1)
        clock.advance(29)
        time.sleep(0.1)
        assert worker.rounds == 1
        clock.advance(1)
        settle(worker, 2)
    finally:
        worker.stop()


@pytest.mark.parametrize("clock", [FakeClock(), SystemClock()], ids=["fake", "system"])
def test_wake_interrupts_an_idle_wait(clock) -> None:
    worker = Counting(clock, due=None)
    worker.start()
    try:
        settle(worker, 1)
        started = time.monotonic()
        worker.wake()
        settle(worker, 2)
        assert time.monotonic() - started < 1.0
    finally:
        worker.stop()


@pytest.mark.parametrize("clock", [FakeClock(), SystemClock()], ids=["fake", "system"])
@pytest.mark.parametrize("failing", [False, True], ids=["idle", "backing-off"])
def test_stop_while_waiting_returns_promptly(clock, failing: bool) -> None:
    worker = Counting(clock, fail=100 if failing else 0, due=3600.0)
    worker.start()
    settle(worker, 1)
    thread = worker._thread
    started = time.monotonic()
    worker.stop()
    assert time.monotonic() - started < 1.0
    assert thread is not None and not thread.is_alive()


def test_poll_looks_again_in_real_time_while_the_clock_stands_still() -> None:
    worker = Counting(FakeClock(), due=None, poll=0.02)
    worker.start()
    try:
        settle(worker, 3)
    finally:
        worker.stop()


def test_retry_policy_grows_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(base=1.0, cap=60.0, jitter=0.5, rng=random.Random(7))
    for failures in range(1, 20):
        ceiling = min(60.0, 2.0 ** (failures - 1))
        d = policy.delay(failures)
        assert ceiling / 2 <= d <= ceiling
    spread = {round(policy.delay(5), 3) for _ in range(20)}
    assert len(spread) > 10


def test_retry_policy_counts_attempts() -> None:
    clock = FakeClock()
    policy = RetryPolicy(base=2.0, cap=5.0, attempts=3)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [2.0, 4.0, 5.0, 5.0]
    assert (policy.retry_at(clock.now(), 2) - clock.now()).total_seconds() == 4.0
    assert policy.retry_at(clock.now(), 3) is None
    assert RetryPolicy().retry_at(clock.now(), 10_000) is not None
    with pytest.raises(ValueError):
        RetryPolicy(base=0)


# -- the outbox runner -----------------------------------------------------------------------
class Collector:
    name = "collector"
    kinds = ("badge.printed",)

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.broken: set[str] = set()
        self.storage_down = False

    def handle(self, tx: Transaction, event: Event, *, record: OutboxEvent) -> None:
        assert isinstance(event, BadgePrinted)
        tx.execute("INSERT INTO kv (key, value) VALUES (?, 'x')", (f"seen.{event.job_id}",))
        if self.storage_down:
            raise StorageError("disk I/O error")
        if event.job_id in self.broken:
            raise RuntimeError("handler bug")
        self.seen.append(event.job_id)


def _printed(store: Store, job_id: str) -> None:
    with store.transaction() as tx:
        tx.emit(
            BadgePrinted(visit_id="v1", job_id=job_id, copy_number=0, printer="fake", attempts=1)
        )


def _poison(store: Store, uuid: str) -> None:
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO outbox (uuid, kind, entity_id, occurred_at, payload) "
            "VALUES (?, 'badge.printed', 'v1', '2026-11-26T09:00:00+00:00', '{\"copy\": \"x\"}')",
            (uuid,),
        )


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "k.sqlite3", clock=FakeClock())
    yield store
    store.close()


def test_a_poison_event_is_quarantined_in_the_same_transaction_and_the_queue_flows_on(store):
    consumer = Collector()
    runner = OutboxRunner(store, consumer, site_id="demo", kiosk_id="k1", per_transaction=10)
    _printed(store, "j1")
    _poison(store, "bad-payload")
    _printed(store, "j2")
    _printed(store, "j3")
    consumer.broken.add("j2")
    assert len(runner.run_once()) == 4
    assert consumer.seen == ["j1", "j3"]
    kept = quarantined(store, "collector")
    assert len(kept) == 2 and (kept[0].uuid, kept[0].kind) == ("bad-payload", "badge.printed")
    assert "RuntimeError: handler bug" in kept[1].reason
    # the poison event's own writes were rolled back; the others' kept
    keys = {r[0] for r in store.query("SELECT key FROM kv WHERE key LIKE 'seen.%'")}
    assert keys == {"seen.j1", "seen.j3"}
    alerts = open_alerts(store)
    assert {a.kind for a in alerts} == {"outbox.quarantined"} and len(alerts) == 2
    assert runner.pending() == 0
    _printed(store, "j4")
    runner.run_once()
    assert consumer.seen == ["j1", "j3", "j4"]


def test_a_storage_error_retries_the_batch_instead_of_quarantining(store):
    consumer = Collector()
    runner = OutboxRunner(store, consumer, site_id="demo")
    _printed(store, "j1")
    consumer.storage_down = True
    with pytest.raises(StorageError):
        runner.run_once()
    assert runner.pending() == 1 and quarantined(store) == []
    consumer.storage_down = False
    runner.run_once()
    assert consumer.seen == ["j1"] and runner.pending() == 0
