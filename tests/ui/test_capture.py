"""The window's picture (kiosk/capture.py, what the tour and the pixel measurements save) is
what the window draws, at any width and after the window has changed size: a pattern of
known edges comes back where it was drawn, on every row."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.ui

#: 1366 px: a row of 3-byte pixels (4,098 bytes) is not a multiple of OpenGL's default
#: 4-byte pack alignment; 1080x1920: taller than the 1920x1080 the session's window was
#: created at
SIZES = ((1366, 768), (1080, 1920))


def _pattern(width: int, height: int) -> Any:
    """White on the left, black from the middle column, a red band along the top."""
    from kivy.graphics import Color, Rectangle
    from kivy.uix.widget import Widget

    pattern = Widget(size_hint=(None, None), size=(width, height), pos=(0, 0))
    with pattern.canvas:
        Color(1, 1, 1, 1)
        Rectangle(pos=(0, 0), size=(width, height))
        Color(0, 0, 0, 1)
        Rectangle(pos=(width // 2, 0), size=(width - width // 2, height))
        Color(1, 0, 0, 1)
        Rectangle(pos=(0, height - 16), size=(width, 16))
    return pattern


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_vertical_edge_stays_vertical_on_every_row(kiosk, tmp_path, size):
    from kivy.core.window import Window
    from PIL import Image

    width, height = size
    pattern = _pattern(width, height)
    Window.size = size
    Window.add_widget(pattern)
    try:
        kiosk.frames(3)
        with Image.open(kiosk.screenshot(tmp_path / "pattern.png")) as shot:
            image = shot.convert("RGB")
    finally:
        Window.remove_widget(pattern)
        Window.size = (1920, 1080)
        kiosk.frames(3)
    assert image.size == size
    middle = width // 2
    for y in range(0, height, 7):
        if y < 16:  # the band along the top: red across the whole row
            assert image.getpixel((0, y)) == image.getpixel((width - 1, y)) == (255, 0, 0), y
            continue
        row = image.crop((0, y, width, y + 1)).convert("L").tobytes()
        edges = [x for x in range(1, width) if row[x] != row[x - 1]]
        assert edges == [middle], f"row {y}: edges at {edges[:6]}, drawn at {middle}"
    assert image.getpixel((0, height - 1)) == (255, 255, 255)
    assert image.getpixel((width - 1, height - 1)) == (0, 0, 0)
