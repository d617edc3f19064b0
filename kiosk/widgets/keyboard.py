"""On-screen keyboards: letters with an English and a pinyin mode (and a writing pad), and a
digit pad.

The keyboard edits a target ``TextInput`` (whose ``keyboard_mode`` is ``managed``, so no
system keyboard pops up; a physical keyboard and the system input method still type into it).
Every letter keyboard has a digits row, Shift (one letter) and caps lock, hyphen, apostrophe
and period, so "Anna-Maria O'Neill", "3M" and "58同城" can be typed. In pinyin mode lower-case
letters form a composition shown above the keys, and the engine's Chinese candidates appear in
a paged bar (``candidates.py``): tapping one commits it and keeps any letters it did not
consume, as every desktop input method does; capitals, digits and punctuation go straight in.
Where the handwriting recogniser is installed, a Write key swaps the keys for a writing pad.

Large text on a small panel (``theme.compact``: 1280x800, 1366x768) leaves the keyboard about
420-450 px of height beside the form: four rows of keys, the candidates and the bottom row
cannot all be 1.5x there. The keyboard then has three rows of keys, the letters as on every
keyboard, and the digits on a second page of the top row (the 123 key; ABC goes back), so
every key and candidate keeps 1.5x: a name or a company is letters, a digit now and then.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kivy.core.text import Label as CoreLabel
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout

from kiosk.widgets import candidates as _candidates  # registers CandidateBar for the .kv

Builder.load_file(os.path.join(os.path.dirname(__file__), "keyboard.kv"))

ROWS = ("1234567890", "qwertyuiop", "asdfghjkl'", "zxcvbnm-.")
#: candidates fetched per keystroke; paging past them fetches the rest
FETCH = 3 * _candidates.PAGE_SIZE
FETCH_ALL = 600


@dataclass(frozen=True, slots=True)
class Offer:
    """A bar entry that is not a pinyin candidate: replaces the whole field with ``text``
    ("anna smith" -> "Anna Smith")."""

    text: str


def title_case(text: str) -> str:
    """Each word capitalised, hyphenated and apostrophe parts too: "o'neill-smith" ->
    "O'Neill-Smith"."""
    out = []
    start = True
    for ch in text:
        out.append(ch.upper() if start else ch)
        start = ch in " -'"
    return "".join(out)


@lru_cache(maxsize=512)
def em_width(text: str, font_name: str) -> float:
    """A character of ``text`` is this many font sizes wide on average, as Kivy draws it in
    ``font_name`` (Chinese about 1, "Delete" 0.49, "ABC" 0.64): measured once per label."""
    label = CoreLabel(text=text, font_size=100, font_name=font_name)
    label.refresh()
    return max(0.3, label.texture.width / 100 / max(1, len(text))) if text else 1.0


class Key(Factory.Button):
    value = StringProperty("")
    #: the least and the most font size its label takes (0: the keyboard's 34 sp, and 1.5x
    #: of it in large text); between them, as much as the key's width holds
    floor = NumericProperty(0)
    cap = NumericProperty(0)
    #: a character's width in font sizes (``em_width``)
    em = NumericProperty(1.0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fbind("text", self._measure)
        self.fbind("font_name", self._measure)
        self._measure()

    def _measure(self, *_: Any) -> None:
        self.em = em_width(self.text, self.font_name)


class LetterKeyboard(BoxLayout):
    target = ObjectProperty(None, allownone=True)
    #: kiosk.core.input.pinyin.PinyinEngine (or None: English only)
    ime = ObjectProperty(None, allownone=True)
    #: kiosk.core.input.handwriting.Recognizer, or None where Zinnia is not installed
    recognizer = ObjectProperty(None, allownone=True)
    #: "pinyin" or "english"
    mode = StringProperty("pinyin")
    #: the form field, so the engine can rank surnames first in names
    field = StringProperty("text")
    composing = StringProperty("")
    candidates = ListProperty([])
    show_pinyin = BooleanProperty(True)
    #: kept for screens that asked for digits: every letter keyboard has them now
    digits = BooleanProperty(True)
    shift = BooleanProperty(False)
    caps = BooleanProperty(False)
    #: the writing pad is shown instead of the keys
    writing = BooleanProperty(False)
    #: three rows of keys, the digits on a second page of the top row (the kv binds it to
    #: ``app.theme.compact``: large text on a small panel)
    compact = BooleanProperty(False)
    #: the top row shows the digits instead of q-p (compact only)
    numbers = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        self._candidate_objs: list[Any] = []
        self._row0: Any = None
        super().__init__(**kwargs)

    def on_kv_post(self, base_widget: Any) -> None:
        for row_letters, row_id in zip(ROWS, ("row0", "row1", "row2", "row3"), strict=True):
            row = self.ids[row_id]
            for ch in row_letters:
                key = Factory.Key(value=ch, text=ch)
                key.bind(on_release=lambda k: self.press(k.value))
                row.add_widget(key)
        self.ids.candidate_bar.bind(on_choose=lambda _bar, c: self._chosen(c))
        self._row0 = self.ids["keys"].children[-1]  # the widget, not the ids' proxy
        self.on_compact()

    @property
    def upper(self) -> bool:
        return self.shift or self.caps

    def on_shift(self, *_: Any) -> None:
        self._label_keys()

    def on_caps(self, *_: Any) -> None:
        self._label_keys()

    def on_compact(self, *_: Any) -> None:
        if self._row0 is None:
            return  # the rule is still being applied: on_kv_post comes back here
        keys, row0 = self.ids["keys"], self._row0
        if self.compact and row0.parent is not None:
            keys.remove_widget(row0)  # no room, and no spacing, for a row of nothing
        elif not self.compact and row0.parent is None:
            keys.add_widget(row0, index=len(keys.children))
        self.numbers = False
        if self.compact:
            self.caps = False  # no caps lock key to turn it off with

    def on_numbers(self, *_: Any) -> None:
        self._label_keys()

    def toggle_numbers(self) -> None:
        self.numbers = self.compact and not self.numbers

    def _label_keys(self) -> None:
        top = ROWS[0] if self.numbers else ROWS[1]
        # row1's keys are its children in reverse: Kivy adds each at the front
        for key, value in zip(reversed(self.ids.row1.children), top, strict=True):
            key.value = value
        for row_id in ("row1", "row2", "row3"):
            for key in self.ids[row_id].children:
                key.text = key.value.upper() if self.upper else key.value

    # -- typing ------------------------------------------------------------------------------
    def press(self, letter: str) -> None:
        if letter.isalpha() and self.upper:
            letter = letter.upper()
            self.shift = False  # Shift is for one letter; caps lock stays
        pinyin = self.mode == "pinyin" and self.ime is not None
        if pinyin and letter.isalpha() and letter.islower():
            self.composing += letter
            self._refresh_candidates()
            return
        if pinyin and letter == "'" and self.composing:
            self.composing += letter  # a syllable boundary: xi'an
            self._refresh_candidates()
            return
        if self.composing:  # a digit or a capital ends the composition, letters as typed
            self._insert(self.composing)
            self.composing = ""
        self._insert(letter)
        self._refresh_candidates()

    def toggle_shift(self) -> None:
        self.shift = not self.shift

    def toggle_caps(self) -> None:
        self.caps = not self.caps
        self.shift = False

    def space(self) -> None:
        """Space commits the composition's first candidate, as desktop input methods do (the
        visitor sees it first in the bar); with nothing composed it types a space."""
        if self.composing:
            if self._candidate_objs:
                self.choose(0)
            else:
                self._insert(self.composing)
                self.composing = ""
                self._refresh_candidates()
        else:
            self._insert(" ")
            self._refresh_candidates()

    def backspace(self) -> None:
        if self.composing:
            self.composing = self.composing[:-1]
        elif self.target is not None:
            self.target.do_backspace()
        self._refresh_candidates()

    def choose(self, index: int) -> None:
        """Choose the ``index``-th candidate of the page the bar shows."""
        self.ids.candidate_bar.choose(index)

    def _chosen(self, candidate: Any) -> None:
        if isinstance(candidate, Offer):
            if self.target is not None:
                self.target.text = candidate.text
            self._refresh_candidates()
            return
        if getattr(candidate, "stroke_based", False):  # from the writing pad
            self._insert(candidate.text)
            self.ids.pad.clear()
            return
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

    def toggle_writing(self) -> None:
        if self.recognizer is None:
            return
        if self.composing:
            self._insert(self.composing)
            self.composing = ""
        self.writing = not self.writing
        self.ids.pad.clear()
        self._refresh_candidates()

    def clear(self) -> None:
        """Back to the keys with nothing composed, written or shifted (the next visitor)."""
        self.composing = ""
        self.shift = False
        self.caps = False
        self.numbers = False
        if self.writing:
            self.ids.pad.clear()
            self.writing = False
        self._refresh_candidates()

    def _insert(self, text: str) -> None:
        if self.target is not None:
            self.target.insert_text(text)

    # -- the candidate bar -------------------------------------------------------------------
    def show_written(self, guesses: list[Any]) -> None:
        """Candidates from the writing pad, after every stroke."""
        self._candidate_objs = list(guesses)
        self.candidates = [c.text for c in self._candidate_objs]
        self.ids.candidate_bar.show(self._candidate_objs)

    def _fetch(self, limit: int) -> list[Any]:
        context = self.target.text if self.target is not None else ""
        # what is already in the field tells the engine a surname was typed, so the next
        # syllable ranks given-name characters first
        return list(
            self.ime.candidates(self.composing, field=self.field, context=context, limit=limit)
        )

    def _all_characters(self) -> list[Any]:
        context = self.target.text if self.target is not None else ""
        return list(self.ime.characters(self.composing, field=self.field, context=context))

    def _refresh_candidates(self) -> None:
        bar = self.ids.candidate_bar
        if self.mode == "pinyin" and self.ime is not None and self.composing:
            self._candidate_objs = self._fetch(FETCH)
            self.candidates = [c.text for c in self._candidate_objs]
            bar.show(
                self._candidate_objs,
                maybe_more=len(self._candidate_objs) >= FETCH,
                load_more=lambda: self._fetch(FETCH_ALL),
                load_all=self._all_characters,
            )
            return
        offer = self._title_case_offer()
        self._candidate_objs = [offer] if offer is not None else []
        self.candidates = [c.text for c in self._candidate_objs]
        bar.show(self._candidate_objs)

    def _title_case_offer(self) -> Offer | None:
        """ "Anna Smith" for a name typed all in lower case (a name is never all lower case)."""
        if self.field != "name" or self.target is None:
            return None
        text = self.target.text
        if not any(ch.isascii() and ch.isalpha() for ch in text) or text != text.lower():
            return None
        titled = title_case(text)
        return Offer(titled) if titled != text else None

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
    #: what that key types ("X" for the last character of an ID number)
    plus_key = StringProperty("+")

    def press(self, digit: str) -> None:
        if self.target is not None:
            self.target.insert_text(digit)

    def backspace(self) -> None:
        if self.target is not None:
            self.target.do_backspace()

    def clear(self) -> None:
        """Nothing is composed on a digit pad; here so every keyboard can be cleared alike."""
