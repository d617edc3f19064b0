"""Every text a visitor sees on a screen, found on the real widgets and measured on a
screenshot's pixels (tests/support/contrast.py): the labels and buttons, and the labels drawn
into the directions map's picture (``render_floor`` lists them in ``image.info["labels"]``).

``screen_texts(root, image, window_height)`` returns one ``Text`` per text drawn on screen,
with its WCAG contrast against the pixels behind it, the ink height of its first line and,
for a label with Latin letters, the height of a Latin capital at the smallest font its Latin
words are set in: an "H" in that font, size and weight drawn by Kivy's own text renderer
(which drew the label), its ink rows counted. A first line's ink runs from the capitals' or
ascenders' top to the descenders' foot, so an English text with descenders would pass the
height check with capitals a quarter smaller than the same-height Chinese; where the
capitals sit in a line is not known from the pixels, so they are measured on their own.
A text scrolled or clipped out of sight (a ScrollView, the map's StencilView) is left out;
so is a text of symbols alone ("+", "−", "‹"), which has no letters to read.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from tests.support.contrast import INK_STEP, measure

#: the least capital height on a 1920x1080 panel (5 mm on 21.5 inches: issue 22), in px
MIN_CAPITALS = 20
#: a text of x-height letters alone ("a", "wei", "one") stands this much of a capital's height
X_HEIGHT = 0.7
#: WCAG 2.x: text at least this big (px) is "large text", which needs only 3:1
LARGE_TEXT_PX = 24


@dataclass(frozen=True)
class Text:
    text: str
    #: "label" (a Kivy label or button) or "map" (drawn into the map's picture)
    kind: str
    font_px: float
    ratio: float
    #: ink height of the first line, in screen pixels
    height: int
    box: tuple[int, int, int, int]
    #: height of a Latin capital ("H") at the smallest font the text's Latin words are set
    #: in, in screen pixels; None for a text without Latin letters (and the map's labels)
    caps: int | None = None

    def needs(self, *, contrast_mode: bool) -> float:
        """The least ratio for this text: 7:1 in high contrast, else 4.5:1 (3:1 >= 24 px)."""
        if contrast_mode:
            return 7.0
        return 3.0 if self.font_px >= LARGE_TEXT_PX else 4.5

    def least_height(self, window: tuple[int, int]) -> float:
        """``MIN_CAPITALS`` scaled to the window's shorter side (x-height text: less)."""
        least = least_caps(window)
        return least * X_HEIGHT if _x_height_only(self.text) else least


def least_caps(window: tuple[int, int]) -> float:
    """The least height of a Latin capital: ``MIN_CAPITALS`` scaled to the window's shorter
    side (the same 5 mm on a panel of the same pixel pitch)."""
    return MIN_CAPITALS * min(window) / 1080


_X_LETTERS = set("acemnorsuvwxz")


def _x_height_only(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c in _X_LETTERS for c in letters)


def _latin(text: str) -> bool:
    return any(c.isascii() and c.isalpha() for c in text)


def _readable(text: str) -> bool:
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def _intersect(a: tuple, b: tuple) -> tuple:
    return max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])


def _shown_labels(root: Any) -> list[tuple[Any, tuple[float, float, float, float]]]:
    """(label, clip rectangle in window coordinates) for every label drawn on screen."""
    from kivy.uix.label import Label
    from kivy.uix.stencilview import StencilView

    found: list[tuple[Any, tuple[float, float, float, float]]] = []

    def visit(w: Any, clip: tuple[float, float, float, float]) -> None:
        if w.opacity <= 0 or w.width <= 0 or w.height <= 0:
            return
        if isinstance(w, StencilView):
            x, y = w.to_window(*w.pos)
            clip = _intersect(clip, (x, y, x + w.width, y + w.height))
            if clip[2] <= clip[0] or clip[3] <= clip[1]:
                return
        if isinstance(w, Label) and w.text and w.texture_size[1] > 0 and _readable(w.text):
            found.append((w, clip))
        for child in w.children:
            visit(child, clip)

    window = root.get_root_window()
    visit(root, (0.0, 0.0, float(window.width), float(window.height)))
    return found


