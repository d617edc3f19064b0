"""A column that scrolls only when its content is taller than its room (``ScrollColumn``;
``FormColumn`` in kiosk.kv is a check-in step's hint, field and error line in one).

Beside the keyboard on a small landscape panel (1280x800, 1366x768) in large text, a long
hint, an error line and the step's extra buttons at 1.5x are taller than the column (issue
22: "all text >= 1.5x, layouts reflow, nothing cut"), so the column scrolls there rather than
cut or shrink its text; the Done screen's and the invitation's texts and the purposes do the
same. Wherever the content fits (every size in the normal look) the column
does not scroll at all, so a tap reaches the field and Next at once, with no scroll delay.
In portrait the column is as tall as its content (above the keys).
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView


class ScrollColumn(ScrollView):
    """A vertical BoxLayout's children (added from kv as to a BoxLayout) in a ScrollView."""

    #: beside the keyboard (the column takes the height it is given) or above it (as tall as
    #: its content)
    landscape = BooleanProperty(True)
    spacing = NumericProperty(dp(6))
    #: keep the scroll bar's strip free of content (where it may scroll), so no text is
    #: drawn under the bar
    reserve_bar = BooleanProperty(False)
    box = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs: Any) -> None:
        self.box = None
        super().__init__(**kwargs)
        box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=self.spacing)
        super().add_widget(box)
        self.box = box
        box.bind(minimum_height=self._fit)
        self.bind(height=self._fit, landscape=self._fit, spacing=box.setter("spacing"))
        self.bind(reserve_bar=self._pad, bar_width=self._pad)
        self._pad()
        self._fit()

    def add_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        if self.box is None:  # the ScrollView's own content
            super().add_widget(widget, *args, **kwargs)
        else:
            self.box.add_widget(widget, *args, **kwargs)

    def remove_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        if self.box is not None and widget in self.box.children:
            self.box.remove_widget(widget, *args, **kwargs)
        else:
            super().remove_widget(widget, *args, **kwargs)

    def _pad(self, *_: Any) -> None:
        if self.box is not None:
            self.box.padding = [0, 0, (self.bar_width + dp(6)) if self.reserve_bar else 0, 0]

    def _fit(self, *_: Any) -> None:
        box = self.box
        if box is None:
            return
        need = box.minimum_height
        if not self.landscape:
            self.height = need
        # the content at least fills the column, so a spacer (size_hint_y 1) still works
        box.height = max(need, self.height)
        self.do_scroll_y = need > self.height + 1
        if not self.do_scroll_y:
            self.scroll_y = 1.0  # the top: where the field and Next are


Factory.register("ScrollColumn", cls=ScrollColumn)
