"""The visitor screens' one theme: colours, text scale and the lowered layout, that the ``.kv``
rules bind to (``app.theme.text``, ``sp(26) * app.theme.scale``, ``app.theme.lowered``).

Three accessibility modes a visitor switches from the home screen and every check-in step
(kiosk/widgets/access.py), each independent of the others, all reset when the kiosk goes home:
- **large text**: every themed text 1.5x (``scale``) at every size; on a panel under 1000 px
  (1280x800, 1366x768) the layouts reflow for it (``compact``): columns scroll, the home tiles
  drop their second language's line, the switch's buttons show their icons alone;
- **high contrast**: white and yellow on black, every pair >= 7:1 (``PALETTES["contrast"]``);
- **lowered**: the screen's interactive part in its lower part, within reach from a wheelchair
  (``lowered_gap``); ``[kiosk] lowered_keyboard`` makes it the kiosk's default.

Must never: hold a colour or size a screen copies; every screen reads it here.
"""

from __future__ import annotations

from typing import Any

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty

Colour = tuple[float, float, float, float]

#: the text scale of the large-text mode (issue 22: "all text >= 1.5x"), at every size
LARGE_SCALE = 1.5
#: a window whose shorter side is under this (1280x800, 1366x768) reflows for large text
LARGE_ROOM = 1000
#: the share of a portrait screen's height kept empty above a lowered screen's content
LOWERED_PORTRAIT = 0.3
#: ... and of a landscape screen's (home only: a landscape step's keyboard is at the bottom)
LOWERED_LANDSCAPE = 0.18
#: the least window height a landscape screen lowers its content at
LOWERED_MIN_HEIGHT = 1000

#: role -> colour. "normal" is the kiosk's look (every text pair >= 4.5:1); "contrast" is
#: white, light grey and yellow on black and near-black (every text pair >= 7:1)
PALETTES: dict[str, dict[str, Colour]] = {
    "normal": {
        "bg": (0.96, 0.97, 0.98, 1),
        "surface": (1, 1, 1, 1),
        "text": (0.11, 0.13, 0.17, 1),
        "muted": (0.38, 0.42, 0.48, 1),
        "primary": (0.08, 0.40, 0.75, 1),
        "primary_down": (0.05, 0.28, 0.55, 1),
        "primary_text": (1, 1, 1, 1),
        "quiet": (0.90, 0.92, 0.95, 1),
        "quiet_down": (0.80, 0.83, 0.88, 1),
        "key": (1, 1, 1, 1),
        "key_down": (0.80, 0.85, 0.92, 1),
        "soft": (0.93, 0.95, 0.99, 1),
        "panel": (0.88, 0.90, 0.93, 1),
        "line": (0.85, 0.87, 0.90, 1),
        "accent": (0.05, 0.28, 0.55, 1),
        "error": (0.75, 0.16, 0.16, 1),
        "ok": (0.10, 0.45, 0.20, 1),  # was 0.13, 0.55, 0.25: 4.0:1 on the background
        "ok_title": (0.10, 0.45, 0.20, 1),
        "warn": (0.60, 0.30, 0.00, 1),
        "done_bg": (0.86, 0.90, 0.96, 1),
        "done_down": (0.74, 0.80, 0.90, 1),
        "todo_bg": (0.93, 0.94, 0.96, 1),
        "todo_text": (0.33, 0.36, 0.41, 1),
    },
    "contrast": {
        "bg": (0, 0, 0, 1),
        "surface": (0.12, 0.12, 0.12, 1),
        "text": (1, 1, 1, 1),
        "muted": (0.85, 0.85, 0.85, 1),
        "primary": (1, 0.85, 0, 1),
        "primary_down": (0.85, 0.70, 0, 1),
        "primary_text": (0, 0, 0, 1),
        "quiet": (0.20, 0.20, 0.20, 1),
        "quiet_down": (0.40, 0.40, 0.40, 1),
        "key": (0.20, 0.20, 0.20, 1),
        "key_down": (0.40, 0.40, 0.40, 1),
        "soft": (0.20, 0.20, 0.20, 1),
        "panel": (0, 0, 0, 1),
        "line": (1, 1, 1, 1),
        "accent": (1, 0.85, 0, 1),
        "error": (1, 0.60, 0.60, 1),
        "ok": (0.50, 1, 0.50, 1),
        "ok_title": (0.50, 1, 0.50, 1),
        "warn": (1, 0.75, 0.30, 1),
        "done_bg": (0.20, 0.20, 0.20, 1),
        "done_down": (0.40, 0.40, 0.40, 1),
        "todo_bg": (0, 0, 0, 1),
        "todo_text": (0.85, 0.85, 0.85, 1),
    },
}

