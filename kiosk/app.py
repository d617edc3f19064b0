"""KioskApp: builds the screens once, hands each the services it uses, and wires the shell.

What no single screen owns lives in kiosk/shell/: the command runner (use cases run on one
writer thread), the idle reset, the status bar, scanner routing and the lock-down. This module
only puts them and the screens together.
"""

from __future__ import annotations

import inspect
import logging
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import DEFAULT_FONT, LabelBase
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk.core.config.clock import Clock as KioskClock
from kiosk.core.config.i18n import translate
from kiosk.core.config.settings import Settings
from kiosk.core.visits.checkin import CheckinResult
from kiosk.core.visits.progress import CheckedIn, ProgressWatch
from kiosk.services import Services
from kiosk.shell.alert_dot import AlertDot
from kiosk.shell.background import background, shutdown
from kiosk.shell.collect import UiCollector, collect_all
from kiosk.shell.commands import CommandRunner
from kiosk.shell.emergency import EmergencyShell
from kiosk.shell.guidance import SpokenGuidance
from kiosk.shell.idle import IdleReset
from kiosk.shell.lockdown import Lockdown
from kiosk.shell.memory import release_free_memory
from kiosk.shell.reception import CONSOLE, CONSOLE_ENTRY, ReceptionShell, SiteName
from kiosk.shell.scanner import ScannerRouting
from kiosk.shell.screens import SCREENS, build_ahead, handed
from kiosk.shell.status_bar import StatusBar
from kiosk.shell.theme import Theme

log = logging.getLogger(__name__)
#: seconds the kiosk rests at the home screen before the heap's free pages are handed back
TRIM_AFTER_HOME = 20.0

HERE = Path(__file__).resolve().parent
ROOT_KV = HERE.parent / "kiosk.kv"


def cjk_font_path() -> Path:
    import pylopdf_fonts_zh_cn

    return Path(pylopdf_fonts_zh_cn.__file__).resolve().parent / "NotoSansSC-Regular.otf"


