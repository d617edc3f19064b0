"""A screen change is drawn once and complete: never the old and the new screen in one frame,
never a new screen that fills itself in a frame later (on the software rasterizer a kiosk
without a GPU uses, every extra frame is a full redraw the visitor waits for)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from kiosk.core.models import VisitState

pytestmark = pytest.mark.ui


@contextmanager
def drawn(kiosk, look):
    """``look()`` taken at each frame the window draws."""
    from kivy.core.window import Window

    frames = []

    def on_draw(*_):
        frames.append(look())

    Window.bind(on_draw=on_draw)
    try:
        yield frames
    finally:
        Window.unbind(on_draw=on_draw)


def test_a_step_is_alone_on_the_window_and_ready_in_its_first_frame(kiosk):
    app = kiosk.app
    manager = app.manager
    kiosk.tap(kiosk.current().ids.checkin)
    assert kiosk.screen == "phone"
    name = app.screen("name")

    def look():
        return (manager.current, len(manager.children), name.ids.field.focus)

    with drawn(kiosk, look) as frames:
        # 11 digits move on by themselves, after the returning-visitor lookup on the command
        # runner: the change to the name step happens in a frame's clock callbacks
        kiosk.current().ids.field.text = "13912347802"
        kiosk.wait_for(lambda: kiosk.screen == "name")
    on_name = [f for f in frames if f[0] == "name"]
    assert on_name, "the name step was drawn"
    assert all(children == 1 for _name, children, _focus in frames), "one screen per frame"
    assert on_name[0][2], "the field has the focus (and its cursor) in the first frame"


def test_done_opens_with_where_to_go_and_who_is_told_in_its_first_frame(kiosk):
    app = kiosk.app
    kiosk.at_confirm("13912347801")
    done = app.screen("done")
    records = app.services.records

    def look():
        if app.manager.current != "done":
            return None
        visitor = records.visitor_by_phone("13912347801")
        rows = app.services.store.query(
            "SELECT state FROM visits WHERE visitor_id = ?", (visitor.id,) if visitor else ("",)
        )
        return {
            "stored": [r["state"] for r in rows],
            "title": done.title,
            "where": done.where,
            "steps": done.steps_text,
            "notify": done.notify_text,
            "to_desk": done.to_desk,
            "countdown": done.remaining,
        }

    with drawn(kiosk, look) as frames:
        kiosk.tap(kiosk.current().ids.confirm)
        kiosk.frames(3)
    first = next(f for f in frames if f is not None)
    assert first["stored"] == [VisitState.CHECKED_IN.value], "stored before Done is drawn"
    assert "503" in first["where"] and "1.\u00a0" in first["steps"], "where to go, at once"
    assert first["notify"] and first["title"] and first["countdown"] > 0
    # the demo has no channel for anybody: Done says "see the desk" from its first frame on,
    # never a green "登记成功" that turns into the desk a moment later
    assert first["to_desk"] and first["title"].startswith("已登记")
    assert done.shown is not None and done.shown.notify_state == "failed"
    later = [f for f in frames if f is not None]
    assert all(f["title"] == first["title"] for f in later), "Done never changes its mind"


def test_the_screens_background_is_the_window_clear_colour_in_every_mode(kiosk, tmp_path):
    from kivy.core.window import Window
    from PIL import Image

    app = kiosk.app
    kiosk.tap(kiosk.current().ids.checkin)
    for contrast in (False, True):
        app.theme.contrast = contrast
        kiosk.frames(2)
        assert tuple(Window.clearcolor) == tuple(app.theme.bg)
        shot = Image.open(kiosk.screenshot(tmp_path / f"phone-{contrast}")).convert("RGB")
        # a point of the screen's own background, left of its content
        expected = tuple(round(c * 255) for c in app.theme.bg[:3])
        got = shot.getpixel((4, shot.height // 2))
        assert all(abs(a - b) <= 1 for a, b in zip(got, expected, strict=True)), (got, expected)
    app.home()
    kiosk.frames(2)
    assert tuple(Window.clearcolor) == tuple(app.theme.bg), "the next visitor's look again"


def _forget_screen(app, name: str) -> None:
    """As if ``name`` had never been shown since the start (the session's app built it)."""
    screen = app._screens.pop(name)
    app.manager.remove_widget(screen)


def test_the_check_in_screens_are_built_while_home_waits_for_the_first_visitor(kiosk):
    from kiosk.shell.screens import AHEAD, build_ahead

    app = kiosk.app
    app.screen("done")
    _forget_screen(app, "done")
    assert "done" not in {s.name for s in app.screens()}
    app.go("phone")  # a visitor on their way: nothing is built behind their back
    event = build_ahead(app, ("done",), every=0)
    try:
        kiosk.frames(3)
        assert "done" not in {s.name for s in app.screens()}
        app.home()
        kiosk.wait_for(lambda: "done" in {s.name for s in app.screens()}, timeout=10)
        assert app.manager.current == "home", "built, not shown"
    finally:
        event.cancel()
    assert "done" in AHEAD and "name" in AHEAD
    # the screen built ahead is the one a check-in then shows, wired like any other
    kiosk.at_confirm("13912347803")
    kiosk.tap(kiosk.current().ids.confirm)
    assert kiosk.screen == "done" and app.screen("done").where
