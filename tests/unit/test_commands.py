"""The shell's command runner without a window: one thread, in order, errors as messages."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from kiosk.core.config.errors import KioskError, StorageError
from kiosk.shell.commands import CommandRunner


def runner() -> tuple[CommandRunner, queue.SimpleQueue[Callable[[], None]]]:
    """A runner whose deliveries wait in a queue, as they wait for the next Kivy frame."""
    delivered: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
    return CommandRunner(deliver=delivered.put, name="test-commands"), delivered


def test_commands_run_in_order_on_one_thread_and_come_back_through_deliver():
    commands, delivered = runner()
    threads, results = [], []
    for i in range(5):
        commands.submit(lambda i=i: threads.append(threading.current_thread()) or i, results.append)
    for _ in range(5):
        delivered.get(timeout=5)()
    assert results == [0, 1, 2, 3, 4]
    assert len(set(threads)) == 1 and threads[0] is commands.thread
    assert threads[0] is not threading.current_thread()
    assert commands.outstanding == 0
    commands.stop()


def test_errors_become_kiosk_errors_with_their_message_key():
    commands, delivered = runner()
    errors: list[KioskError] = []

    def disk_full() -> None:
        raise StorageError("disk full")

    def bug() -> None:
        raise ZeroDivisionError("a bug")

    commands.submit(disk_full, lambda _r: None, errors.append)
    commands.submit(bug, lambda _r: None, errors.append)
    delivered.get(timeout=5)()
    delivered.get(timeout=5)()
    assert [e.message_key for e in errors] == ["error.storage", "error.generic"]
    assert isinstance(errors[1].__cause__, ZeroDivisionError)
    commands.stop()


def test_a_failing_callback_is_logged_not_raised_and_the_runner_goes_on(caplog):
    commands, delivered = runner()

    def broken(_result: object) -> None:
        raise RuntimeError("screen bug")

    commands.submit(lambda: 1, broken)
    assert commands.outstanding == 1
    delivered.get(timeout=5)()  # would raise into the Kivy loop if it were not caught
    assert "delivering the outcome of a command failed" in caplog.text
    results: list[int] = []
    commands.submit(lambda: 2, results.append)
    delivered.get(timeout=5)()
    assert results == [2] and commands.outstanding == 0
    commands.stop()
    commands.submit(lambda: 3, results.append)  # after stop: refused, not run
    assert results == [2]
