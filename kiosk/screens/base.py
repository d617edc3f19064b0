"""What every kiosk screen has: the services it was handed, a way to navigate, a reset."""

from __future__ import annotations

from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import Screen


class KioskScreen(Screen):
    #: true while the screen goes home by itself (its own countdown): no idle prompt over it
    goes_home_itself = False

    #: kiosk.services.Services, handed over by the app at start-up
    services = ObjectProperty(None, rebind=True)
    #: the app shell: navigation (go, home), language, translation
    shell = ObjectProperty(None, rebind=True)

    def t(self, key: str, **params: object) -> str:
        return self.shell.t(key, **params)

    def go(self, name: str) -> None:
        self.shell.go(name)

    def reset(self) -> None:
        """Forget everything shown or typed (idle timeout, next visitor)."""

    def on_language(self, lang: str) -> None:
        """The language changed while this screen exists; refresh computed texts."""
