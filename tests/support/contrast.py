"""Text contrast and glyph height measured on rendered pixels (WCAG 2.x definitions).

``measure(image, box)`` looks at the pixels of one widget's rectangle in a screenshot: the
background is the colour most of them have, the text the pixel furthest from it in
luminance (a stem of a glyph at 18 px or more has fully covered pixels), and the ink height
is the span of rows holding pixels that differ clearly from the background (``lines``: the
height of each line of it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: difference from the background (of a channel, 0..1) that counts as ink, not an edge's blur
INK_STEP = 0.08


def _channel(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[float, ...]) -> float:
    """WCAG relative luminance of an sRGB colour with channels 0..1."""
    r, g, b = (_channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """WCAG contrast ratio of two colours, 1..21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass(frozen=True)
class Measured:
    ratio: float
    #: rows of ink (the text's height on screen, in pixels); 0 when nothing was found
    ink_height: int
    background: tuple[int, int, int]
    text: tuple[int, int, int]
    #: the ink height of each line, top first (runs of inked rows split by blank ones)
    lines: tuple[int, ...] = ()


def measure(image: Any, box: tuple[int, int, int, int], *, line_gap: int = 4) -> Measured:
    """Contrast and ink height of the text drawn inside ``box`` (left, top, right, bottom in
    the image's pixels) of a PIL ``image``; ``line_gap``: the fewest blank rows between two
    lines (fewer are a gap inside a glyph: the dot of "i", 三)."""
    from PIL import Image, ImageChops

    crop = image.convert("RGB").crop(box)
    colours = crop.getcolors(maxcolors=crop.size[0] * crop.size[1] + 1)
    background = max(colours)[1]
    bg = tuple(c / 255 for c in background)
    lum_bg = luminance(bg)
    text = max(colours, key=lambda c: abs(luminance(tuple(v / 255 for v in c[1])) - lum_bg))[1]
    # ink: pixels clearly apart from the background (any channel by more than INK_STEP)
    plain = Image.new("RGB", crop.size, background)
    diff = ImageChops.difference(crop, plain).convert("L")
    mask = diff.point(lambda v: 255 if v > INK_STEP * 255 else 0)
    ink = mask.getbbox()
    height = (ink[3] - ink[1]) if ink else 0
    rows = [
        mask.crop((0, y, mask.size[0], y + 1)).getbbox() is not None for y in range(mask.size[1])
    ]
    found = ratio(bg, tuple(c / 255 for c in text))
    return Measured(found, height, background, text, _runs(rows, line_gap))


def _runs(rows: list[bool], line_gap: int) -> tuple[int, ...]:
    """Heights of the runs of inked rows, blank gaps under ``line_gap`` rows bridged."""
    runs: list[int] = []
    start = end = None
    for y, inked in enumerate(rows):
        if not inked:
            continue
        if start is not None and end is not None and y - end - 1 < line_gap:
            end = y
            continue
        if start is not None and end is not None:
            runs.append(end - start + 1)
        start = end = y
    if start is not None and end is not None:
        runs.append(end - start + 1)
    return tuple(runs)
