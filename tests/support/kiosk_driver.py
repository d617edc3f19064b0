"""Taps, typing and scanning on the real kiosk app offscreen, as a visitor would do them.

Used by the UI tests (``tests/ui/conftest.py``) and the soak benchmark (``bench/bench_soak.py``);
the caller configures Kivy offscreen before it builds the app.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class Driver:
    """Taps, typing and scanning as a visitor would do them, plus frame stepping."""

    def __init__(self, app: Any) -> None:
        from kivy.base import EventLoop

        self.app = app
        self.loop = EventLoop

    # -- frames ------------------------------------------------------------------------------
    def frames(self, n: int = 2) -> None:
        for _ in range(n):
            self.loop.idle()

    def wait_for(self, predicate: Any, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.loop.idle()
            if predicate():
                self.frames(2)  # let the new screen lay itself out before the next tap
                return
        raise AssertionError(f"timed out waiting for {predicate}")

    def settle(self, timeout: float = 15.0) -> None:
        """Frames until every command and query the app started has delivered its outcome
        (check-in, check-out and lookups run on the app's command runner, not in the tap)."""
        app = self.app
        self.wait_for(
            lambda: app.commands.outstanding == 0 and app.queries.outstanding == 0, timeout
        )

    @property
    def screen(self) -> str:
        return str(self.app.manager.current)

    def current(self) -> Any:
        return self.app.manager.current_screen

    # -- touch -------------------------------------------------------------------------------
    def tap(self, widget: Any, *, settle: bool = True) -> None:
        """Press and release at the widget's centre, through the window like a finger; then
        wait for what the tap started on the command runner (``settle=False``: don't)."""
        from kivy.tests.common import UnitTestTouch

        assert widget.get_root_window() is not None, f"{widget} is not on screen"
        assert not widget.disabled, f"{widget} is disabled"
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(2)
        if settle:
            self.settle()

    def tap_text(self, text: str, root: Any = None) -> None:
        """Tap the visible button whose text contains ``text``."""
        from kivy.uix.button import Button

        roots = [root] if root is not None else list(self.app.root_window.children)
        widgets = [w for r in roots for w in r.walk(restrict=False)]
        for w in widgets:
            visible = w.opacity > 0 and w.width > 0 and w.height > 0
            if isinstance(w, Button) and text in w.text and visible and not w.disabled:
                self.tap(w)
                return
        raise AssertionError(f"no button with text {text!r} on screen {self.screen}")

    def key(self, letter: str) -> None:
        """Tap an on-screen key of the current screen's keyboard."""
        keyboard = self.current().ids.keyboard
        for w in keyboard.walk():
            if getattr(w, "text", None) == letter and w.__class__.__name__ == "Key":
                self.tap(w)
                return
        raise AssertionError(f"no key {letter!r}")

    def keys(self, letters: str) -> None:
        for letter in letters:
            self.key(letter)

    def candidate(self, text: str) -> None:
        row = self.current().ids.keyboard.ids.candidate_bar.ids.buttons
        for w in row.children:
            if w.text == text:
                self.tap(w)
                return
        raise AssertionError(f"candidate {text!r} not offered: {[w.text for w in row.children]}")

    # -- hardware keyboard and scanner -------------------------------------------------------
    def scan(self, code: str) -> None:
        """A USB/HID scanner: the whole code in a burst, then Enter."""
        from kivy.core.window import Window

        for ch in code:
            Window.dispatch("on_textinput", ch)
        Window.dispatch("on_key_down", 13, 40, None, [])
        Window.dispatch("on_key_up", 13, 40)
        self.frames(3)
        self.settle()

    def type_slowly(self, text: str, gap: float = 0.08) -> None:
        """A person on a physical keyboard: characters far apart in time."""
        from kivy.core.window import Window

        for ch in text:
            Window.dispatch("on_textinput", ch)
            time.sleep(gap)
        self.frames(1)

    def press_key(self, key: int, modifiers: list[str] | None = None) -> Any:
        from kivy.core.window import Window

        return Window.dispatch("on_key_down", key, 0, None, modifiers or [])

    def texts(self) -> list[str]:
        """Every visible label/button text on the current screen."""
        return [
            w.text
            for w in self.current().walk()
            if isinstance(getattr(w, "text", None), str) and w.text and w.opacity > 0
        ]

    def screenshot(self, path: Path) -> Path:
        """What the window draws now, as a PNG at ``path`` (kiosk/capture.py)."""
        from kiosk.capture import save_window

        return save_window(path)

    def at_confirm(self, phone: str, name: str = "周全") -> None:
        """The flow filled in as a visitor would have (host h001, a meeting), on confirm."""
        from kiosk.core.visits.flow import HostChoice

        app = self.app
        flow = app.services.flow
        flow.set(name=name, phone=phone, purpose="meeting", consent=True)
        h = app.services.records.host("h001")
        flow.choose_host(HostChoice(h.id, h.department_id, h.name_zh, h.name_en, h.floor, h.room))
        flow.go("confirm")
        app.go("confirm")
        self.frames(3)
        assert self.screen == "confirm"

    @contextmanager
    def at_size(self, size: tuple[int, int]) -> Iterator[None]:
        """The window at ``size`` for the block; afterwards the session's app as the other
        tests expect it: normal mode, the settings it had, 1920x1080, home."""
        from kivy.core.window import Window

        app = self.app
        settings = app.services.settings
        Window.size = size
        self.frames(3)
        try:
            yield
        finally:
            app.theme.reset()
            app.services.settings = settings
            Window.size = (1920, 1080)
            app.home()
            self.frames(3)
