"""Refill a list of widgets in place: the children already there are updated, only missing
ones are made and only surplus ones removed.

Lists that change on every keystroke (the candidate bar, host results, direction search
results and steps) go through this instead of ``clear_widgets()`` and new widgets: besides
the churn, Kivy 2.3.1's ``ScrollView.update_from_scroll`` binds ``_change_bar_color`` each
time it runs and unbinds it once, so rebuilding scrolling content per keystroke piles up
observers (issue 13). Reused children keep their bindings; a child's callback reads what
the row shows now from attributes set by ``update``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def refill(
    box: Any,
    items: Sequence[T],
    make: Callable[[], Any],
    update: Callable[[Any, int, T], None],
) -> None:
    """Show ``items`` in ``box`` in order: ``update(widget, index, item)`` on each row,
    ``make()`` only for rows the box does not have yet."""
    shown = list(reversed(box.children))  # Kivy keeps children last-added first
    for extra in shown[len(items) :]:
        box.remove_widget(extra)
    for i, item in enumerate(items):
        if i < len(shown):
            widget = shown[i]
        else:
            widget = make()
            box.add_widget(widget)
        update(widget, i, item)
