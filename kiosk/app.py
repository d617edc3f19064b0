"""KioskApp: builds the screens once, hands them the services, and runs the shell.

The shell owns what no single screen owns: the language, the clock in the top bar, the idle
reset ("Are you still there?"), scanner input on every screen (badges check out, invitation
codes check in), and the lock-down (no exit by Escape, close request or Alt+F4).
"""

from __future__ import annotations

import inspect
import logging
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import DEFAULT_FONT, LabelBase
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.core.config.errors import KioskError
from kiosk.core.config.i18n import translate
from kiosk.core.models import Visit
from kiosk.core.visits.checkin import CheckinResult
from kiosk.core.visits.scanner import ScanDetector
from kiosk.services import Services

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
ROOT_KV = HERE.parent / "kiosk.kv"

#: screen name → (module, class); the order is the order of ``kiosk tour``
SCREENS: list[tuple[str, str, str]] = [
    ("home", "kiosk.screens.home", "HomeScreen"),
    ("phone", "kiosk.screens.checkin", "PhoneScreen"),
    ("name", "kiosk.screens.checkin", "NameScreen"),
    ("company", "kiosk.screens.checkin", "CompanyScreen"),
    ("purpose", "kiosk.screens.checkin", "PurposeScreen"),
    ("host", "kiosk.screens.checkin", "HostScreen"),
    ("consent", "kiosk.screens.checkin", "ConsentScreen"),
    ("confirm", "kiosk.screens.checkin", "ConfirmScreen"),
    ("done", "kiosk.screens.checkin", "DoneScreen"),
    ("denied", "kiosk.screens.checkin", "DeniedScreen"),
    ("invite_code", "kiosk.screens.checkin", "InviteCodeScreen"),
    ("invitation", "kiosk.screens.checkin", "InvitationScreen"),
    ("checkout", "kiosk.screens.checkout", "CheckoutScreen"),
    ("goodbye", "kiosk.screens.checkout", "GoodbyeScreen"),
    ("directions", "kiosk.screens.directions", "DirectionsScreen"),
    ("help", "kiosk.screens.info", "HelpScreen"),
]


def cjk_font_path() -> Path:
    import pylopdf_fonts_zh_cn

    return Path(pylopdf_fonts_zh_cn.__file__).resolve().parent / "NotoSansSC-Regular.otf"


class IdleOverlay(ModalView):
    remaining = NumericProperty(0)


