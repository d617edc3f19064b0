"""Receptionist mode's settings (admin only): idle timeout, languages, the kiosk's role, the
printer with a test print, the desk channels' test message, the end of day; the retention
period and the site are shown, not edited (head office sets them). Leaving the app is here
too, behind a confirmation.

Edits stay on screen until Save (``ConsoleAdmin.save`` on the command runner writes the
settings file atomically and applies what it can at once); the test print and the channel
test run off the UI thread (``kiosk.shell.background``) and report back here.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import DictProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.core.config.errors import KioskError
from kiosk.screens.base import KioskScreen
from kiosk.shell.background import background

#: seconds between two looks at the test badge, and how long to look
POLL_EVERY = 0.3
POLL_FOR = 60.0


def minutes_of(hhmm: str) -> int:
    hh, mm = (int(x) for x in hhmm.split(":"))
    return hh * 60 + mm


def hhmm(minutes: int) -> str:
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class ConfirmLeave(ModalView):
    """ "Close the app?" with Cancel and Close; ``on_confirm`` when Close is pressed."""

    __events__ = ("on_confirm",)

    def confirm(self) -> None:
        self.dismiss(animation=False)
        self.dispatch("on_confirm")

    def on_confirm(self) -> None:
        pass


Factory.register("ConfirmLeave", cls=ConfirmLeave)


class ReceptionSettingsScreen(KioskScreen):
    goes_home_itself = True  # the console locks itself (kiosk.shell.reception)
    reception = ObjectProperty(None)
    #: kiosk.core.reception.admin.ConsoleAdmin
    admin = ObjectProperty(None)
    #: kiosk.core.reception.admin.SettingsView as last read
    view = ObjectProperty(None, allownone=True)
    #: the values shown ("section.key" → value), saved or not
    values = DictProperty({})
    #: the printer queues CUPS offers (for the cups backend)
    queues = ListProperty([])
    #: what the test print, the channel test and saving said (shown translated)
    print_key = StringProperty("")
    channel_text = StringProperty("")
    saved_key = StringProperty("")
    saved_params = DictProperty({})

    def __init__(self, **kwargs: Any) -> None:
        self._poll: Any = None
        self._confirm: Any = None
        super().__init__(**kwargs)

    @property
    def staff(self) -> Any:
        session = self.shell.reception.session
        return session.staff if session is not None else None

    def on_pre_enter(self, *_: Any) -> None:
        self.reset()
        staff, admin = self.staff, self.admin
        if staff is None or staff.role != "admin":
            self.go("reception_board")
            return
        settings = self.shell.settings
        self.run(lambda: admin.view(staff, settings), self._shown)
        background().run("console-queues", lambda: admin.printer_queues(staff), self._queues)

    def _shown(self, view: Any) -> None:
        self.view = view
        self.values = dict(view.values)
        self._fill_queues()

    def _queues(self, queues: list[str]) -> None:
        self.queues = queues
        self._fill_queues()

    def _fill_queues(self) -> None:
        """One button per CUPS queue, the chosen one down."""
        box = self.ids.queues
        box.clear_widgets()
        chosen = self.values.get("printer.queue", "")
        for name in self.queues:
            button = Factory.SettingChoice(text=name)
            button.state = "down" if name == chosen else "normal"
            button.bind(on_release=lambda _b, q=name: self.set_value("printer.queue", q))
            box.add_widget(button)

    @staticmethod
    def val(values: dict[str, Any], name: str, default: Any = None) -> Any:
        """``values[name]`` for kv (passing ``root.values`` makes kv follow its changes)."""
        return values.get(name, default)

    # -- edits --------------------------------------------------------------------------
    def set_value(self, name: str, value: Any) -> None:
        self.values[name] = value
        self.saved_key = ""
        if name == "printer.queue":
            self._fill_queues()

    def step_idle(self, seconds: float) -> None:
        now = float(self.values.get("kiosk.idle_timeout", 45.0))
        self.set_value("kiosk.idle_timeout", max(10.0, min(3600.0, now + seconds)))

    def step_end_of_day(self, minutes: int) -> None:
        now = minutes_of(self.values.get("checkin.end_of_day", "22:00"))
        self.set_value("checkin.end_of_day", hhmm(now + minutes))

    def toggle_language(self, lang: str) -> None:
        langs = list(self.values.get("kiosk.languages", ()))
        langs = [x for x in langs if x != lang] if lang in langs else [*langs, lang]
        self.set_value("kiosk.languages", tuple(x for x in ("zh_CN", "en") if x in langs))

    def save(self) -> None:
        staff, admin = self.staff, self.admin
        if staff is None or self.view is None:
            return
        changes = {k: v for k, v in self.values.items() if self.view.values.get(k) != v}
        current = self.shell.settings

        def save() -> tuple[Any, Any]:
            result = admin.save(staff, changes, current)
            return result, admin.view_of(result.settings)  # it reads the store: not on the UI

        self.run(save, self._saved)

    def _saved(self, saved: tuple[Any, Any]) -> None:
        result, view = saved
        if result.changed:
            self.shell.apply_settings(result.settings)
        self.view = view
        self.values = dict(self.view.values)
        if not result.changed:
            self.saved_key = "console.nothing_changed"
        elif result.restart:
            self.saved_params = {"keys": ", ".join(result.restart)}
            self.saved_key = "console.saved_restart"
        else:
            self.saved_key = "console.saved"

    def console_language(self, lang: str) -> None:
        """The signed-in staff member's own console language (saved on their account)."""
        staff, admin, session = self.staff, self.admin, self.shell.reception.session
        if staff is None:
            return

        def done(member: Any) -> None:
            session.staff = member
            self.shell.set_language(lang)

        self.run(lambda: admin.set_language(staff, lang), done)

    # -- tests --------------------------------------------------------------------------
    def test_print(self) -> None:
        staff, admin, lang = self.staff, self.admin, self.shell.lang
        self.print_key = "console.test_print_queued"
        self.run(lambda: admin.test_print(staff, lang), self._follow_print, self._print_refused)

    def _print_refused(self, error: KioskError) -> None:
        self.print_key = error.message_key

    def _follow_print(self, test_id: str) -> None:
        admin, staff, started = self.admin, self.staff, Clock.get_time()

        def look(_dt: float = 0) -> None:
            background().run("console-test-print", lambda: admin.print_status(staff, test_id), seen)

        def seen(status: Any) -> None:
            if status.state == "printed":
                self.print_key = "console.test_print_done"
            elif status.state == "failed":
                self.print_key = status.error_key or "badge.printer.error"
            elif Clock.get_time() - started < POLL_FOR and self._poll is not None:
                self._poll = Clock.schedule_once(look, POLL_EVERY)
                return
            self._poll = None

        self._poll = Clock.schedule_once(look, 0)

    def test_channels(self) -> None:
        staff, admin, lang, settings = self.staff, self.admin, self.shell.lang, self.shell.settings
        self.channel_text = self.t("console.channel_testing")

        def work() -> Any:
            try:
                return admin.test_channels(staff, lang, settings)
            except KioskError as e:
                return e

        background().run("console-channel-test", work, self._channels_tested)

    def _channels_tested(self, outcome: Any) -> None:
        if isinstance(outcome, KioskError):
            self.channel_text = self.t(outcome.message_key)
            return
        lines = []
        for r in outcome:
            said = self.t(r.error_key) if r.error_key else self.t("console.channel_ok")
            lines.append(f"{r.channel}: {said}")
        self.channel_text = "\n".join(lines)

    # -- leaving ------------------------------------------------------------------------
    def ask_leave(self) -> None:
        confirm = Factory.ConfirmLeave()
        confirm.bind(on_confirm=lambda *_: self.leave())
        confirm.open(animation=False)
        self._confirm = confirm

    def leave(self) -> None:
        staff, admin = self.staff, self.admin
        if staff is None:
            return
        self.run(lambda: admin.leave(staff), lambda _r: self.shell.exit_kiosk())

    def back(self) -> None:
        self.go("reception_board")

    def reset(self) -> None:
        super().reset()
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None
        self.print_key = self.saved_key = self.channel_text = ""
