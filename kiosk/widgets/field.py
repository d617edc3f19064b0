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
"""

from __future__ import annotations

from kivy.factory import Factory
from kivy.uix.textinput import TextInput


class KField(TextInput):
    """A text field whose undo and redo history is dropped each time its text is emptied."""

    def on_text(self, _instance: object, text: str) -> None:
        if not text:
            self.reset_undo()


Factory.register("KField", cls=KField)
