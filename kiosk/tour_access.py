"""``kiosk tour``'s steps for the accessibility modes: the home screen and every check-in step
again in large text, high contrast and lowered (``<screen>_large``, ``<screen>_contrast``,
``<screen>_lowered``), each set up by the tour's own step for that screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Step = Callable[[], Callable[[], bool] | None]

#: the screens rendered in each mode: the home screen and the check-in's steps
ACCESS_SCREENS = ("home", "phone", "name", "company", "purpose", "host", "consent", "confirm")
#: the file-name suffix of each mode (kiosk.shell.theme.MODES)
SUFFIXES = {"large": "large", "contrast": "contrast", "lowered": "lowered"}


def access_steps(app: Any, steps: dict[str, Step]) -> list[tuple[str, Step]]:
    """Each of ``ACCESS_SCREENS``' steps once per mode, the mode switched on after the step
    has set its screen up (the home step goes home, which resets the modes)."""

    def in_mode(step: Step, mode: str) -> Step:
        def setup() -> Callable[[], bool] | None:
            ready = step()
            app.theme.set_mode(mode, True)
            return ready

        return setup

    return [
        (f"{name}_{suffix}", in_mode(steps[name], mode))
        for mode, suffix in SUFFIXES.items()
        for name in ACCESS_SCREENS
    ]
