"""One keyboard area for receptionist mode's forms: letters (with pinyin) for a name, digits
for a PIN, switching with the field that has focus (``attach``), so a form with both fits on
one screen in landscape and portrait."""

from __future__ import annotations

import os
from typing import Any

from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import NumericProperty, ObjectProperty, OptionProperty
from kivy.uix.boxlayout import BoxLayout

import kiosk.widgets.keyboard  # noqa: F401  (LetterKeyboard, DigitPad)

Builder.load_file(os.path.join(os.path.dirname(__file__), "console_keys.kv"))


class ConsoleKeys(BoxLayout):
    ime = ObjectProperty(None, allownone=True)
    recognizer = ObjectProperty(None, allownone=True)
    target = ObjectProperty(None, allownone=True)
    mode = OptionProperty("digits", options=["letters", "digits"])
    #: the letter keyboard's height (a form that needs the room makes it a little lower)
    letters_height = NumericProperty(dp(660))

    def attach(self, field: Any, mode: str) -> None:
        """Type into ``field`` with the ``mode`` keyboard (called when the field gets focus)."""
        if self.target is not field:
            self.ids.letters.clear()
        self.mode = mode
        self.target = field
