"""The kiosk's text field (``KField`` in kiosk.kv): a TextInput whose undo history ends with
its text.

Kivy's TextInput (checked with 2.3.1) records every insert, backspace and deleted selection
in its undo list until ``reset_undo()`` is called, and setting ``text`` (what each screen's
``reset()`` does) does not clear it. A kiosk's fields live as long as the app and every
visitor types into them, so the history only grew: about 27 entries (~8 KiB) a visitor in
issue 13's soak, ~0.8 MiB per 100 visitors (the phone field alone held 480 entries after 40
visitors). It also kept the last visitors' keystrokes, which a Ctrl+Z on a physical
keyboard could replay.
So whenever the field is emptied (a screen's reset, or a visitor deleting everything) the
history goes with the text; within one visitor's typing, undo works as before.

Also checked with 2.3.1: on Linux every TextInput, when built, loads ``kivy.core.clipboard``,
which probes xclip and xsel for the X cut buffer (middle-click paste) and logs a CRITICAL line
with a traceback when neither is installed. A touchscreen kiosk has no clipboard
(``KIVY_CLIPBOARD=dummy``, kiosk.launch) and no middle button, so TextInput is handed a
clipboard that keeps nothing before any field is built, and that module is never loaded.
"""

from __future__ import annotations

import kivy.uix.textinput as textinput
from kivy.factory import Factory
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
    """A text field whose undo and redo history is dropped each time its text is emptied."""

    def on_text(self, _instance: object, text: str) -> None:
        if not text:
            self.reset_undo()


Factory.register("KField", cls=KField)
