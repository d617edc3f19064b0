"""The host search the screens hold: the directory index, rebuilt when the directory changes.

A ``DirectorySearch`` is immutable and takes up to half a second to build for a large
directory, so it is never rebuilt in place nor on the UI thread. ``LiveSearch`` answers from
the index it holds; ``refresh()`` (from the sync worker, after pulled changes touched
departments or hosts) builds a new one on its own thread and swaps it in with one assignment,
so a keystroke sees the old index or the new one, never half of either. Refreshes that arrive
while a build runs are folded into one more build, which reads the directory as it is then.

A failed build is logged and the old index kept: a visitor can still find yesterday's hosts.
No Kivy.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kiosk.core.input.search import DirectorySearch, SearchResult

log = logging.getLogger(__name__)


class LiveSearch:
    """``search()`` like ``DirectorySearch``; ``refresh()`` rebuilds off the calling thread."""

    def __init__(self, build: Callable[[], DirectorySearch]) -> None:
        #: reads the directory and builds an index (runs on the rebuild thread)
        self._build = build
        self._index = build()
        self._cond = threading.Condition()
        self._dirty = False
        self._running = False
        #: how many indexes were swapped in since start-up
        self.generation = 0

    def search(self, query: str, limit: int = 20) -> list[SearchResult]:
        return self._index.search(query, limit)

    def __len__(self) -> int:
        return len(self._index)

    def refresh(self) -> None:
        """Ask for a new index from the directory as it is now; returns at once."""
        with self._cond:
            self._dirty = True
            if self._running:
                return
            self._running = True
        threading.Thread(target=self._rebuild, name="search-index", daemon=True).start()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no rebuild is pending or running (tests, the command line)."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._running, timeout)

    def _rebuild(self) -> None:
        while True:
            with self._cond:
                if not self._dirty:
                    self._running = False
                    self._cond.notify_all()
                    return
                self._dirty = False
            try:
                index = self._build()
            except Exception:  # keep answering from the old index; the next change retries
                log.exception("rebuilding the host search index failed; the old one is kept")
                continue
            self._index = index
            with self._cond:
                self.generation += 1
            log.info("host search index rebuilt: %d entries", len(index))