def _label_box(w: Any, window_height: int) -> tuple[float, float, float, float]:
    """Where a label draws its texture (Kivy centres it in the widget), window coordinates."""
    tw, th = w.texture_size
    cx, cy = w.to_window(*w.center)
    tw, th = min(tw, w.width), min(th, w.height)
    return cx - tw / 2, cy - th / 2, cx + tw / 2, cy + th / 2


def _to_image(box: tuple, window_height: int) -> tuple[int, int, int, int]:
    left, bottom, right, top = box
    return (
        int(left),
        int(window_height - top),
        int(right + 0.999),
        int(window_height - bottom + 0.999),
    )


def _measured(text: str, kind: str, font_px: float, image: Any, box: tuple) -> Text | None:
    if box[2] - box[0] < 2 or box[3] - box[1] < 2:
        return None
    # a line's gap is about a third of the font size; the dot of an "i" is a sixth of it
    gap = max(4, round((font_px or (box[3] - box[1])) * 0.25))
    found = measure(image, box, line_gap=gap)
    height = found.lines[0] if found.lines else 0
    return Text(text, kind, font_px, found.ratio, height, box)


def screen_texts(root: Any, image: Any, window_height: int) -> list[Text]:
    """Every text shown under ``root`` (the app's root widget), measured on ``image`` (a
    screenshot of the window)."""
    from kiosk.widgets.mapview import MapView

    out: list[Text] = []
    for w, clip in _shown_labels(root):
        box = _label_box(w, window_height)
        shown = _intersect(box, clip)
        # scrolled partly out of sight: measured only when all of it shows
        if shown != box and (shown[3] - shown[1] < box[3] - box[1] - 2 or shown[2] <= shown[0]):
            continue
        found = _measured(w.text, "label", w.font_size, image, _to_image(shown, window_height))
        if found is not None:
            out.append(replace(found, caps=_label_caps(w)))
    for view in (w for w in root.walk() if isinstance(w, MapView)):
        out += _map_texts(view, image, window_height)
    return out


def _map_texts(view: Any, image: Any, window_height: int) -> list[Text]:
    """The labels drawn into the map's picture, found where the picture is shown."""
    from kiosk.core.wayfinding.map_style import LABELS

    picture = view.ids.get("picture")
    drawn = view.image
    if picture is None or drawn is None or view.opacity <= 0 or view.zoom != 1:
        return []
    shown_w, shown_h = picture.norm_image_size
    px, py = picture.to_window(*picture.center)
    left, bottom = px - shown_w / 2, py - shown_h / 2
    k = shown_w / drawn.size[0]
    out: list[Text] = []
    for text, (x0, y0, x1, y1) in drawn.info.get(LABELS, ()):
        if not _readable(text):
            continue
        box = (left + x0 * k, bottom + shown_h - y1 * k, left + x1 * k, bottom + shown_h - y0 * k)
        # no font size known on screen: held to the stricter 4.5:1 of small text
        found = _measured(text, "map", 0.0, image, _to_image(box, window_height))
        if found is not None:
            out.append(found)
    return out


def _label_caps(w: Any) -> int | None:
    """The least capital height over the Latin words of a label's laid-out lines (a markup
    ``[size=…]`` sets a word's own size: the home tiles' second language)."""
    core = w._label
    fonts = {
        (o["font_name"], float(o["font_size"]), bool(o["bold"]), bool(o["italic"]))
        for line in core._cached_lines
        for word in line.words
        if _latin(word.text)
        for o in (word.options or core.options,)
    }
    if not fonts and _latin(w.text):  # laid out as one run: the label's own font
        fonts = {(w.font_name, float(w.font_size), bool(w.bold), bool(w.italic))}
    return min((cap_height(*font) for font in fonts), default=None)


@cache
def cap_height(font_name: str, font_size: float, bold: bool, italic: bool) -> int:
    """Rows of ink of a capital "H" drawn by Kivy's text renderer in this font."""
    from kivy.core.text import Label as CoreLabel

    label = CoreLabel(text="H", font_name=font_name, font_size=font_size, bold=bold, italic=italic)
    label.refresh()
    texture = label.texture
    width, height = texture.size
    pixels = texture.pixels
    step = INK_STEP * 255
    inked = [
        y
        for y in range(height)
        if any(pixels[(y * width + x) * 4 + 3] > step for x in range(width))
    ]
    return inked[-1] - inked[0] + 1 if inked else 0
