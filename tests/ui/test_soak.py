"""Fifty check-ins through the real app offscreen: after a warm-up, the process holds no more
file descriptors, threads and store connections than it did (growth is a defect); lists and
scroll views that change as the visitor types keep their widgets and observers."""

from __future__ import annotations

import pytest

from tests.support.soak import holdings, phone_of, quiet, walk_in

pytestmark = pytest.mark.ui

WARM_UP = 10
VISITORS = 50


@pytest.mark.slow
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
    assert after["threads"] <= before["threads"], (before, after_each)
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


def test_a_scroll_view_whose_content_changes_keeps_one_bar_colour_observer(kiosk):
    # Kivy 2.3.1 binds _change_bar_color on every update_from_scroll (kiosk.widgets.scroll_fix)
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.label import Label
    from kivy.uix.scrollview import ScrollView

    view = ScrollView(size=(400, 300), size_hint=(None, None))
    box = BoxLayout(orientation="vertical", size_hint_y=None, height=100)
    view.add_widget(box)
    kiosk.current().add_widget(view)
    try:
        for n in range(10):  # the content grows between two frames, as steps refilled do
            box.add_widget(Label(text=str(n), size_hint_y=None, height=50))
            box.height += 50
            view.update_from_scroll()
        kiosk.frames(2)
        bound = [
            o
            for name in ("bar_color", "bar_inactive_color")
            for o in view.get_property_observers(name)
            if getattr(o, "__name__", "") == "_change_bar_color"
        ]
        assert len(bound) <= 1, bound
    finally:
        kiosk.current().remove_widget(view)


def test_a_field_keeps_no_undo_history_from_one_visitor_to_the_next(kiosk):
    # Kivy's TextInput keeps every keystroke for undo until reset_undo(); setting its text does
    # not clear it, so the phone field held ~12 entries more per visitor (kiosk.widgets.field)
    kiosk.tap(kiosk.current().ids.checkin)
    field = kiosk.current().ids.field
    for _visitor in range(3):
        if kiosk.screen != "phone":
            kiosk.tap(kiosk.current().ids.checkin)
        assert kiosk.current().ids.field is field  # the same widget each visitor
        kiosk.keys("13912")
        assert field.text == "13912"
        assert field._undo, "within one visitor's typing undo still works"
        kiosk.app.home()
        kiosk.frames(2)
        assert field.text == ""
        assert field._undo == [] and field._redo == [], (field._undo, field._redo)
