"""The kiosk's text fields (``KField`` and ``KWrapField`` in kiosk.kv).

``KField`` is a TextInput whose undo history ends with its text.
Kivy's TextInput (checked with 2.3.1) records every insert, backspace and deleted selection
in its undo list until ``reset_undo()`` is called, and setting ``text`` (what each screen's
``reset()`` does) does not clear it. A kiosk's fields live as long as the app and every
visitor types into them, so the history only grew: about 27 entries (~8 KiB) a visitor in
issue 13's soak, ~0.8 MiB per 100 visitors (the phone field alone held 480 entries after 40
visitors). It also kept the last visitors' keystrokes, which a Ctrl+Z on a physical
keyboard could replay.
So whenever the field is emptied (a screen's reset, or a visitor deleting everything) the
history goes with the text; within one visitor's typing, undo works as before.

``KWrapField`` holds one line of text (a name, a company) and shows all of it: it wraps onto
more lines and grows, and past ``max_lines`` its letters shrink, down to ``min_shrink`` of
their size (kiosk.kv: 28 sp, the visitor texts' size, in normal and large text alike), below
which it grows again. A name read whole at 28 sp beats one read in part at 60: a visitor in
a hurry checks the value at a glance, in the field they typed it in, and a long company in
large text at 1366x768 takes 9 lines at 42 sp, more than the column beside the keys holds.
A one-line field scrolled sideways showed a 60-character name's last 30: the visitor could
not check the start of what they typed.

An empty line (an empty field's only line) is Kivy's one transparent 1x1 texture
(``texture_1px`` of its core label), the same for every field for as long as the app runs.
TextInput would make a 1x1 texture of its own and keep it in its ``textinput.label`` cache,
which lets go of it after 60 s: a field emptied after that made another, while the fields not
emptied since held the old one, so the kiosk held one texture more than at start-up from
then on (issue 13's soak: 474 textures at visitor 20, 475 from visitor 30).

Also checked with 2.3.1: on Linux every TextInput, when built, loads ``kivy.core.clipboard``,
which probes xclip and xsel for the X cut buffer (middle-click paste) and logs a CRITICAL line
with a traceback when neither is installed. A touchscreen kiosk has no clipboard
(``KIVY_CLIPBOARD=dummy``, kiosk.launch) and no middle button, so TextInput is handed a
clipboard that keeps nothing before any field is built, and that module is never loaded.
"""

from __future__ import annotations

from typing import Any

import kivy.uix.textinput as textinput
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import NumericProperty
from kivy.uix.textinput import TextInput


class NoClipboard:
    """What TextInput asks of a clipboard (copy, cut, paste): nothing kept, nothing pasted."""

    def copy(self, data: str = "") -> None:
        """Nothing is kept: what a visitor typed never outlives their visit."""

    def paste(self) -> str:
        return ""


if textinput.Clipboard is None:
    textinput.Clipboard = NoClipboard()


class KField(TextInput):
    """A text field whose undo and redo history is dropped each time its text is emptied,
    and whose empty lines are all one texture."""

    #: the letters' size against the field's own (kiosk.kv multiplies its font size by it)
    shrink = NumericProperty(1.0)
    #: the lines its text takes (KWrapField; kiosk.kv's padding follows it)
    lines = NumericProperty(1)

    def _create_line_label(self, text: str, hint: bool = False) -> Any:
        if not text.replace("\n", ""):  # what TextInput draws as an empty line
            self._get_line_options()  # makes TextInput's own core label
            return self._label_cached.texture_1px
        return super()._create_line_label(text, hint)

    def on_text(self, _instance: object, text: str) -> None:
        if not text:
            self.reset_undo()


class KWrapField(KField):
    """A one-value field that wraps, grows and shrinks its letters to show its whole text."""

    #: lines at full size before the letters shrink
    max_lines = NumericProperty(3)
    #: the smallest shrink (kiosk.kv sets it to 28 sp's)
    min_shrink = NumericProperty(0.7)

    def __init__(self, **kwargs: Any) -> None:
        self._fitting = False
        super().__init__(**kwargs)
        self._fit_trigger = Clock.create_trigger(self.fit, -1)
        for name in ("text", "width", "max_lines", "min_shrink"):
            self.fbind(name, self._fit_trigger)

    def insert_text(self, substring: str, from_undo: bool = False) -> None:
        # one value on several lines: Enter goes on as in a one-line field, a pasted line
        # break becomes a space
        if substring == "\n":
            self.dispatch("on_text_validate")
            return
        super().insert_text(substring.replace("\r", "").replace("\n", " "), from_undo)

    def fit(self, *_: Any) -> None:
        """The largest shrink, in steps of 0.05, at which the text takes max_lines or fewer;
        min_shrink when none does."""
        if self._fitting or self.width <= 1:
            return
        self._fitting = True
        try:
            shrink = 1.0
            while True:
                self.shrink = shrink  # kiosk.kv sets font_size from it (the rule runs now)
                # TextInput measures with the line options and the label it made at the last
                # size until its refresh on the next frame, and caches those widths under the
                # new size (Kivy 2.3.1): make both at the size being tried first
                self._line_options = None
                self._get_line_options()
                lines, _flags = self._split_smart(self.text)
                if len(lines) <= self.max_lines or shrink - 0.05 < self.min_shrink - 1e-6:
                    break
                shrink = round(shrink - 0.05, 2)
            self.lines = len(lines)
        finally:
            self._fitting = False


Factory.register("KField", cls=KField)
Factory.register("KWrapField", cls=KWrapField)
