"""Work off the UI thread, on one long-lived worker thread; only the latest result comes back.

``background().run(key, work, deliver)`` queues ``work()`` on the shell's one background
thread and calls ``deliver(result)`` on the UI thread (Kivy's ``Clock``). A newer run with the
same key replaces one still waiting and makes an older result stale: it is never delivered.
So a QR code, a floor map or a badge preview that the visitor has moved past never reaches a
widget, and nothing starts a thread per request: no per-thread resource (a SQLite connection)
outlives its work (issue 13).

Must never: run ``deliver`` off the UI thread, or let a failing job stop the thread.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]


def _kivy_post(fn: Callable[[], None]) -> None:
    from kivy.clock import Clock

    Clock.schedule_once(lambda _dt: fn(), 0)


class Background:
    """One worker thread, a queue keyed by what each job is for, latest-only delivery."""

    def __init__(self, *, post: Post | None = None, name: str = "ui-background") -> None:
        #: how a result reaches the UI thread (Kivy's Clock; tests pass their own)
        self._post = post or _kivy_post
        self._name = name
        self._lock = threading.Condition()
        self._waiting: OrderedDict[str, tuple[int, Callable[[], Any], Callable[[Any], None]]]
        self._waiting = OrderedDict()
        self._latest: dict[str, int] = {}
        self._counter = 0
        self._stopped = False
        self._thread: threading.Thread | None = None

    def run(self, key: str, work: Callable[[], Any], deliver: Callable[[Any], None]) -> None:
        """Queue ``work``; ``deliver(result)`` on the UI thread unless superseded by then."""
        with self._lock:
            if self._stopped:
                return
            self._counter += 1
            self._latest[key] = self._counter
            self._waiting.pop(key, None)
            self._waiting[key] = (self._counter, work, deliver)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            self._lock.notify()

    def cancel(self, key: str) -> None:
        """Forget ``key``'s waiting job and any result of it still on its way."""
        with self._lock:
            self._waiting.pop(key, None)
            self._latest.pop(key, None)

    def stop(self, timeout: float = 5.0) -> None:
        """Drop what is waiting and end the thread (after the job under way, if any)."""
        with self._lock:
            self._stopped = True
            self._waiting.clear()
            self._lock.notify()
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while True:
            with self._lock:
                while not self._waiting and not self._stopped:
                    self._lock.wait()
                if self._stopped:
                    return
                key, (generation, work, deliver) = self._waiting.popitem(last=False)
            try:
                result = work()
            except Exception:  # a courtesy (preview, map, code) must never stop the others
                log.exception("background job %s failed", key)
                continue
            self._post(self._delivery(key, generation, deliver, result))

    def _delivery(
        self, key: str, generation: int, deliver: Callable[[Any], None], result: Any
    ) -> Callable[[], None]:
        def on_ui_thread() -> None:
            with self._lock:
                current = self._latest.get(key) == generation
                if current:  # nothing newer asked for: the key is settled, forget it
                    del self._latest[key]
            if current:
                deliver(result)

        return on_ui_thread


_shared: Background | None = None
_shared_lock = threading.Lock()


def background() -> Background:
    """The app's one background runner (made on first use, again after ``shutdown``)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Background()
        return _shared


def shutdown() -> None:
    """Stop the app's runner (``KioskApp.on_stop``)."""
    global _shared
    with _shared_lock:
        runner, _shared = _shared, None
    if runner is not None:
        runner.stop()
