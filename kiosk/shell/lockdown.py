"""The lock-down: a visitor cannot leave the kiosk app.

Escape, Alt+F4 and the window's close request are swallowed; no mouse cursor, no screensaver.
Only ``allow_exit()`` (receptionist mode) lets the app stop.
"""

from __future__ import annotations

from typing import Any

from kivy.core.window import Window

ESCAPE = 27
F4 = 285


class Lockdown:
    def __init__(self, *, locked: bool) -> None:
        self.locked = locked
        self._allow_exit = False

    def start(self) -> None:
        Window.bind(on_key_down=self._on_key_down, on_request_close=self._on_request_close)
        if self.locked:
            Window.show_cursor = False
            Window.allow_screensaver = False

    def stop(self) -> None:
        Window.unbind(on_key_down=self._on_key_down, on_request_close=self._on_request_close)

    def allow_exit(self) -> None:
        self._allow_exit = True

    def _on_key_down(self, _window: Any, key: int, _scancode: Any, _text: Any, modifiers: Any):
        # Escape never leaves the kiosk, nor does Alt+F4
        return key == ESCAPE or (key == F4 and "alt" in modifiers)

    def _on_request_close(self, *_: Any, **__: Any) -> bool:
        return not self._allow_exit
