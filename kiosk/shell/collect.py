"""Python's cyclic garbage collector runs on the UI thread only.

CPython collects in whichever thread's allocation crosses the collector's threshold: the
command and query runners, the background worker (badge rendering, the badge preview's
pixels), the notify and sync workers. A widget left in a reference cycle (most are) and freed
there has its weak proxies cleared at once, but Kivy's destructor that unbinds its kv rules
(``kivy.uix.widget._widget_destructor``, ``Builder.unbind_widget``) runs afterwards, as Python
code on that thread. A thread switch in between let the UI thread dispatch a theme change
(large text, high contrast, the reset for the next visitor) to the dead widget's rule:
``ReferenceError: weakly-referenced object no longer exists`` from ``app.theme`` in the Kivy
loop (tests/ui/test_collection.py holds the worker at that point).

So ``UiCollector.start`` turns automatic collection off and, on the clock, collects what
the thresholds call for: the youngest generations on the frame after they fill, as CPython
would; the oldest (a walk of the whole heap) when the kiosk rests on its start screen
(``collect_all``), or on a frame once ``FULL_AFTER`` middle collections have passed without
one. ``UiCollector.stop`` turns it back on.

Must never: run a collection on any other thread, or leave automatic collection off after
the app stops.
"""

from __future__ import annotations

import gc
from typing import Any

#: middle-generation collections without a rest at the start screen before a full one anyway
#: (CPython's own threshold is 10; a kiosk in constant use still frees its old garbage)
FULL_AFTER = 100


def collect_due() -> int:
    """Collect the generation the allocation counts call for (UI thread): its number, or -1
    when none is due."""
    threshold0, threshold1, _threshold2 = gc.get_threshold()
    count0, count1, count2 = gc.get_count()
    if count2 > FULL_AFTER:
        generation = 2
    elif count1 > threshold1:
        generation = 1
    elif count0 > threshold0:
        generation = 0
    else:
        return -1
    gc.collect(generation)
    return generation


def collect_all() -> None:
    """A full collection, when the kiosk rests (UI thread)."""
    gc.collect()


class UiCollector:
    """Automatic collection off from ``start`` to ``stop``; the clock collects instead."""

    def __init__(self) -> None:
        self._event: Any = None
        self._was_enabled = True

    def start(self) -> None:
        from kivy.clock import Clock

        self._was_enabled = gc.isenabled()
        gc.disable()
        self._event = Clock.schedule_interval(lambda _dt: collect_due(), 0)

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None
        if self._was_enabled:  # as it was before start
            gc.enable()
