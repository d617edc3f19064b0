"""The report page's charts as inline SVG, server-rendered: pure functions from counts to markup.

``columns`` draws vertical bars (visits per hour of the day, per day of the period), ``rows``
horizontal ones with a label before each bar (visits per site, the spread of host reply and
ticket times). Every bar carries its count (``data-value``) and a ``<title>`` ("09:00: 42"),
the chart a ``role="img"`` title (the caller's summary: what it shows, total and peak); the
page puts the same numbers in a table beside it (the text equivalent). The SVG scales to its
card (``viewBox``, no fixed size), so a phone and a laptop both read it; colours come from the
style sheet (classes only: the CSP forbids inline styles, and no script draws anything).

The kiosk's console and the PDF draw their charts with Pillow instead
(``kiosk.core.reports.chart``): this module is the browser's.

Must never: emit text unescaped (site names come from head office's records) or a count that
differs from the one it was given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 360
FONT = 13


@dataclass(frozen=True, slots=True)
class Bar:
    #: what the bar counts, in full ("09:00", "2026-07-01", a site's name)
    name: str
    value: int
    #: the text under a column ("" for none: only some columns are labelled)
    tick: str = ""
    #: a link for the bar (a site's own report)
    href: str = ""


def scale_of(peak: int) -> tuple[int, int]:
    """The grid step and the axis maximum: four whole-number steps that cover ``peak``
    (the kiosk chart's rule)."""
    step = max(1, math.ceil(peak / 4))
    return step, step * 4


def peak_of(bars: Sequence[Bar]) -> Bar | None:
    """The first bar with the largest count (None when every count is 0)."""
    peak = max(bars, key=lambda b: b.value, default=None)
    return peak if peak is not None and peak.value else None


def _open(chart_id: str, summary: str, height: int, kind: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {kind}" id="{escape(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title" '
        f'preserveAspectRatio="xMidYMid meet">'
        f'<title id="{escape(chart_id)}-title">{escape(summary)}</title>'
    )


def _bar(x: float, y: float, w: float, h: float, bar: Bar) -> str:
    rect = (
        f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
        f'data-value="{bar.value}"><title>{escape(bar.name)}: {bar.value}</title></rect>'
    )
    return f'<a href="{escape(bar.href)}">{rect}</a>' if bar.href else rect


def columns(chart_id: str, summary: str, bars: Sequence[Bar], *, height: int = 220) -> Markup:
    """Vertical bars, one per count, on a grid of four steps; ``tick`` texts under the axis;
    ``summary`` is the chart's accessible title (what it shows, its total and peak)."""
    left, right, top, bottom = 40, WIDTH - 8, 12, height - 24
    step, top_value = scale_of(max((b.value for b in bars), default=0))
    parts = [_open(chart_id, summary, height, "columns")]
    for i in range(5):
        y = bottom - (bottom - top) * i / 4
        parts.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="{FONT}">{step * i}</text>'
        )
    slot = (right - left) / max(1, len(bars))
    gap = slot * 0.15 if slot >= 4 else 0.0
    for i, bar in enumerate(bars):
        x = left + i * slot
        h = (bottom - top) * bar.value / top_value
        parts.append(_bar(x + gap, bottom - h, max(slot - 2 * gap, 0.5), h, bar))
        if bar.tick:
            parts.append(
                f'<text class="axis" x="{x + slot / 2:.1f}" y="{bottom + 17}" '
                f'text-anchor="middle" font-size="{FONT}">{escape(bar.tick)}</text>'
            )
    parts.append(f'<line class="base" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


ROW = 24
LABEL = 118
ROW_FONT = 14


def fit(name: str, room: float, size: int = ROW_FONT) -> str:
    """``name`` cut (with "…") to about ``room`` units wide at ``size``: a wide (CJK)
    character counts one em, any other about half of one."""
    width = 0.0
    for i, ch in enumerate(name):
        width += size if ord(ch) >= 0x2E80 else size * 0.56
        if width > room:
            return name[: max(i - 1, 1)] + "…"
    return name


def rows(chart_id: str, summary: str, bars: Sequence[Bar]) -> Markup:
    """Horizontal bars, one row each: the name, the bar, the count after it."""
    height = ROW * max(1, len(bars)) + 8
    start, end = LABEL + 8, WIDTH - 48
    peak = max((b.value for b in bars), default=0) or 1
    parts = [_open(chart_id, summary, height, "rows")]
    for i, bar in enumerate(bars):
        y = 4 + i * ROW
        name = fit(bar.name, LABEL - 4)
        w = (end - start) * bar.value / peak
        parts.append(
            f'<text class="label" x="{LABEL}" y="{y + 17}" text-anchor="end" '
            f'font-size="{ROW_FONT}">{escape(name)}</text>'
        )
        parts.append(_bar(start, y + 3, w, ROW - 6, bar))
        parts.append(
            f'<text class="value" x="{start + w + 5:.1f}" y="{y + 17}" '
            f'font-size="{ROW_FONT}">{bar.value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
