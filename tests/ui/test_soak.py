"""Fifty check-ins through the real app offscreen: after a warm-up, the process holds no more
file descriptors and the store no more connections than it did (growth is a defect)."""

from __future__ import annotations

import pytest

from tests.support.soak import holdings, phone_of, quiet, walk_in

pytestmark = pytest.mark.ui

WARM_UP = 10
VISITORS = 50


@pytest.mark.timeout(900)  # about 6 s a visitor offscreen on a shared 2-core machine
def test_fifty_check_ins_leave_descriptors_and_connections_flat(kiosk):
    app = kiosk.app
    for n in range(WARM_UP):
        walk_in(kiosk, n)
    quiet(kiosk)
    before = holdings(app)
    after_each = []
    for n in range(WARM_UP, VISITORS):
        walk_in(kiosk, n)
        quiet(kiosk)
        after_each.append(holdings(app))
    after = after_each[-1]
    assert app.services.records.visitor_by_phone(phone_of(VISITORS - 1)) is not None
    assert after["connections"] <= before["connections"], after_each
    assert after["fds"] <= before["fds"], (before, after_each)
    # flat throughout, not merely back down by the end
    assert max(h["fds"] for h in after_each) <= before["fds"] + 2, (before, after_each)


def test_the_candidate_bar_reuses_its_buttons_from_keystroke_to_keystroke(kiosk):
    kiosk.tap(kiosk.current().ids.checkin)
    kiosk.keys(phone_of(0))
    kiosk.wait_for(lambda: kiosk.screen == "name")
    row = kiosk.current().ids.keyboard.ids.candidate_bar.ids.buttons
    kiosk.keys("zh")
    first = list(row.children)
    texts = [b.text for b in first]
    kiosk.keys("ang")
    assert [b.text for b in row.children] != texts  # other candidates …
    kept = [c for c in row.children if any(c is b for b in first)]
    assert len(kept) == min(len(first), len(row.children))  # … on the same buttons
    kiosk.candidate("张")
    assert kiosk.current().ids.field.text == "张"
