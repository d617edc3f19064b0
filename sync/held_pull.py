"""The kiosk's side of a held pull (``?wait=``, ``sync/server/held_pulls.py``).

After a round, the sync worker asks head office for the changes after its cursor and lets it
hold the answer while nothing is new (up to ``seconds``), on a thread of its own: the worker
thread is never blocked by it, so a local commit still pushes at once. The answer wakes the
worker (``on_answer``), whose next round applies it as its first page (``take``). A change
committed at head office thus reaches the kiosk within about a second, with one request per
``seconds`` while nothing happens, instead of a pull every round interval.

A head office that answers at once with nothing (it does not hold pulls) is held again only
every other round, so the worker never spins. Must never: apply a page itself, or hand over a
page for another cursor than the stored one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future

from kiosk.core.config.clock import Clock

from .client import SyncHeadOffice
from .protocol import MAX_PULL_WAIT, PullOut

log = logging.getLogger(__name__)


class HeldPull:
    """At most one held pull in flight."""

    def __init__(self, clock: Clock, seconds: float, on_answer: Callable[[], None]) -> None:
        self.clock = clock
        #: the longest head office may hold it (0: never held)
        self.seconds = min(max(0.0, seconds), MAX_PULL_WAIT)
        self._on_answer = on_answer
        self._future: Future[tuple[int, PullOut, float]] | None = None
        self._skip = False

    @property
    def in_flight(self) -> bool:
        return self._future is not None and not self._future.done()

    def start(self, head_office: SyncHeadOffice, cursor: int, limit: int) -> None:
        """Hold a pull after ``cursor`` (nothing if one is in flight, or none is to be held)."""
        if not self.seconds or self.in_flight:
            return
        if self._skip:  # the last one came back at once with nothing: not held there
            self._skip = False
            return
        future: Future[tuple[int, PullOut, float]] = Future()

        def held() -> None:
            started = self.clock.monotonic()
            try:
                page = head_office.pull(cursor, limit, wait=self.seconds)
                future.set_result((cursor, page, self.clock.monotonic() - started))
            except BaseException as e:  # the next round's own pull reports the failure
                future.set_exception(e)
            self._on_answer()

        self._future = future
        threading.Thread(target=held, name="sync-held-pull", daemon=True).start()

    def take(self, cursor: int) -> PullOut | None:
        """The held pull's answer if it has come and is for ``cursor`` (else None: pull)."""
        future = self._future
        if future is None or not future.done():
            return None
        self._future = None
        try:
            after, page, took = future.result()
        except Exception as e:
            log.debug("the held pull failed: %s", e)
            return None
        if not page.changes and page.cursor == after and took < self.seconds / 2:
            self._skip = True
        return page if after == cursor else None
