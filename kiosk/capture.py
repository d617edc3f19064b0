"""Pictures of what the window draws: the one capture the tour, ``kiosk --check`` and the
tests' measurements all use.

``window_image()`` draws the window's canvas again into an off-screen framebuffer of the
window's current size and reads it back as RGBA. Two things made Kivy's
``Window.screenshot`` unfit for measuring pixels:

- it reads ``GL_RGB`` rows with OpenGL's default pack alignment of 4 bytes, so at a width
  whose row of 3-byte pixels is not a multiple of 4 (1366 px: 4,098 bytes) every row is
  read 2 bytes further on than the last and the picture comes out sheared;
- SDL's offscreen video driver (tests, the tour, CI) keeps the drawable the size the window
  was created at: after ``Window.size`` changes (landscape to portrait in one session),
  Kivy lays out and draws for the new size, but rows and columns outside the first size do
  not exist and read back black.

Drawing into a framebuffer object of the window's own size, with a stencil buffer (for the
StencilViews of scrolling lists and the map), avoids both: RGBA rows are always aligned,
and the picture is the window's canvas exactly as the next frame draws it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def window_image() -> Any:
    """What the window draws now, as a PIL RGB image of ``Window.size`` (top row first)."""
    from kivy.core.window import Window
    from kivy.graphics import ClearBuffers, ClearColor, Fbo
    from PIL import Image

    width, height = (int(v) for v in Window.size)
    canvas = Window.canvas
    context = Window.render_context
    fbo = Fbo(size=(width, height), with_stencilbuffer=True)
    with fbo:
        ClearColor(*Window.clearcolor)
        ClearBuffers(clear_color=True, clear_stencil=True, clear_depth=True)
    fbo["modelview_mat"] = context["modelview_mat"]
    # an instruction has one parent: the window's canvas is lent to the framebuffer
    context.remove(canvas)
    try:
        fbo.add(canvas)
        fbo.draw()
        pixels = fbo.pixels
        fbo.remove(canvas)
    finally:
        context.add(canvas)
    picture = Image.frombytes("RGBA", (width, height), pixels)
    return picture.transpose(Image.Transpose.FLIP_TOP_BOTTOM).convert("RGB")


def save_window(path: Path) -> Path:
    """``window_image()`` written to ``path`` as a PNG; returns ``path``."""
    window_image().save(path, format="PNG")
    return path
