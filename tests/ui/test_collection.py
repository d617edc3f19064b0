"""Widgets are freed on the UI thread only (kiosk/shell/collect.py).

A widget left in a reference cycle is freed by Python's cyclic collector, which CPython runs
in whichever thread's allocation crosses its threshold. Freed on a worker thread, the widget's
weak proxies are cleared at once, but Kivy's destructor that unbinds its kv rules from
``app.theme`` runs afterwards, as Python code on that thread; a theme change on the UI thread
in between reached the dead widget's rule (``ReferenceError: weakly-referenced object no longer
exists`` in the Kivy loop, seen in the tour contrast test when large text or high contrast was
switched on). Here the worker is held just after the proxies are cleared, as a thread switch
would, and the theme changes then.
"""

from __future__ import annotations

import gc
import threading
import weakref
from typing import Any

import pytest

pytestmark = pytest.mark.ui


def test_a_widget_dropped_while_a_worker_allocates_is_freed_on_the_ui_thread(kiosk):
    from kivy.factory import Factory

    app, ui = kiosk.app, threading.current_thread()
    freed_on: list[threading.Thread] = []
    cleared, resume = threading.Event(), threading.Event()

    def on_free(_ref: Any) -> None:  # runs before Kivy's destructor (newer weakrefs first)
        freed_on.append(threading.current_thread())
        if threading.current_thread() is not ui:
            cleared.set()  # the widget's proxies are dead, its kv rules still bound
            resume.wait(10)

    automatic = gc.isenabled()
    gc.collect()
    gc.disable()  # the label is young garbage when the worker starts allocating
    label = Factory.KLabel(text="probe")  # color: app.theme.text (kiosk.kv)
    label.cycle = [label]  # freed by the cyclic collector, as widgets are
    probe = weakref.ref(label, on_free)
    del label

    def allocate() -> None:
        if automatic:
            gc.enable()  # the collector as it was: free to run in this thread
        junk: list[Any] = []
        for _ in range(50_000):
            junk.append([])
            if cleared.is_set():
                return

    worker = threading.Thread(target=allocate, name="allocating-worker")
    worker.start()
    try:
        cleared.wait(2)
        app.theme.set_mode("contrast", True)  # must reach no dead widget
        app.theme.set_mode("large", True)
    finally:
        resume.set()
        worker.join(10)
        if automatic:
            gc.enable()
        app.theme.reset()
    kiosk.frames(3)
    kiosk.wait_for(lambda: probe() is None, timeout=10)
    assert freed_on == [ui], f"freed on {[t.name for t in freed_on]}"
    assert not gc.isenabled(), "no automatic collection: it would run on any thread"
