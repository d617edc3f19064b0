"""The report's charts as pure functions to Pillow images: visitors by hour of arrival as
columns (``render_chart``), and counts with a label each as horizontal bars (``render_rows``:
head office's PDF draws the spread of host reply and ticket times with it, as its report page
does in SVG). The console renders them off the UI thread (``kiosk.shell.background``) and the
PDF export draws the same images."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PIL import Image, ImageDraw

from kiosk.core.badges.fonts import font_runs, load_font

INK = (28, 33, 43)
MUTED = (97, 107, 122)
BAR = (20, 102, 191)
GRID = (222, 226, 232)


def draw_text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    size: int,
    fill: tuple[int, int, int] = INK,
) -> float:
    """``text`` from ``xy`` (top left) in the badges' fonts, character fallback included;
    returns the x where it ended."""
    x, y = xy
    for run, index in font_runs(text):
        font = load_font(index, size)
        draw.text((x, y), run, font=font, fill=fill)
        x += font.getlength(run)
    return x


def render_chart(
    by_hour: Sequence[int],
    *,
    title: str,
    size: tuple[int, int] = (1200, 520),
    hour_label: Callable[[int], str] = lambda h: f"{h:02d}",
) -> Image.Image:
    """Bars of ``by_hour`` (24 counts), the busiest hour's count on its bar."""
    width, height = size
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw_text(draw, (24, 16), title, 30)
    left, right, top, bottom = 70, width - 24, 80, height - 56
    peak = max(by_hour, default=0)
    tick = max(1, math.ceil(peak / 4))  # four whole-number grid steps cover the peak
    scale = tick * 4
    for step in range(0, 5):
        y = bottom - (bottom - top) * step / 4
        draw.line((left, y, right, y), fill=GRID, width=1)
        draw_text(draw, (8, y - 12), str(tick * step), 18, MUTED)
    slot = (right - left) / 24
    for hour, count in enumerate(by_hour[:24]):
        x0 = left + hour * slot + slot * 0.15
        x1 = left + (hour + 1) * slot - slot * 0.15
        if count:
            y = bottom - (bottom - top) * count / scale
            draw.rectangle((x0, y, x1, bottom), fill=BAR)
            if count == peak:
                draw_text(draw, (x0, y - 28), str(count), 20)
        if hour % 3 == 0:
            draw_text(draw, (x0, bottom + 10), hour_label(hour), 18, MUTED)
    draw.line((left, bottom, right, bottom), fill=INK, width=2)
    return image


def render_rows(
    rows: Sequence[tuple[str, int]], *, title: str, width: int = 1060, row: int = 40
) -> Image.Image:
    """One bar per ``(label, count)``, the label before it and the count after it; the longest
    bar is the largest count."""
    height = 70 + row * len(rows) + 16
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw_text(draw, (0, 8), title, 26)
    label_w, right = 260, width - 90
    peak = max((n for _, n in rows), default=0) or 1
    for i, (label, count) in enumerate(rows):
        y = 70 + i * row
        draw_text(draw, (0, y + 4), label, 20, MUTED)
        x1 = label_w + (right - label_w) * count / peak
        if count:
            draw.rectangle((label_w, y + 4, x1, y + row - 8), fill=BAR)
        draw_text(draw, (x1 + 10, y + 4), str(count), 20)
    draw.line((label_w, 66, label_w, height - 12), fill=GRID, width=2)
    return image
