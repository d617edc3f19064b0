"""Configure Kivy before it creates its window. Import this before anything from kivy.

Kivy reads most of its window options once, when ``kivy.core.window`` is first imported, so
every setting that locks the kiosk down (full screen, no Escape, no multitouch dots, no
cursor, no screen saver) is applied here, ahead of that import.
"""

from __future__ import annotations

import os
from pathlib import Path


def prepare_environment(*, offscreen: bool = False, kivy_home: Path | None = None) -> None:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    if not os.environ.get("KIOSK_DEBUG"):
        os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_USE_DEFAULTCONFIG", "1")
    # SDL would turn SIGTERM/SIGINT into a window close request, which the lock-down refuses:
    # the process must stay stoppable (systemd, Ctrl+C), so Python handles the signals itself
    os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
    # a kiosk has no use for a clipboard, and probing xclip/xsel fails on a bare machine
    os.environ.setdefault("KIVY_CLIPBOARD", "dummy")
    if kivy_home is not None:
        os.environ.setdefault("KIVY_HOME", str(kivy_home))
    if offscreen:
        os.environ["SDL_VIDEODRIVER"] = "offscreen"
        os.environ.pop("DISPLAY", None)
        os.environ.setdefault("KIVY_NO_FILELOG", "1")


def configure_kivy(*, size: tuple[int, int] | None, fullscreen: bool) -> None:
    """Window and input options; ``size`` None means the screen's own size."""
    from kivy.config import Config

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "log_level", "warning")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("graphics", "allow_screensaver", "0")
    Config.set("graphics", "multisamples", "0")
    if fullscreen:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "borderless", "1")
        Config.set("graphics", "show_cursor", "0")
    else:
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "borderless", "0")
    if size is not None:
        Config.set("graphics", "width", str(size[0]))
        Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "resizable", "0" if fullscreen else "1")


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(x) for x in text.lower().split("x"))
    except ValueError as e:
        raise ValueError(f"window size must look like 1920x1080, got {text!r}") from e
    if not (200 <= width <= 10000 and 200 <= height <= 10000):
        raise ValueError(f"window size out of range: {text!r}")
    return width, height
