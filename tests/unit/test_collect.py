"""The UI thread's collector picks the generation CPython's thresholds call for."""

from __future__ import annotations

import gc

from kiosk.shell.collect import FULL_AFTER, UiCollector, collect_due


def test_collect_due_collects_what_the_counts_call_for_and_nothing_else():
    automatic, threshold = gc.isenabled(), gc.get_threshold()
    gc.disable()
    try:
        gc.set_threshold(100, 3, 10)
        gc.collect()
        assert collect_due() == -1, "nothing allocated: nothing due"
        kept = [[] for _ in range(150)]
        assert collect_due() == 0
        assert gc.get_count()[0] < 100
        for _ in range(4):  # four young collections: the middle generation's turn
            kept += [[] for _ in range(150)]
            collect_due()
        assert gc.get_count()[1] == 0, "the middle generation was collected"
        for _ in range(FULL_AFTER + 1):
            kept += [[] for _ in range(150)]
            while gc.get_count()[1] <= 3:
                kept += [[] for _ in range(150)]
                collect_due()
            collect_due()
        assert gc.get_count()[2] <= FULL_AFTER, "a full collection came"
        assert kept
    finally:
        gc.set_threshold(*threshold)
        if automatic:
            gc.enable()


def test_the_collector_leaves_automatic_collection_as_it_found_it():
    automatic = gc.isenabled()
    try:
        for before in (True, False):
            (gc.enable if before else gc.disable)()
            collector = UiCollector()
            collector.start()
            assert not gc.isenabled(), "off while the app runs"
            collector.stop()
            assert gc.isenabled() is before
    finally:
        (gc.enable if automatic else gc.disable)()
