"""The discreet alert dot: a small amber dot in the top bar's corner while any alert is
unacknowledged, gone once all are. Staff know what it means; it carries no text a visitor
would read (the alerts themselves show only on the console, behind the PIN).

The count is one small query on the query runner every ``EVERY`` seconds, never on the UI
thread; the store is read from the app's services at each look, so a rewire needs nothing.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock

from kiosk.core.alerts import open_count

#: seconds between two looks at the open alerts
EVERY = 2.0


class AlertDot:
    """Sets ``shell.alerts_open`` (kiosk.kv draws the dot from it)."""

    def __init__(self, shell: Any, *, queries: Any) -> None:
        self.shell = shell
        self.queries = queries
        self._timer: Any = None
        self._asking = False

    def start(self) -> None:
        self.look(0)
        self._timer = Clock.schedule_interval(self.look, EVERY)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def look(self, _dt: float) -> None:
        if self._asking:
            return
        self._asking = True
        store = self.shell.services.store
        self.queries.submit(lambda: open_count(store), self._show, self._unknown)

    def _show(self, count: int) -> None:
        self._asking = False
        self.shell.alerts_open = count > 0

    def _unknown(self, _error: Any) -> None:
        self._asking = False  # keep the last answer; look again on the next tick
