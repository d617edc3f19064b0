"""Receptionist mode in the shell: the hidden entry, the open console session, the auto-lock.

The entry is a long press (``HOLD_SECONDS``) on the site name in the top bar: it opens the PIN
pad (``reception_pin``) and nothing else. Only a right PIN (``StaffAccounts.enter``, on the
command runner) gives a ``ConsoleSession``; the console screens show nothing without one.
Every touch while a session is open counts as activity; once the session has gone
``IDLE_SECONDS`` without one (or the lock button is pressed) the lock is audited and the kiosk
goes home. Going home for any reason ends the session.
"""

from __future__ import annotations

import logging
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.label import Label

log = logging.getLogger(__name__)

#: seconds the site name must be held to open the PIN pad
HOLD_SECONDS = 2.0
#: seconds between two looks at the session's idle time
CHECK_EVERY = 1.0
#: the console's screens (a session is open only while one of them shows)
CONSOLE = (
    "reception_board",
    "reception_alerts",
    "reception_record",
    "reception_checkin",
    "reception_settings",
    "reception_staff",
    "reception_calls",
    "reception_tickets",
    "reception_tickets_detail",
    "reception_deliveries",
    "reception_reports",
    "emergency_rollcall",
)
#: the screens that lead into the console without a session (the PIN pad, the first admin)
CONSOLE_ENTRY = ("reception_pin", "reception_first_admin")


class SiteName(Label):
    """The site's name in the top bar; held for ``HOLD_SECONDS`` it opens the PIN pad."""

    def __init__(self, **kwargs: Any) -> None:
        self._hold: Any = None
        super().__init__(**kwargs)

    def on_touch_down(self, touch: Any) -> bool:
        if not self.collide_point(*touch.pos):
            return super().on_touch_down(touch)
        self._cancel()
        self._hold = Clock.schedule_once(self._held, HOLD_SECONDS)
        touch.ud["site_name_hold"] = True
        return True

    def on_touch_move(self, touch: Any) -> bool:
        if touch.ud.get("site_name_hold") and not self.collide_point(*touch.pos):
            self._cancel()
        return super().on_touch_move(touch)

    def on_touch_up(self, touch: Any) -> bool:
        if touch.ud.get("site_name_hold"):
            self._cancel()
            return True
        return super().on_touch_up(touch)

    def _cancel(self) -> None:
        if self._hold is not None:
            self._hold.cancel()
            self._hold = None

    def _held(self, _dt: float) -> None:
        self._hold = None
        from kivy.app import App

        app = App.get_running_app()
        if app is not None and getattr(app, "reception", None) is not None:
            app.reception.ask_pin()


class ReceptionShell:
    """The console session the PIN opened, and its auto-lock."""

    def __init__(self, shell: Any, *, commands: Any) -> None:
        self.shell = shell
        self.commands = commands
        #: kiosk.core.reception.staff.ConsoleSession while a staff member is signed in
        self.session: Any = None
        self._timer: Any = None

    @property
    def staff(self) -> Any:
        return self.shell.services.reception.staff

    def start(self) -> None:
        self._timer = Clock.schedule_interval(self.check, CHECK_EVERY)
        Window.bind(on_touch_down=self._activity, on_key_down=self._activity)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        Window.unbind(on_touch_down=self._activity, on_key_down=self._activity)

    def ask_pin(self) -> None:
        """The gesture was made: the PIN pad, never the console itself."""
        if self.session is not None and not self.session.locked:
            return  # already signed in
        self.shell.go("reception_pin")

    def opened(self, session: Any) -> None:
        """A right PIN: the staff member's language, then the board."""
        self.session = session
        self.shell.theme.reset(lowered=False)  # the console in its own look, not a visitor's
        if session.staff.language in ("zh_CN", "en"):
            self.shell.set_language(session.staff.language)
        self.shell.go("reception_board")

    def signed_in(self) -> bool:
        return self.session is not None and not self.session.locked

    def lock(self, reason: str = "button") -> None:
        """Lock the console now (audited on the command runner) and go home."""
        self.end(reason)
        self.shell.home()

    def end(self, reason: str) -> None:
        """Forget the session (the shell is going home); the lock is audited off the UI thread."""
        session, self.session = self.session, None
        if session is None:
            return
        staff = self.staff
        self.commands.submit(lambda: staff.lock(session, reason=reason))

    def _activity(self, *_: Any) -> None:
        if self.session is not None:
            self.session.touch()

    def check(self, _dt: float) -> None:
        if self.session is not None and self.session.locked:
            log.info("console idle for %.0f s: locked", self.session.idle_seconds)
            self.lock("idle")