MODES = ("large", "contrast", "lowered")


class Theme(EventDispatcher):
    """What the kv rules bind to; ``set_mode``/``reset`` change it, every bound widget follows."""

    large = BooleanProperty(False)
    contrast = BooleanProperty(False)
    lowered = BooleanProperty(False)
    #: the factor every themed font size is multiplied by
    scale = NumericProperty(1.0)
    #: the window's shorter side in px (the app keeps it up to date): how much large text fits
    room = NumericProperty(1080)
    #: large text on a small panel: the layouts reflow (kiosk.kv, home.kv, access.kv)
    compact = BooleanProperty(False)

    bg = ColorProperty(PALETTES["normal"]["bg"])
    surface = ColorProperty(PALETTES["normal"]["surface"])
    text = ColorProperty(PALETTES["normal"]["text"])
    muted = ColorProperty(PALETTES["normal"]["muted"])
    primary = ColorProperty(PALETTES["normal"]["primary"])
    primary_down = ColorProperty(PALETTES["normal"]["primary_down"])
    primary_text = ColorProperty(PALETTES["normal"]["primary_text"])
    quiet = ColorProperty(PALETTES["normal"]["quiet"])
    quiet_down = ColorProperty(PALETTES["normal"]["quiet_down"])
    key = ColorProperty(PALETTES["normal"]["key"])
    key_down = ColorProperty(PALETTES["normal"]["key_down"])
    soft = ColorProperty(PALETTES["normal"]["soft"])
    panel = ColorProperty(PALETTES["normal"]["panel"])
    line = ColorProperty(PALETTES["normal"]["line"])
    accent = ColorProperty(PALETTES["normal"]["accent"])
    error = ColorProperty(PALETTES["normal"]["error"])
    ok = ColorProperty(PALETTES["normal"]["ok"])
    ok_title = ColorProperty(PALETTES["normal"]["ok_title"])
    warn = ColorProperty(PALETTES["normal"]["warn"])
    done_bg = ColorProperty(PALETTES["normal"]["done_bg"])
    done_down = ColorProperty(PALETTES["normal"]["done_down"])
    todo_bg = ColorProperty(PALETTES["normal"]["todo_bg"])
    todo_text = ColorProperty(PALETTES["normal"]["todo_text"])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(large=self._apply, contrast=self._apply, room=self._apply)

    def follow(self, window: Any) -> None:
        """Follow the window: how much large text fits (``room``, its shorter side), and paint
        its clear colour, which is the screens' background (kiosk.kv, ``<KioskScreen>``)."""
        window.bind(size=lambda _window, size: setattr(self, "room", min(size)))
        window.clearcolor = self.bg
        self.bind(bg=lambda _theme, bg: setattr(window, "clearcolor", bg))
        self.room = min(window.size)

    def set_mode(self, mode: str, on: bool) -> None:
        """Switch one of ``MODES`` on or off."""
        if mode not in MODES:
            raise ValueError(f"unknown accessibility mode {mode!r}")
        setattr(self, mode, on)

    def reset(self, *, lowered: bool = False) -> None:
        """Back to the kiosk's own look (the next visitor): ``lowered`` is the kiosk's default."""
        self.large = self.contrast = False
        self.lowered = lowered

    def lowered_gap(self, width: float, height: float, *, landscape_too: bool = False) -> float:
        """The room kept empty above a lowered screen's content (0 when not lowered)."""
        if not self.lowered:
            return 0.0
        if height > width:
            return height * LOWERED_PORTRAIT
        # a small landscape panel (1280x800, 1366x768) is within reach already, and has no
        # room to spare for a gap
        roomy = height >= LOWERED_MIN_HEIGHT
        return height * LOWERED_LANDSCAPE if landscape_too and roomy else 0.0

    def _apply(self, *_: Any) -> None:
        self.scale = LARGE_SCALE if self.large else 1.0
        self.compact = self.large and self.room < LARGE_ROOM
        palette = PALETTES["contrast" if self.contrast else "normal"]
        for role, colour in palette.items():
            setattr(self, role, colour)
