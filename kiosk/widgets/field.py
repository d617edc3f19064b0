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

An empty line (an empty field's only line) is Kivy's one transparent 1x1 texture
(``texture_1px`` of its core label), the same for every field for as long as the app runs.
TextInput would make a 1x1 texture of its own and keep it in its ``textinput.label`` cache,
which lets go of it after 60 s: a field emptied after that made another, while the fields not
emptied since held the old one, so the kiosk held one texture more than at start-up from
then on (issue 13's soak: 474 textures at visitor 20, 475 from visitor 30).
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.uix.textinput import TextInput


class KField(TextInput):
    """A text field whose undo and redo history is dropped each time its text is emptied,
    and whose empty lines are all one texture."""

    def _create_line_label(self, text: str, hint: bool = False) -> Any:
        if not text.replace("\n", ""):  # what TextInput draws as an empty line
            self._get_line_options()  # makes TextInput's own core label
            return self._label_cached.texture_1px
        return super()._create_line_label(text, hint)

    def on_text(self, _instance: object, text: str) -> None:
        if not text:
            self.reset_undo()


Factory.register("KField", cls=KField)
