"""On-screen keyboards: letters with an English and a pinyin mode, and a digit pad.

The keyboard edits a target ``TextInput`` (whose ``keyboard_mode`` is ``managed``, so no
system keyboard pops up; a physical keyboard and the system input method still type into it).
In pinyin mode the letters typed form a composition shown above the keys, and the engine's
Chinese candidates appear in a bar: tapping one commits it and keeps any letters it did not
consume, as every desktop input method does.
"""

from __future__ import annotations

import os
from typing import Any

from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

Builder.load_file(os.path.join(os.path.dirname(__file__), "keyboard.kv"))

ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


class Key(Factory.Button):
    value = StringProperty("")


class LetterKeyboard(BoxLayout):
    target = ObjectProperty(None, allownone=True)
    #: kiosk.core.input.pinyin.PinyinEngine (or None: English only)
    ime = ObjectProperty(None, allownone=True)
    #: "pinyin" or "english"
    mode = StringProperty("pinyin")
    #: the form field, so the engine can rank surnames first in names
    field = StringProperty("text")
    composing = StringProperty("")
    candidates = ListProperty([])
    show_pinyin = BooleanProperty(True)
    #: a row of digits above the letters (invitation codes)
    digits = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        self._candidate_objs: list[Any] = []
        super().__init__(**kwargs)

    def on_kv_post(self, base_widget: Any) -> None:
        rows: tuple[tuple[str, str], ...] = (("1234567890", "row0"),) if self.digits else ()
        rows += tuple(zip(ROWS, ("row1", "row2", "row3"), strict=True))
        for row_letters, row_id in rows:
            row = self.ids[row_id]
            for ch in row_letters:
                key = Factory.Key(value=ch, text=ch)
                key.bind(on_release=lambda k: self.press(k.value))
                row.add_widget(key)

    # -- typing ------------------------------------------------------------------------------
    def press(self, letter: str) -> None:
        if self.mode == "pinyin" and self.ime is not None and letter.isalpha():
            self.composing += letter
            self._refresh_candidates()
            return
        if self.composing:  # a digit ends the composition, as in a desktop input method
            self._insert(self.composing)
            self.composing = ""
            self._refresh_candidates()
        self._insert(letter)

    def space(self) -> None:
        if self.composing:
            if self._candidate_objs:
                self.choose(0)
            else:
                self._insert(self.composing)
                self.composing = ""
                self._refresh_candidates()
        else:
            self._insert(" ")

    def backspace(self) -> None:
        if self.composing:
            self.composing = self.composing[:-1]
            self._refresh_candidates()
        elif self.target is not None:
            self.target.do_backspace()

    def choose(self, index: int) -> None:
        if index >= len(self._candidate_objs):
            return
        candidate = self._candidate_objs[index]
        self._insert(candidate.text)
        consumed = getattr(candidate, "consumed", len(self.composing))
        self.composing = self.composing[consumed:]
        self._refresh_candidates()

    def toggle_mode(self) -> None:
        if self.composing:
            self._insert(self.composing)
            self.composing = ""
        self.mode = "english" if self.mode == "pinyin" else "pinyin"
        self._refresh_candidates()

    def clear(self) -> None:
        self.composing = ""
        self._refresh_candidates()

    def _insert(self, text: str) -> None:
        if self.target is not None:
            self.target.insert_text(text)

    def _refresh_candidates(self) -> None:
        if self.mode == "pinyin" and self.ime is not None and self.composing:
            # what is already in the field tells the engine a surname was typed, so the next
            # syllable ranks given-name characters first
            context = self.target.text if self.target is not None else ""
            self._candidate_objs = list(
                self.ime.candidates(self.composing, field=self.field, context=context, limit=12)
            )
        else:
            self._candidate_objs = []
        self.candidates = [c.text for c in self._candidate_objs]
        bar = self.ids.candidate_bar
        bar.clear_widgets()
        for i, text in enumerate(self.candidates):
            button = Factory.CandidateButton(text=text)
            button.bind(on_release=lambda _b, i=i: self.choose(i))
            bar.add_widget(button)

    def composition_text(self) -> str:
        if not self.composing or self.ime is None:
            return self.composing
        segment = getattr(self.ime, "segment", None)
        return segment(self.composing) if segment else self.composing

    def on_composing(self, *_: Any) -> None:
        self.ids.composition.text = self.composition_text()


class DigitPad(BoxLayout):
    target = ObjectProperty(None, allownone=True)
    #: offer a "+" key for international numbers
    allow_plus = BooleanProperty(True)

    def press(self, digit: str) -> None:
        if self.target is not None:
            self.target.insert_text(digit)

    def backspace(self) -> None:
        if self.target is not None:
            self.target.do_backspace()

    def clear(self) -> None:
        """Nothing is composed on a digit pad; here so every keyboard can be cleared alike."""
