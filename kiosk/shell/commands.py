"""The command runner: use cases started from screens run on one long-lived writer thread.

A screen calls ``commands.submit(fn, on_done, on_error)``: ``fn()`` runs on the "commands"
thread, one command at a time in the order submitted, so the UI thread never waits for the
store's write lock (``BEGIN IMMEDIATE`` behind a worker's transaction) and two taps never race.
``on_done(result)`` or ``on_error(error)`` then runs on the UI thread, through ``deliver``
(Kivy's ``Clock`` in the app).

An exception never reaches the Kivy loop: a ``KioskError`` goes to ``on_error`` as it is, so the
screen shows its translated message; anything else is logged with its traceback and handed on as
a plain ``KioskError`` ("error.generic"), the calm message, never a crash.

It must never touch widgets on its own thread; only the callbacks it delivers do.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.core.config.errors import KioskError

log = logging.getLogger(__name__)

#: how a callback reaches the UI thread: ``deliver(callback)`` calls ``callback()`` there, soon
Deliver = Callable[[Callable[[], None]], None]


def clock_deliver(callback: Callable[[], None]) -> None:
    """Run ``callback()`` on the Kivy UI thread at the next frame."""
    from kivy.clock import Clock

    Clock.schedule_once(lambda _dt: callback(), 0)


class Ticket:
    """A submitted command: ``finished`` is set on the writer thread as soon as ``fn`` has
    returned or raised, before its outcome reaches the UI thread (a screen does not say
    "please wait" for a command that is only waiting for the next frame)."""

    __slots__ = ("finished",)

    def __init__(self) -> None:
        self.finished = threading.Event()


@dataclass(frozen=True, slots=True)
class _Command:
    fn: Callable[[], Any]
    on_done: Callable[[Any], None] | None
    on_error: Callable[[KioskError], None] | None
    ticket: Ticket


class CommandRunner:
    """One thread that runs submitted functions in order and delivers their outcome.

    ``start()`` happens on the first ``submit``; ``stop()`` lets the running command finish and
    drops the ones still waiting (the app is closing). A query runner that keeps only the latest
    result can be built on the same ``submit``: drop a delivered result whose request is stale.
    """

    def __init__(self, *, deliver: Deliver = clock_deliver, name: str = "commands") -> None:
        self._deliver = deliver
        self._name = name
        self._queue: queue.SimpleQueue[_Command | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stopping = False
        self._outstanding = 0

    @property
    def outstanding(self) -> int:
        """Commands submitted whose outcome has not been delivered yet (0: all settled)."""
        with self._lock:
            return self._outstanding

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[KioskError], None] | None = None,
    ) -> Ticket:
        """Run ``fn()`` on the writer thread; its result or error comes back through deliver."""
        ticket = Ticket()
        with self._lock:
            if self._stopping:
                log.warning("command %r submitted after stop: not run", fn)
                return ticket
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._outstanding += 1
        self._queue.put(_Command(fn, on_done, on_error, ticket))
        return ticket

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            self._stopping = True
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    @property
    def thread(self) -> threading.Thread | None:
        """The writer thread (None until the first command): tests check work ran there."""
        return self._thread

    def _run(self) -> None:
        while True:
            command = self._queue.get()
            if command is None or self._stopping:
                return
            self._execute(command)

    def _execute(self, command: _Command) -> None:
        try:
            result = command.fn()
        except KioskError as e:
            command.ticket.finished.set()
            log.info("command %s failed: %s", _name(command.fn), e)
            self._hand_back(command.on_error, e)
            return
        except Exception as e:  # an unexpected bug: a calm message on screen, the cause in the log
            command.ticket.finished.set()
            log.exception("command %s crashed", _name(command.fn))
            error = KioskError(f"{type(e).__name__}: {e}")
            error.__cause__ = e
            self._hand_back(command.on_error, error)
            return
        command.ticket.finished.set()
        self._hand_back(command.on_done, result)

    def _hand_back(self, callback: Callable[[Any], None] | None, value: Any) -> None:
        def call() -> None:
            try:
                if callback is not None:
                    callback(value)
            except Exception:  # a screen's callback failing must not take the Kivy loop down
                log.exception("delivering the outcome of a command failed")
            finally:
                with self._lock:
                    self._outstanding -= 1

        self._deliver(call)


def _name(fn: Callable[[], Any]) -> str:
    return getattr(fn, "__qualname__", repr(fn))
