"""The check-in's labelled progress bar: 手机号 › 姓名 › 单位 › 事由 › 受访人 › 确认.

It only displays and reports: the step on show is highlighted, the steps before it are buttons
(``on_pick(step)``: the screen saves what is typed and goes back there; the flow keeps every
value, so nothing typed is lost), the steps after it are plain text.
"""

from __future__ import annotations

import os
from typing import Any

from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button

#: (segment, the flow steps it covers); consent is read as part of confirming
SEGMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("phone", ("phone",)),
    ("name", ("name", "id_number")),
    ("company", ("company",)),
    ("purpose", ("purpose",)),
    ("host", ("host",)),
    ("confirm", ("consent", "confirm")),
)


def segment_of(step: str) -> int:
    """The index of the segment showing ``step`` (-1 if none)."""
    return next((i for i, (_s, steps) in enumerate(SEGMENTS) if step in steps), -1)


class ProgressPart(Button):
    """One step of the bar."""

    segment = StringProperty("")
    index = NumericProperty(0)
    #: "done" (a button back to it), "current" or "todo"
    state_name = StringProperty("todo")


Builder.load_file(os.path.join(os.path.dirname(__file__), "step_progress.kv"))


class StepProgress(BoxLayout):
    #: the flow step on show
    step = StringProperty("")
    #: the language the labels are in (the kv binds it to app.lang)
    lang = StringProperty("")

    __events__ = ("on_pick",)

    def on_kv_post(self, base_widget: Any) -> None:
        for index, (segment, _steps) in enumerate(SEGMENTS):
            part = ProgressPart(segment=segment, index=index)
            part.bind(on_release=lambda b: self._picked(b))
            self.add_widget(part)
        self._refresh()

    def on_step(self, *_: Any) -> None:
        self._refresh()

    def on_lang(self, *_: Any) -> None:
        self._refresh()

    def _refresh(self) -> None:
        current = segment_of(self.step)
        for part in self.children:
            part.state_name = (
                "current" if part.index == current else "done" if part.index < current else "todo"
            )

    def _picked(self, part: Any) -> None:
        if part.state_name == "done":
            self.dispatch("on_pick", SEGMENTS[part.index][0])

    def on_pick(self, step: str) -> None:
        pass
