"""A screen change that is complete in the frame it happens in.

Kivy 2.3.1's ``NoTransition`` (checked against that version) is an animation of length 0: the
new screen is added beside the old one at once, but the old one is removed, and the new one's
``on_enter`` (a field's focus, a countdown's first second) runs, only when that animation
completes on the next clock tick. So each change drew one frame with both screens on the window
(two full-window backgrounds) and then another without the old one, or with what ``on_enter``
changed. On a GPU that costs nothing; on the software rasterizer a kiosk without one falls back
to, each of those frames is a full redraw of the window, and the visitor waits for both.

``InstantTransition`` finishes the change inside ``manager.current = name``: ``on_pre_enter``,
``on_pre_leave``, the old screen removed, ``on_enter`` and ``on_leave``, in Kivy's order, so the
next frame draws the new screen alone and complete. Must never animate (it has nothing to show).
"""

from __future__ import annotations

from typing import Any

from kivy.uix.screenmanager import NoTransition


class InstantTransition(NoTransition):
    """``NoTransition`` without the frame's delay: the change is complete when it returns."""

    _changes = 0

    def start(self, manager: Any) -> None:
        # Kivy's start (checked with 2.3.1) without its zero-length animation: the pre-events,
        # then at once what the animation's end would do
        InstantTransition._changes += 1
        change = InstantTransition._changes
        self.manager = manager
        screen_in, screen_out = self.screen_in, self.screen_out
        self.add_screen(screen_in)
        screen_in.transition_progress = screen_out.transition_progress = 0.0
        screen_in.transition_state, screen_out.transition_state = "in", "out"
        screen_in.dispatch("on_pre_enter")
        screen_out.dispatch("on_pre_leave")
        self.is_active = False
        if change != InstantTransition._changes:
            # a pre-event changed screen again and that change is complete (it took this
            # change's new screen off): only the screen this change left is still to go
            screen_out.pos = manager.pos
            self.remove_screen(screen_out)
            screen_out.dispatch("on_leave")
            return
        self.dispatch("on_complete")  # NoTransition's: both put on the manager, the old one off
        screen_in.dispatch("on_enter")
        screen_out.dispatch("on_leave")
