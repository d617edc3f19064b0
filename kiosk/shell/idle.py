"""The idle reset: after ``[kiosk] idle_timeout`` seconds without a touch or a key, "Are you
still there?" counts down ``idle_countdown`` seconds, then the kiosk goes home and forgets the
visitor. A screen that goes home by itself (done) gets no prompt over it.

Timed by the app's clock (``shell.clock``), so tests move a fake clock instead of waiting.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.properties import NumericProperty
from kivy.uix.modalview import ModalView

#: seconds between two looks at the idle time
CHECK_EVERY = 0.25


class IdleOverlay(ModalView):
    remaining = NumericProperty(0)


class IdleReset:
    def __init__(self, shell: Any) -> None:
        self.shell = shell
        #: the "Are you still there?" overlay while it shows, else None
        self.overlay: IdleOverlay | None = None
        self._last_activity = shell.clock.monotonic()
        self._timer: Any = None

    def start(self) -> None:
        Factory.register("IdleOverlay", cls=IdleOverlay)
        self._timer = Clock.schedule_interval(self.check, CHECK_EVERY)
        Window.bind(on_touch_down=self.activity, on_key_down=self.activity)
        Window.bind(on_textinput=self.activity)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        Window.unbind(on_touch_down=self.activity, on_key_down=self.activity)
        Window.unbind(on_textinput=self.activity)

    def activity(self, *_: Any) -> None:
        """A touch, a key or a navigation: the visitor is still there."""
        self._last_activity = self.shell.clock.monotonic()

    def idle_for(self, seconds: float) -> None:
        """Pretend nobody touched the screen for ``seconds`` (``kiosk tour``'s idle picture)."""
        self._last_activity -= seconds
        self.check(0)

    def check(self, _dt: float) -> None:
        manager = self.shell.manager
        resting = getattr(self.shell, "start_screen", "home")  # the PIN pad at the desk
        if manager.current in ("home", resting) or manager.current_screen.goes_home_itself:
            self.dismiss()
            return
        settings = self.shell.settings.kiosk
        idle_for = self.shell.clock.monotonic() - self._last_activity
        if idle_for < settings.idle_timeout:
            self.dismiss()
            return
        remaining = settings.idle_timeout + settings.idle_countdown - idle_for
        if remaining <= 0:
            self.shell.home()
            return
        if self.overlay is None:
            self.overlay = Factory.IdleOverlay()
            self.overlay.bind(on_dismiss=lambda *_: setattr(self, "overlay", None))
            self.overlay.open(animation=False)
        self.overlay.remaining = int(remaining + 0.999)

    def still_here(self) -> None:
        self.activity()
        self.dismiss()

    def dismiss(self) -> None:
        if self.overlay is not None:
            overlay, self.overlay = self.overlay, None
            overlay.dismiss(animation=False)
