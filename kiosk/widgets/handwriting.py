"""The writing pad: a visitor writes one character with a finger, and after every stroke the
recogniser's guesses fill the keyboard's candidate bar; choosing one types it and clears the pad.

The pad only collects strokes and draws them; recognition is
``kiosk.core.input.handwriting.Recognizer`` (stroke templates, then Zinnia when no template
matches clearly: about 10-18 ms per stroke here, see docs/input.md).
"""

from __future__ import annotations

import os
from typing import Any

from kivy.graphics import Color, Line
from kivy.lang import Builder
from kivy.properties import ObjectProperty
from kivy.uix.floatlayout import FloatLayout

Builder.load_file(os.path.join(os.path.dirname(__file__), "handwriting.kv"))

#: strokes are scaled to a square of this size before they are classified
SIZE = 300


class HandwritingPad(FloatLayout):
    recognizer = ObjectProperty(None, allownone=True)
    #: the LetterKeyboard whose candidate bar shows the guesses
    keyboard = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs: Any) -> None:
        self.strokes: list[list[tuple[float, float]]] = []
        self._lines: list[Line] = []
        super().__init__(**kwargs)

    def on_touch_down(self, touch: Any) -> bool:
        if self.disabled or not self.ids.area.collide_point(*touch.pos):
            return super().on_touch_down(touch)
        touch.grab(self)
        self.strokes.append([self._square(touch.pos)])
        with self.ids.area.canvas:
            Color(0.11, 0.13, 0.17, 1)
            line = Line(points=list(touch.pos), width=4)
        self._lines.append(line)
        return True

    def on_touch_move(self, touch: Any) -> bool:
        if touch.grab_current is not self:
            return super().on_touch_move(touch)
        self.strokes[-1].append(self._square(touch.pos))
        self._lines[-1].points += list(touch.pos)
        return True

    def on_touch_up(self, touch: Any) -> bool:
        if touch.grab_current is not self:
            return super().on_touch_up(touch)
        touch.ungrab(self)
        self.strokes[-1].append(self._square(touch.pos))
        self.recognise()
        return True

    def add_stroke(self, points: list[tuple[float, float]]) -> None:
        """A stroke given in the pad's square coordinates (0..SIZE, y down)."""
        self.strokes.append(list(points))
        self.recognise()

    def recognise(self) -> None:
        if self.recognizer is None or self.keyboard is None:
            return
        self.keyboard.show_written(self.recognizer.classify(self.strokes, size=SIZE))

    def undo(self) -> None:
        if self.strokes:
            self.strokes.pop()
        if self._lines:
            self.ids.area.canvas.remove(self._lines.pop())
        if self.strokes:
            self.recognise()
        elif self.keyboard is not None:
            self.keyboard.show_written([])

    def clear(self) -> None:
        self.strokes = []
        self._lines = []
        self.ids.area.canvas.clear()
        if self.keyboard is not None and self.keyboard.writing:
            self.keyboard.show_written([])

    def _square(self, pos: tuple[float, float]) -> tuple[float, float]:
        area = self.ids.area
        side = max(1.0, min(area.width, area.height))
        x = (pos[0] - area.x - (area.width - side) / 2) / side * SIZE
        y = (area.top - pos[1] - (area.height - side) / 2) / side * SIZE
        return (min(max(x, 0.0), SIZE), min(max(y, 0.0), SIZE))
