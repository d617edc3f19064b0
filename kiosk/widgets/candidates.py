"""The candidate bar above the keys: one page of choices, previous / next with a visible count,
and a "more" view listing every character of the syllable typed.

The bar only displays; the keyboard gives it the candidates (objects with a ``text``) and a
``load_more`` callable that returns the longer list when the visitor pages past what was
fetched, and ``load_all`` for the "more" view. Choosing dispatches ``on_choose(candidate)``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from kivy.factory import Factory
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from kiosk.widgets.reuse import refill

Builder.load_file(os.path.join(os.path.dirname(__file__), "candidates.kv"))

#: candidates on one page of the bar, at most: a narrow bar (a portrait screen, the host
#: screen's keyboard) shows as many as fit, so none hides behind a scroll bar
PAGE_SIZE = 8
#: the width one candidate takes on the bar (a character at 36 sp, its padding and spacing);
#: compact (large text on a small panel): a character at 54 px and a narrower padding, so three
#: or more fit beside the pinyin and the page indicator of a 1280x800 panel's keyboard
SLOT_DP = 100
COMPACT_SLOT_DP = 76


class CandidateBar(BoxLayout):
    page = NumericProperty(0)
    pages = NumericProperty(0)
    #: "2/5" (a "+" when more may follow than were fetched)
    count_text = StringProperty("")
    has_more_view = BooleanProperty(False)
    #: candidates per page: as many as fit the bar's width, up to PAGE_SIZE
    page_size = NumericProperty(PAGE_SIZE)
    #: large text on a small panel (the kv binds it to the theme): narrower candidates
    compact = BooleanProperty(False)

    __events__ = ("on_choose",)

    def fit(self, width: float) -> None:
        """The bar's scroll area is ``width`` wide: show as many per page as fit there (one at
        least; a page wider than its room hid candidates behind the page indicator)."""
        self._width = width
        slot = dp(COMPACT_SLOT_DP if self.compact else SLOT_DP)
        size = max(1, min(PAGE_SIZE, int(width // slot)))
        if size != self.page_size:
            self.page_size = size
            self.page = 0
            self._render()

    def __init__(self, **kwargs: Any) -> None:
        self._items: list[Any] = []
        self._maybe_more = False
        self._load_more: Callable[[], Sequence[Any]] | None = None
        self._load_all: Callable[[], Sequence[Any]] | None = None
        self.more_view: MoreView | None = None
        self._width = 0.0
        super().__init__(**kwargs)

    def on_compact(self, *_: Any) -> None:
        if self._width:
            self.fit(self._width)

    # -- what the keyboard calls ----------------------------------------------------------
    def show(
        self,
        items: Sequence[Any],
        *,
        maybe_more: bool = False,
        load_more: Callable[[], Sequence[Any]] | None = None,
        load_all: Callable[[], Sequence[Any]] | None = None,
    ) -> None:
        self._items = list(items)
        self._maybe_more = maybe_more and load_more is not None
        self._load_more = load_more
        self._load_all = load_all
        self.has_more_view = load_all is not None and bool(items)
        self.page = 0
        self._render()

    @property
    def visible(self) -> list[Any]:
        start = self.page * self.page_size
        return self._items[start : start + self.page_size]

    def next_page(self) -> None:
        if (self.page + 1) * self.page_size >= len(self._items) and self._maybe_more:
            self._fetch_more()
        if (self.page + 1) * self.page_size < len(self._items):
            self.page += 1
            self._render()

    def previous_page(self) -> None:
        if self.page > 0:
            self.page -= 1
            self._render()

    def choose(self, position: int) -> None:
        """Choose the ``position``-th candidate of the page shown."""
        shown = self.visible
        if 0 <= position < len(shown):
            self.dispatch("on_choose", shown[position])

    def open_more(self) -> None:
        if self._load_all is None:
            return
        view = MoreView(items=list(self._load_all()), on_pick=self._picked_in_more)
        self.more_view = view
        view.open()

    def on_choose(self, candidate: Any) -> None:
        pass

    # -- internals -------------------------------------------------------------------------
    def _fetch_more(self) -> None:
        if self._load_more is None:
            return
        longer = list(self._load_more())
        self._maybe_more = False  # the longer list is all there is
        seen = {(c.text, getattr(c, "consumed", 0)) for c in self._items}
        self._items += [c for c in longer if (c.text, getattr(c, "consumed", 0)) not in seen]

    def _picked_in_more(self, candidate: Any) -> None:
        if self.more_view is not None:
            self.more_view.dismiss()
            self.more_view = None
        self.dispatch("on_choose", candidate)

    def _render(self) -> None:
        def make() -> Any:
            button = Factory.CandidateButton()
            button.bind(on_release=lambda b: self.choose(b.position))
            return button

        def update(button: Any, i: int, candidate: Any) -> None:
            button.position = i
            button.text = candidate.text

        refill(self.ids.buttons, list(self.visible), make, update)  # per keystroke: reuse
        self.pages = max(1, -(-len(self._items) // self.page_size)) if self._items else 0
        more = "+" if self._maybe_more else ""
        self.count_text = f"{self.page + 1}/{self.pages}{more}" if self._items else ""


class MoreView(ModalView):
    """Every character for the syllable, likeliest first, in a scrolling grid."""

    count = NumericProperty(0)

    def __init__(self, *, items: list[Any], on_pick: Callable[[Any], None], **kwargs: Any):
        self.items = items
        self._on_pick = on_pick
        super().__init__(**kwargs)
        self.count = len(items)
        grid = self.ids.grid
        for candidate in items:
            button = Factory.CandidateButton(text=candidate.text)
            button.bind(on_release=lambda _b, c=candidate: self._on_pick(c))
            grid.add_widget(button)

    def pick(self, position: int) -> None:
        if 0 <= position < len(self.items):
            self._on_pick(self.items[position])