class KioskApp(App):
    lang = StringProperty("zh_CN")
    other_lang = StringProperty("en")
    site_name = StringProperty("")
    now_text = StringProperty("")
    sync_text = StringProperty("")
    #: an alert nobody has acknowledged: the top bar's discreet dot (kiosk.shell.alert_dot)
    alerts_open = BooleanProperty(False)
    locked = BooleanProperty(True)
    #: more than one visitor language offered (``kiosk.languages``): the top bar's switch shows
    bilingual = BooleanProperty(True)
    #: keyboard and main buttons in the lower half of a portrait screen (wheelchair users)
    lowered_keyboard = BooleanProperty(False)
    #: the one theme every kv rule reads its colours and text sizes from (kiosk.shell.theme):
    #: the visitor's accessibility modes switch it, the kiosk going home resets it
    theme = ObjectProperty(None, rebind=True)
    #: a voice for the speaker button (espeak-ng installed: ``services.speaker``)
    speech_available = BooleanProperty(False)
    #: the speech mode: every visitor screen read aloud on entry (``[kiosk] spoken_guidance``
    #: starts each visitor with it on; kiosk.shell.guidance)
    speech_on = BooleanProperty(False)

    def __init__(self, *, services: Services, lockdown: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services
        self.locked = lockdown
        self.title = "Lobby kiosk"
        self.lang = services.settings.kiosk.default_language
        self.other_lang = self._other(self.lang)
        self.bilingual = len(services.settings.kiosk.languages) > 1
        self.lowered_keyboard = services.settings.kiosk.lowered_keyboard
        self.theme = Theme(lowered=self.lowered_keyboard)
        self.guidance = SpokenGuidance(self)
        self.speech_available = self.guidance.available
        self.speech_on = self.speech_available and services.settings.kiosk.spoken_guidance
        #: use cases started from screens: one writer thread
        self.commands = CommandRunner(name="commands")
        #: reads the shell asks for (done screen progress, sync state), off the UI thread
        self.queries = CommandRunner(name="queries")
        self.progress = self._progress_watch(services)
        self.idle = IdleReset(self)
        self.collector = UiCollector()
        self.status_bar = StatusBar(
            self, sync=services.sync, records=services.records, queries=self.queries
        )
        self.alert_dot = AlertDot(self, queries=self.queries)
        self.scanner = ScannerRouting(
            self, checkin=services.checkin, records=services.records, commands=self.commands
        )
        self.lockdown = Lockdown(locked=lockdown)
        #: receptionist mode: the hidden entry, the console session and its auto-lock
        self.reception = ReceptionShell(self, commands=self.commands)
        #: emergency mode: the instructions on every kiosk of the site, check-in paused
        self.emergency = EmergencyShell(self)
        self._screens: dict[str, Any] = {}
        self._screen_classes: dict[str, Any] = {}
        self._timers: list[Any] = []

    # -- what the screens read live (tests and a settings reload replace them) -------------
    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def clock(self) -> KioskClock:
        return self.services.clock

    # -- build -------------------------------------------------------------------------------
    def build(self) -> Any:
        LabelBase.register(DEFAULT_FONT, fn_regular=str(cjk_font_path()))
        from kiosk.widgets import scroll_fix

        scroll_fix.apply()  # Kivy 2.3.1's ScrollView piles up observers
        import kiosk.widgets.access
        import kiosk.widgets.field  # registers KField, kiosk.kv's text field
        import kiosk.widgets.keyboard  # registers the keyboard classes
        import kiosk.widgets.scroll_column  # noqa: F401  (ScrollColumn: kiosk.kv's FormColumn)
        from kiosk.screens.base import KioskScreen

        Factory.register("KioskScreen", cls=KioskScreen)
        Factory.register("SiteName", cls=SiteName)
        self.idle.start()  # registers IdleOverlay before its kv rule is loaded
        Builder.load_file(str(ROOT_KV))
        Builder.load_file(str(HERE / "widgets" / "idle.kv"))
        from kivy.core.window import Window

        self.theme.follow(Window)  # large text's room, the background's colour
        root = Factory.KioskRoot()
        manager = root.ids.sm
        from kiosk.widgets.screen_switch import InstantTransition

        manager.transition = InstantTransition()  # each change drawn once, complete
        self.manager = manager
        loaded: set[str] = set()
        for name, module_name, class_name in SCREENS:
            module = __import__(module_name, fromlist=[class_name])
            kv = Path(inspect.getfile(module)).with_suffix(".kv")
            if kv.exists() and str(kv) not in loaded:
                Builder.load_file(str(kv))
                loaded.add(str(kv))
            self._screen_classes[name] = getattr(module, class_name)
        # only home is built now; the check-in's screens follow one by one while home waits
        # for the first visitor (build_ahead), every other screen when it is first needed,
        # which keeps start-up fast and memory low (a kiosk may never show some in a day)
        self.screen("home")
        if self.desk:  # the desk's console: the PIN pad is where it starts and returns to
            self.screen(self.start_screen)
            self.manager.current = self.start_screen
        self.status_bar.start()
        self.alert_dot.start()
        self.reception.start()
        self.emergency.start()
        self._timers = [
            # the input method's data loads after the first frame, off the UI thread, so the
            # first keystroke is instant and start-up is not slowed
            Clock.schedule_once(self._load_input_method, 1.0),
            build_ahead(self),  # the check-in's screens, while home waits for the first visitor
        ]
        # Window handlers run last-bound first: the idle reset sees every key before the
        # scanner or the lock-down may swallow it
        self.lockdown.start()
        self.scanner.start()
        self.collector.start()  # last: a failed start leaves automatic collection on (collect.py)
        return root

    def on_stop(self) -> None:
        try:
            for timer in self._timers:
                timer.cancel()
            parts = (self.status_bar, self.alert_dot, self.idle, self.scanner, self.lockdown)
            for part in (*parts, self.reception, self.emergency, self.guidance):
                part.stop()
            self.progress.unwatch()
            self.commands.stop()
            self.queries.stop()
            shutdown()
            self.services.stop()
        finally:
            self.collector.stop()  # automatic collection back on, whatever failed above

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
        self.status_bar.tick(0)
        for screen in self._screens.values():
            screen.on_language(lang)

    def toggle_language(self) -> None:
        self.set_language(self.other_lang)
        self.guidance.entered(self.manager.current_screen)  # the speech mode: in the new one
        session = self.reception.session
        if self.reception.signed_in() and self.services.admin is not None:
            # in the console the switch is the staff member's own choice, kept on their
            # account for their next PIN; the visitors' default language is not changed
            admin, lang = self.services.admin, self.lang
            self.commands.submit(
                lambda: admin.set_language(session.staff, lang),
                lambda member: setattr(session, "staff", member),
                lambda _error: self.show_message("console.language_not_saved"),
            )

    def _progress_watch(self, services: Services) -> ProgressWatch:
        watch = ProgressWatch(
            model=services.progress, store=services.store, submit=self.queries.submit
        )
        if services.print_queue is not None:
            services.print_queue.subscribe(watch.print_changed)
        if services.sync is not None:
            services.sync.on_pulled(watch.pulled)
        return watch

    def rewire(self) -> None:
        """Hand the shell and every screen built so far what ``self.services`` holds now, after
        its services were rebuilt (a new data directory, a settings reload)."""
        services = self.services
        self.bilingual = len(services.settings.kiosk.languages) > 1
        self.lowered_keyboard = services.settings.kiosk.lowered_keyboard
        self.speech_available = self.guidance.available
        self.speech_on = self.speech_available and services.settings.kiosk.spoken_guidance
        self.progress.unwatch()
        self.progress = self._progress_watch(services)
        self.status_bar.wire(sync=services.sync, records=services.records)
        self.scanner.checkin, self.scanner.records = services.checkin, services.records
        self.emergency.wire()
        for name, screen in self._screens.items():
            for key, value in self._handed(name).items():
                setattr(screen, key, value)

    # -- screens and what each is handed -----------------------------------------------------
    def _handed(self, name: str) -> dict[str, Any]:
        """The services screen ``name`` uses, and nothing else."""
        return handed(name, self.services, self.progress)

    def screen(self, name: str) -> Any:
        """The screen called ``name``, built on first use."""
        screen = self._screens.get(name)
        if screen is None:
            cls = self._screen_classes[name]
            screen = cls(name=name, shell=self, commands=self.commands, **self._handed(name))
            self.manager.add_widget(screen)
            self._screens[name] = screen
        return screen

    def screens(self) -> list[Any]:
        """The screens built so far."""
        return list(self._screens.values())

    @property
    def desk(self) -> bool:
        """``kiosk.role = "desk"``: always receptionist mode after a PIN, no visitor screens."""
        return self.services.settings.kiosk.role == "desk"

    @property
    def start_screen(self) -> str:
        """Where the kiosk rests: home for visitors, the PIN pad at the desk."""
        return "reception_pin" if self.desk else "home"

    def go(self, name: str) -> None:
        self.idle.activity()
        if name in CONSOLE and not self.reception.signed_in():
            name = "reception_pin"  # no way into the console without a PIN
        if self.desk and name not in (*CONSOLE, *CONSOLE_ENTRY):
            name = "reception_pin"  # the desk's console offers no visitor screen
        elif not self.desk:
            name = self.emergency.route(name)  # check-in paused during an emergency
        screen = self.screen(name)
        self.manager.current = name
        self.guidance.entered(screen)  # the speech mode reads it (a signal, never a wait)

    def home(self) -> None:
        """Back to the start, forgetting everything the last visitor typed or saw (and
        ending a staff member's console session)."""
        self.reception.end("home")
        self.services.flow.reset()
        for screen in self._screens.values():
            screen.reset()
        self.scanner.reset()
        self.idle.dismiss()
        self.close_message()
        self.set_language(self.services.settings.kiosk.default_language)
        self.theme.reset(lowered=self.lowered_keyboard)
        self.guidance.silence()
        self.speech_on = self.speech_available and self.settings.kiosk.spoken_guidance
        self.screen(self.start_screen)
        self.manager.current = self.start_screen
        if self.emergency.active and not self.desk:
            self.go("emergency_instructions")
        # the visitor's buffers (badge preview, maps) are freed: give the pages back once the
        # kiosk has rested at home a while (malloc_trim holds the allocator's lock as it walks
        # the heap, so a trim while the next visitor taps would stall the UI thread's frames)
        trim = getattr(self, "_trim", None)
        if trim is not None:
            trim.cancel()
        self._trim = Clock.schedule_once(self._trim_at_rest, TRIM_AFTER_HOME)

    def _trim_at_rest(self, _dt: float) -> None:
        if self.manager.current == self.start_screen:
            collect_all()  # the old garbage too, on the UI thread, while nobody waits
            background().run("memory-trim", release_free_memory, lambda _released: None)

    def show_result(self, outcome: CheckinResult | CheckedIn) -> None:
        """Done (or denied) for a committed check-in; with ``CheckedIn`` (the command of
        ``progress.opening``) Done opens with where to go and who is told already filled in."""
        opened = outcome if isinstance(outcome, CheckedIn) else CheckedIn(outcome)
        result, first = opened.result, opened.progress
        self.services.flow.reset()
        for name in ("phone", "name", "company", "host"):
            if name in self._screens:
                self._screens[name].reset()
        if result.denied:
            self.go("denied")
            return
        self.screen("done").show(result, first)
        self.go("done")

    def render_badge_preview(self, visit_id: str, deliver: Any) -> None:
        """Render the visit's badge off the UI thread; ``deliver((size, rgb_bytes))`` on the UI
        thread (only the newest preview asked for arrives)."""
        queue = self.services.print_queue
        if queue is None:
            return
        lang = self.lang

        def work() -> tuple[tuple[int, int], bytes]:
            from kiosk.core.badges.render import render_badge

            image = render_badge(queue.badge_data(visit_id, lang), queue.template).convert("RGB")
            # the pixels are copied out here: the UI thread only uploads them
            return image.size, image.tobytes()

        background().run("badge-preview", work, deliver)

    def _load_input_method(self, _dt: float) -> None:
        ime = self.services.ime
        if ime is not None:
            background().run("ime-load", ime.load, lambda _result: None)

    def apply_settings(self, new: Settings) -> None:
        """Put settings saved on the console in force (what can change without a restart):
        the services' part (a new printer is made there) off the UI thread, then the top bar."""
        from kiosk.services import apply_settings

        self.commands.submit(
            lambda: apply_settings(self.services, new),
            lambda _: setattr(self, "bilingual", len(new.kiosk.languages) > 1),
        )

    def speak(self) -> None:
        """The speaker button: the screen's instruction read aloud (kiosk.shell.guidance)."""
        self.idle.activity()
        self.guidance.speak()

    def still_here(self) -> None:
        self.idle.still_here()

    def exit_kiosk(self) -> None:
        """Leave the app (receptionist mode only)."""
        self.lockdown.allow_exit()
        self.stop()

    def show_message(self, key: str, **params: Any) -> None:
        """A short message over the screen for 4 s (a tap closes it); a new one replaces it
        instead of stacking (each open overlay would eat a tap)."""
        self.close_message()
        popup = self._message = Factory.MessageOverlay()
        popup.text = self.t(key, **params)
        popup.open(animation=False)
        Clock.schedule_once(lambda _dt: popup.dismiss(animation=False), 4)

    def close_message(self) -> None:
        popup, self._message = getattr(self, "_message", None), None
        if popup is not None:
            popup.dismiss(animation=False)
