"""What every kiosk screen has: the shell, a way to navigate, a reset, and running commands.

Screens never call the store themselves: ``run(fn, on_done)`` sends the use case to the shell's
command runner (kiosk.shell.commands) and sets ``busy`` until its outcome is back on the UI
thread. ``busy_shown`` turns on only when a command has taken longer than ``BUSY_SHOW_AFTER``,
so "请稍候 Please wait" is there when it matters and never flickers for a quick one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.core.config.errors import KioskError
from kiosk.core.config.i18n import catalogue

log = logging.getLogger(__name__)

#: seconds a command runs before the screen says "please wait"
BUSY_SHOW_AFTER = 0.15


class KioskScreen(Screen):
    #: true while the screen goes home by itself (its own countdown): no idle prompt over it
    goes_home_itself = False

    #: the app shell: navigation (go, home), language, translation, settings and clock
    shell = ObjectProperty(None, rebind=True)
    #: kiosk.shell.commands.CommandRunner, for screens that start use cases
    commands = ObjectProperty(None)
    #: a command of this screen is running: its buttons are disabled
    busy = BooleanProperty(False)
    #: ... and has run for longer than BUSY_SHOW_AFTER: the screen says "please wait"
    busy_shown = BooleanProperty(False)
    #: the message key of what went wrong (shown translated), or ""
    error_key = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        self._command_generation = 0
        self._busy_timer: Any = None
        self._ticket: Any = None
        super().__init__(**kwargs)

    def t(self, key: str, **params: object) -> str:
        return str(self.shell.t(key, **params))

    def go(self, name: str) -> None:
        self.shell.go(name)

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[KioskError], None] | None = None,
    ) -> bool:
        """Run the use case ``fn`` on the command runner; False if one is still running.

        ``on_done(result)`` / ``on_error(error)`` (default: show its message) run on the UI
        thread, unless the screen was reset meanwhile (the visitor is gone: nothing to show).
        """
        if self.busy:
            return False  # a second tap while one runs: ignored (no button is greyed for it)
        self.busy = True
        self._busy_timer = Clock.schedule_once(self._show_busy, BUSY_SHOW_AFTER)
        generation = self._command_generation

        def done(result: Any) -> None:
            if self._settle(generation):
                on_done(result)

        def failed(error: KioskError) -> None:
            if self._settle(generation):
                (on_error or self.show_error)(error)

        self._ticket = self.commands.submit(fn, done, failed)
        return True

    def show_error(self, error: KioskError) -> None:
        self.error_key = error.message_key

    def _show_busy(self, _dt: float) -> None:
        ticket = self._ticket
        if ticket is not None and ticket.finished.is_set():
            return  # done, only its outcome is waiting for this frame: nothing to wait for
        self.busy_shown = self.busy

    def _settle(self, generation: int) -> bool:
        self.busy = self.busy_shown = False
        if self._busy_timer is not None:
            self._busy_timer.cancel()
            self._busy_timer = None
        if generation != self._command_generation:
            log.info("%s was reset while a command ran: its outcome is not shown", self.name)
            return False
        return True

    def forget(self) -> None:
        """Drop the outcome of any command still running (the next visitor starts afresh)."""
        self._command_generation += 1
        self.busy = self.busy_shown = False
        self.error_key = ""

    def reset(self) -> None:
        """Forget everything shown or typed (idle timeout, next visitor)."""
        self.forget()

    def spoken_keys(self) -> tuple[str, ...]:
        """The catalogue keys the speaker button reads: the screen's title and hint."""
        return (f"{self.name}.title", f"{self.name}.hint")

    def instruction(self) -> str:
        """What the speaker button reads aloud, in the language on show."""
        messages = catalogue(self.shell.lang)
        return " ".join(messages[key] for key in self.spoken_keys() if key in messages)

    def on_language(self, lang: str) -> None:
        """The language changed while this screen exists; refresh computed texts."""
