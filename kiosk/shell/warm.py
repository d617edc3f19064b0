"""Building the check-in's screens ahead of the first visitor, one per frame, at rest.

Screens are built on first use (start-up stays fast); but the first visitor's name → company
then waited for the company screen and its keyboard to be built (0.44-1.1 s). Every visitor
walks these screens, so they are built shortly after start, one per frame, while home shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.clock import Clock

#: the screens every check-in walks, in the order a visitor meets them
CHECKIN_SCREENS = ("phone", "name", "company", "purpose", "host", "consent", "confirm", "done")


def warm_screens(
    build: Callable[[str], Any],
    at_rest: Callable[[], bool],
    names: tuple[str, ...] = CHECKIN_SCREENS,
    *,
    after: float = 3.0,
) -> None:
    """Build ``names`` with ``build(name)`` one per frame, from ``after`` seconds on, and only
    while ``at_rest()`` (home on show: never under a visitor's taps)."""
    pending = list(names)

    def step(_dt: float) -> None:
        if not pending:
            return
        if at_rest():
            build(pending.pop(0))
        Clock.schedule_once(step, 0 if at_rest() else 1.0)

    Clock.schedule_once(step, after)
