"""A screen change is drawn once and complete: never the old and the new screen in one frame,
never a new screen that fills itself in a frame later (on the software rasterizer a kiosk
without a GPU uses, every extra frame is a full redraw the visitor waits for)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

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