class KioskApp(App):
    lang = StringProperty("zh_CN")
    other_lang = StringProperty("en")
    site_name = StringProperty("")
    now_text = StringProperty("")
    sync_text = StringProperty("")
    locked = BooleanProperty(True)

    def __init__(self, *, services: Services, lockdown: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services
        self.locked = lockdown
        self.title = "Lobby kiosk"
        settings = services.settings
        self.lang = settings.kiosk.default_language
        self.other_lang = self._other(self.lang)
        self._last_activity = services.clock.monotonic()
        self._idle: IdleOverlay | None = None
        self._scan = ScanDetector()
        self._screens: dict[str, Any] = {}
        self._screen_classes: dict[str, Any] = {}
        self._timers: list[Any] = []
        self._allow_exit = False

    # -- build -------------------------------------------------------------------------------
    def build(self) -> Any:
        LabelBase.register(DEFAULT_FONT, fn_regular=str(cjk_font_path()))
        import kiosk.widgets.keyboard  # noqa: F401  (registers the keyboard classes)
        from kiosk.screens.base import KioskScreen

        Factory.register("KioskScreen", cls=KioskScreen)
        Factory.register("IdleOverlay", cls=IdleOverlay)
        Builder.load_file(str(ROOT_KV))
        Builder.load_file(str(HERE / "widgets" / "idle.kv"))
        root = Factory.KioskRoot()
        manager = root.ids.sm
        from kivy.uix.screenmanager import NoTransition

        manager.transition = NoTransition()
        self.manager = manager
        loaded: set[str] = set()
        for name, module_name, class_name in SCREENS:
            module = __import__(module_name, fromlist=[class_name])
            kv = Path(inspect.getfile(module)).with_suffix(".kv")
            if kv.exists() and str(kv) not in loaded:
                Builder.load_file(str(kv))
                loaded.add(str(kv))
            self._screen_classes[name] = getattr(module, class_name)
        # only home is built now; every other screen when it is first needed, which keeps
        # start-up fast and memory low (a kiosk may never show some screens in a day)
        self.screen("home")
        self._tick(0)
        self._timers = [
            Clock.schedule_interval(self._tick, 1.0),
            Clock.schedule_interval(self._check_idle, 0.25),
            Clock.schedule_interval(self._end_of_day, 60.0),
            # the input method's data loads after the first frame, off the UI thread, so the
            # first keystroke is instant and start-up is not slowed
            Clock.schedule_once(self._load_input_method, 1.0),
        ]
        Window.bind(
            on_touch_down=self._activity,
            on_key_down=self._on_key_down,
            on_textinput=self._on_textinput,
            on_request_close=self._on_request_close,
        )
        if self.locked:
            Window.show_cursor = False
            Window.allow_screensaver = False
        return root

    def on_stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        Window.unbind(
            on_touch_down=self._activity,
            on_key_down=self._on_key_down,
            on_textinput=self._on_textinput,
            on_request_close=self._on_request_close,
        )
        self.services.stop()

    # -- language ----------------------------------------------------------------------------
    @staticmethod
    def _other(lang: str) -> str:
        return "en" if lang == "zh_CN" else "zh_CN"

    def t(self, key: str, lang: str | None = None, **params: Any) -> str:
        """A message in ``lang`` (kv passes ``app.lang`` so the text follows the switch)."""
        if not key:
            return ""
        return translate(key, lang or self.lang, **params)

    def set_language(self, lang: str) -> None:
        self.lang = lang
        self.other_lang = self._other(lang)
        self._tick(0)
        for screen in self._screens.values():
            screen.on_language(lang)

    def toggle_language(self) -> None:
        self.set_language(self.other_lang)

    # -- navigation --------------------------------------------------------------------------
    def screen(self, name: str) -> Any:
        """The screen called ``name``, built on first use."""
        screen = self._screens.get(name)
        if screen is None:
            cls = self._screen_classes[name]
            screen = cls(name=name, services=self.services, shell=self)
            self.manager.add_widget(screen)
            self._screens[name] = screen
        return screen

    def go(self, name: str) -> None:
        self._activity()
        self.screen(name)
        self.manager.current = name

    def home(self) -> None:
        """Back to the start, forgetting everything the last visitor typed or saw."""
        self.services.flow.reset()
        for screen in self._screens.values():
            screen.reset()
        self._scan.reset()
        self._dismiss_idle()
        self.set_language(self.services.settings.kiosk.default_language)
        self.manager.current = "home"

    def show_result(self, result: CheckinResult) -> None:
        self.services.flow.reset()
        for name in ("phone", "name", "company", "host"):
            if name in self._screens:
                self._screens[name].reset()
        if result.denied:
            self.go("denied")
            return
        self.screen("done").show(result)
        self.go("done")

    # -- status texts for the done screen ----------------------------------------------------
    def route_summary(self, visit: Visit) -> str:
        directions = self.services.directions
        if directions is None:
            return ""
        try:
            return str(directions.summary_for_visit(visit, self.lang))
        except KioskError:
            return ""

    def notify_text(self, visit: Visit) -> str:
        """Who was told, and whether they are coming (read from the notifier's records)."""
        notifier = self.services.notifier
        if notifier is None:
            return ""
        return str(notifier.status_for(visit.id, self.lang).text())

    def print_text(self, visit: Visit) -> str:
        """Printing, collect your badge, or collect it at reception: never a hang."""
        queue = self.services.print_queue
        if queue is None:
            return ""
        status = queue.status_for(visit.id)
        return self.t(status.message_key) if status.message_key else ""

    def render_badge_preview(self, visit_id: str, deliver: Any) -> None:
        """Render the visit's badge on a worker thread; ``deliver(image)`` on the UI thread."""
        queue = self.services.print_queue
        if queue is None:
            return
        lang = self.lang

        def work() -> None:
            try:
                from kiosk.core.badges.render import render_badge

                image = render_badge(queue.badge_data(visit_id, lang), queue.template)
            except Exception:  # a preview is a courtesy: never let it disturb the visitor
                log.exception("badge preview failed")
                return
            Clock.schedule_once(lambda _dt: deliver(image), 0)

        import threading

        threading.Thread(target=work, name="badge-preview", daemon=True).start()

    # -- clock and sync status ---------------------------------------------------------------
    def _tick(self, _dt: float) -> None:
        settings = self.services.settings
        self.site_name = settings.site.name_zh if self.lang == "zh_CN" else settings.site.name_en
        from zoneinfo import ZoneInfo

        now = self.services.clock.now().astimezone(ZoneInfo(settings.site.timezone))
        self.now_text = now.strftime("%H:%M")
        sync = self.services.sync
        if sync is not None:
            status = sync.status()
            if status.online and status.rejected:
                self.sync_text = self.t("shell.online_rejected", rejected=status.rejected)
            elif status.online:
                self.sync_text = self.t("shell.online")
            elif status.offline_since is not None:
                since = status.offline_since.astimezone(ZoneInfo(settings.site.timezone))
                self.sync_text = self.t(
                    "shell.offline_since", since=since.strftime("%H:%M"), pending=status.pending
                )
            else:
                self.sync_text = self.t("shell.offline", pending=status.pending)

    def _load_input_method(self, _dt: float) -> None:
        ime = self.services.ime
        if ime is not None:
            import threading

            threading.Thread(target=ime.load, name="ime-load", daemon=True).start()

    def _end_of_day(self, _dt: float) -> None:
        """Close visits left open past the end of day, off the UI thread."""
        import threading

        def work() -> None:
            try:
                self.services.checkin.run_end_of_day_if_due()
            except KioskError:
                log.exception("end-of-day check-out failed")

        threading.Thread(target=work, name="end-of-day", daemon=True).start()

    # -- idle reset --------------------------------------------------------------------------
    def _activity(self, *_: Any) -> None:
        self._last_activity = self.services.clock.monotonic()

    def _check_idle(self, _dt: float) -> None:
        if self.manager.current == "home" or self.manager.current_screen.goes_home_itself:
            self._dismiss_idle()
            return
        settings = self.services.settings.kiosk
        idle_for = self.services.clock.monotonic() - self._last_activity
        if idle_for < settings.idle_timeout:
            self._dismiss_idle()
            return
        remaining = settings.idle_timeout + settings.idle_countdown - idle_for
        if remaining <= 0:
            self.home()
            return
        if self._idle is None:
            self._idle = Factory.IdleOverlay()
            self._idle.bind(on_dismiss=lambda *_: setattr(self, "_idle", None))
            self._idle.open(animation=False)
        self._idle.remaining = int(remaining + 0.999)

    def still_here(self) -> None:
        self._activity()
        self._dismiss_idle()

    def _dismiss_idle(self) -> None:
        if self._idle is not None:
            idle, self._idle = self._idle, None
            idle.dismiss(animation=False)

    # -- keyboard: scanner bursts and lock-down ----------------------------------------------
    def _on_textinput(self, _window: Any, text: str) -> None:
        self._activity()
        self._scan.feed(text, self.services.clock.monotonic())

    def _on_key_down(self, _window: Any, key: int, _scancode: Any, _text: Any, modifiers: Any):
        self._activity()
        if key == 27:  # Escape never leaves the kiosk
            return True
        if key == 285 and "alt" in modifiers:  # Alt+F4
            return True
        if key in (13, 271):
            code = self._scan.enter(self.services.clock.monotonic())
            if code:
                Clock.schedule_once(lambda _dt: self.handle_scan(code), 0)
                return True
        return False

    def _on_request_close(self, *_: Any, **__: Any) -> bool:
        return not self._allow_exit

    def exit_kiosk(self) -> None:
        """Leave the app (receptionist mode only)."""
        self._allow_exit = True
        self.stop()

    def handle_scan(self, code: str) -> None:
        """A scanner burst on any screen: an invitation checks in, a badge checks out."""
        self._strip_scan_from_focused_field(code)
        checkin = self.services.checkin
        if self.services.records.invitation_by_code(code) is not None:
            self.screen("invitation").show(code)
            self.go("invitation")
            return
        try:
            checkin.check_out_by_badge(code)
        except KioskError as e:
            self.show_message(e.message_key)
            return
        self.go("goodbye")

    def _strip_scan_from_focused_field(self, code: str) -> None:
        """A scan typed into whatever field had focus: take those characters out again."""
        for screen in self._screens.values():
            field = screen.ids.get("field")
            if field is None or not field.focus:
                continue
            typed = field.input_filter(code, False) if callable(field.input_filter) else code
            if typed and field.text.endswith(typed):
                field.text = field.text[: -len(typed)]

    def show_message(self, key: str) -> None:
        popup = Factory.MessageOverlay()
        popup.text = self.t(key)
        popup.open(animation=False)
        Clock.schedule_once(lambda _dt: popup.dismiss(animation=False), 4)
