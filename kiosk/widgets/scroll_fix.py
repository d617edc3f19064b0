"""A workaround for Kivy 2.3.1's ScrollView, which piles up observers on its bar colour.

``ScrollView.update_from_scroll`` (kivy/uix/scrollview.py, 2.3.1) runs whenever the content
moves or changes size and binds ``_change_bar_color`` to ``bar_color`` each time, while
``_bind_inactive_bar_color`` unbinds it once when the bar fades: content that changes several
times before the fade (a list refilled as the visitor types, the directions steps, the
check-out rows) leaves one more observer each time (issue 13's soak counted them). The fix
drops the earlier binding before Kivy makes its new one, so there is at most one.

Applied once from ``KioskApp.build``; remove it when Kivy no longer binds on every call.
"""

from __future__ import annotations

from typing import Any

import kivy
from kivy.uix.scrollview import ScrollView

#: the Kivy version the workaround was written and checked against
CHECKED_WITH = "2.3.1"

_original = ScrollView.update_from_scroll


def update_from_scroll(self: ScrollView, *largs: Any) -> None:
    """Kivy's, with the earlier binding dropped first (named like Kivy's: the Clock's weak
    methods look it up on the instance by this name)."""
    self.funbind("bar_color", self._change_bar_color)  # Kivy binds it again just below
    _original(self, *largs)


def apply() -> bool:
    """Patch ScrollView (idempotent); False, and nothing done, on another Kivy version."""
    if kivy.__version__ != CHECKED_WITH:
        return False
    ScrollView.update_from_scroll = update_from_scroll
    return True
