"""The directions screen on the real app: search → map with the route → next floor."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.ui

SHOTS = Path("/tmp/kiosk-ui-directions")


def route_pixels(image) -> int:
    from PIL import Image, ImageChops

    from kiosk.core.wayfinding.map_style import ROUTE

    diff = ImageChops.difference(image, Image.new("RGB", image.size, ROUTE)).convert("L")
    return diff.point(lambda v: 255 if v == 0 else 0).histogram()[255]


def test_search_a_person_then_the_map_floor_by_floor(kiosk):
    app = kiosk.app
    kiosk.tap(kiosk.current().ids.directions)
    assert kiosk.screen == "directions"
    screen = kiosk.current()
    kiosk.keys("ln")  # pinyin initials of 李娜, searched as typed
    kiosk.wait_for(lambda: len(screen.ids.results.children) > 0)
    results = list(reversed(screen.ids.results.children))
    assert "李娜" in results[0].text and "503" in results[0].text, [b.text for b in results]
    kiosk.tap(results[0])
    assert screen.mode == "map"
    assert screen.route is not None and screen.route.floors == ("1", "5")
    kiosk.wait_for(lambda: screen.ids.map.image is not None)
    assert screen.summary_text == "5楼 503室 · 2号电梯 右转"
    steps = [w.text for w in screen.ids.steps.children][::-1]
    assert steps[1] == "2.\u00a0乘2号电梯到5楼，出电梯后右转，右手第三间：503室"
    assert "1楼 大堂" in screen.floor_text
    assert screen.ids.map.texture is not None
    assert screen.ids.previous_floor.disabled and not screen.ids.next_floor.disabled
    SHOTS.mkdir(exist_ok=True)
    kiosk.screenshot(SHOTS / "directions-floor1.png")
    first = screen.ids.map.image
    assert route_pixels(first) > 1000

    kiosk.tap(screen.ids.next_floor)
    kiosk.wait_for(lambda: screen.ids.map.image is not None and screen.ids.map.image is not first)
    assert screen.floor_index == 1
    assert "5楼" in screen.floor_text
    assert screen.ids.next_floor.disabled
    current = [w for w in screen.ids.steps.children if w.current]
    assert len(current) == 1 and current[0].text.startswith("2.")
    kiosk.screenshot(SHOTS / "directions-floor5.png")

    kiosk.tap(screen.ids.previous_floor)
    assert screen.floor_index == 0

    kiosk.tap(app.root.ids.lang_toggle)
    assert screen.summary_text == "Floor 5, room 503 · Elevator 2, turn right"


def test_room_number_and_the_accessible_toggle(kiosk):
    kiosk.tap(kiosk.current().ids.directions)
    screen = kiosk.current()
    kiosk.keys("201")
    kiosk.wait_for(lambda: len(screen.ids.results.children) > 0)
    kiosk.tap(screen.ids.results.children[-1])  # the first one listed
    quick = screen.route
    assert "扶梯" in " ".join(screen.steps)
    kiosk.tap(screen.ids.accessible)
    assert screen.accessible
    assert screen.route is not quick
    assert "扶梯" not in " ".join(screen.steps) and "电梯" in " ".join(screen.steps)
    kiosk.wait_for(lambda: screen.ids.map.image is not None)
    kiosk.screenshot(SHOTS / "directions-accessible.png")


def test_zoom_buttons_and_reset_on_idle(kiosk):
    kiosk.tap(kiosk.current().ids.directions)
    screen = kiosk.current()
    screen.choose("602", "602")
    kiosk.wait_for(lambda: screen.ids.map.image is not None)
    view = screen.ids.map
    kiosk.tap_text("+")
    assert view.zoom == pytest.approx(1.5)
    kiosk.tap_text("−")
    assert view.zoom == pytest.approx(1.0)
    kiosk.app.home()
    assert screen.mode == "search" and screen.route is None and screen.ids.field.text == ""


def test_chinese_characters_through_the_pinyin_keyboard(kiosk):
    kiosk.tap(kiosk.current().ids.directions)
    screen = kiosk.current()
    kiosk.tap_text("拼音", root=screen.ids.keyboard)
    kiosk.keys("wang")
    kiosk.candidate("王")
    assert screen.ids.field.text == "王"
    kiosk.wait_for(lambda: len(screen.ids.results.children) > 0)
    assert any("王伟" in b.text and "505" in b.text for b in screen.ids.results.children)


def test_nothing_found(kiosk):
    kiosk.tap(kiosk.current().ids.directions)
    screen = kiosk.current()
    kiosk.keys("qqqq")
    kiosk.frames(2)
    assert not screen.ids.results.children
    assert "没有找到，请询问前台" in kiosk.texts()


def test_pinch_to_zoom_and_drag_to_pan(kiosk):
    from kivy.tests.common import UnitTestTouch

    kiosk.tap(kiosk.current().ids.directions)
    screen = kiosk.current()
    screen.choose("503", "503")
    kiosk.wait_for(lambda: screen.ids.map.image is not None)
    view, scatter = screen.ids.map, screen.ids.map.ids.scatter
    cx, cy = view.to_window(*view.center)
    left, right = UnitTestTouch(cx - 60, cy), UnitTestTouch(cx + 60, cy)
    left.touch_down()
    right.touch_down()
    kiosk.frames(1)
    for step in range(1, 11):  # fingers move apart: 120 px → 320 px
        left.touch_move(cx - 60 - 10 * step, cy)
        right.touch_move(cx + 60 + 10 * step, cy)
        kiosk.frames(1)
    left.touch_up()
    right.touch_up()
    kiosk.frames(2)
    assert scatter.scale == pytest.approx(320 / 120, rel=0.05)
    assert view.zoom == pytest.approx(scatter.scale)
    # zoomed in, the floor is drawn again at twice the size, the view staying where it is
    kiosk.wait_for(lambda: view.texture.size[0] == 2400)
    assert scatter.scale == pytest.approx(320 / 120, rel=0.05)

    before = tuple(scatter.pos)
    finger = UnitTestTouch(cx, cy)
    finger.touch_down()
    for step in range(1, 6):
        finger.touch_move(cx + 20 * step, cy - 10 * step)
        kiosk.frames(1)
    finger.touch_up()
    kiosk.frames(2)
    assert scatter.pos[0] == pytest.approx(before[0] + 100, abs=2)
    assert scatter.pos[1] == pytest.approx(before[1] - 50, abs=2)

    far = UnitTestTouch(cx, cy)  # dragging far away leaves a quarter of the map in view
    far.touch_down()
    for step in range(1, 21):
        far.touch_move(cx + 200 * step, cy)
        kiosk.frames(1)
    far.touch_up()
    kiosk.frames(2)
    assert scatter.x <= view.right - scatter.bbox[1][0] * 0.25 + 1

    kiosk.tap(screen.ids.next_floor)  # a new floor starts unzoomed
    kiosk.wait_for(lambda: screen.floor_index == 1 and screen.ids.map.image is not None)
    assert scatter.scale == pytest.approx(1.0)


def test_the_way_to_a_checked_in_visitors_host(kiosk):
    from kiosk.core.models import Visit, VisitState

    app = kiosk.app
    app.go("directions")
    screen = kiosk.current()
    visit = Visit("v-ui", "demo", "p-ui", VisitState.CHECKED_IN, "meeting", "h033", "design")
    screen.show_visit(visit)
    assert screen.mode == "map"
    assert screen.goal_label == "袁野"
    assert screen.route.goal.room == "603"
    kiosk.wait_for(lambda: screen.ids.map.image is not None)
    screen.show_visit(Visit("v-x", "demo", "p-x", VisitState.CHECKED_IN, "meeting", None, None))
    assert screen.error_key == "directions.error.unknown_place"
    assert screen.mode == "search" and screen.ids.map.image is None


def test_the_heading_follows_a_language_switch(kiosk):
    app = kiosk.app
    kiosk.tap(kiosk.current().ids.directions)
    screen = kiosk.current()
    screen.ids.field.text = "ln"
    kiosk.frames(2)
    kiosk.tap_text("李娜")
    assert screen.goal_label.startswith("李娜")
    kiosk.tap(app.root.ids.lang_toggle)
    assert screen.goal_label.startswith("Li Na")
    assert "Research & Development" in screen.goal_label
