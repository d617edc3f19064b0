"""Where a floor map's labels go: apart from each other, off the route, the pin and the markers.

Pure geometry on the picture's pixels (no drawing, no fonts): ``place`` takes every label the
map wants, in order of importance, with the size of each of its forms (the full text first,
then shorter ones, such as the text on two lines), and tries candidate positions for each in
turn: centred on its anchor and slid about inside its room for a room's number, around the
anchor (the preferred side first, then below, above, beside, the corners, and further out)
for everything else. The first position whose box is inside the picture and touches no label
already placed, no obstacle (icons, the pin, "You are here") and no route line wins. A label
that finds none is dropped, unless it is one the visitor needs (``keep``: the goal's, a lift's,
"You are here"): that one goes where it overlaps least.

Never imports Kivy or Pillow.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

#: (left, top, right, bottom), picture pixels
Box = tuple[float, float, float, float]
Pt = tuple[float, float]

_CELL = 64.0  # the spatial grid's cell, pixels


@dataclass(frozen=True, slots=True)
class Wanted:
    """A label the map would like to show."""

    #: the full text first, then shorter forms tried only when no position fits the longer
    texts: tuple[str, ...]
    #: (width, height) of each form's box as drawn, pixels
    sizes: tuple[Pt, ...]
    #: the point the label names (a room's centre, a lift's icon, the pin's head)
    anchor: Pt
    #: the least distance from the anchor to the label's box (an icon's radius); 0 for a room
    gap: float = 0.0
    #: a room's bounding box: the label is tried inside it (and only there)
    inside: Box | None = None
    #: the side tried first (unit vector), e.g. away from where the route comes in
    prefer: Pt | None = None
    #: never dropped: the goal's label, a lift's, "You are here", the next floor's pill
    keep: bool = False


@dataclass(frozen=True, slots=True)
class Placed:
    #: index into the ``wanted`` passed to ``place``
    index: int
    text: str
    centre: Pt
    box: Box


@dataclass(frozen=True, slots=True)
class Line:
    """A route line: its points and its stroke width."""

    points: tuple[Pt, ...]
    width: float


def place(
    wanted: Sequence[Wanted],
    bounds: Box,
    *,
    obstacles: Sequence[Box] = (),
    lines: Sequence[Line] = (),
    pad: float = 4.0,
) -> list[Placed]:
    """Each label of ``wanted`` that fits (every ``keep`` one), in ``wanted``'s order; ``pad``
    pixels are kept clear between a label and anything else."""
    grid = _Grid()
    for box in obstacles:
        grid.add(box)
    segments = [
        (a, b, line.width / 2)
        for line in lines
        for a, b in zip(line.points, line.points[1:], strict=False)
    ]
    # the points labelled beside them (icons, dots, markers): a label must sit nearer its own
    # than any other, or it reads as the other's name
    points = list({w.anchor for w in wanted if w.inside is None and w.gap > 0})
    out: list[Placed] = []
    for index, w in enumerate(wanted):
        others = [p for p in points if p != w.anchor] if w.gap > 0 else []
        found = _first_free(w, bounds, grid, segments, pad, others)
        if found is None and w.keep:
            found = _least_bad(w, bounds, grid, segments, pad)
        if found is None:
            continue
        text, (cx, cy), (width, height) = found
        grid.add(_grown((cx, cy), (width, height), pad))
        box = (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
        out.append(Placed(index, text, (cx, cy), box))
    return out


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def box_hits_segment(box: Box, a: Pt, b: Pt, half_width: float) -> bool:
    """Whether a line from ``a`` to ``b``, ``half_width`` either side, touches ``box``."""
    x0, y0, x1, y1 = (
        box[0] - half_width,
        box[1] - half_width,
        box[2] + half_width,
        box[3] + half_width,
    )
    # Liang-Barsky: clip the segment to the grown box
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, ax - x0), (dx, x1 - ax), (-dy, ay - y0), (dy, y1 - ay)):
        if p == 0:
            if q < 0:
                return False
            continue
        r = q / p
        if p < 0:
            lo = max(lo, r)
        else:
            hi = min(hi, r)
        if lo > hi:
            return False
    return True


def _candidates(w: Wanted, size: Pt, pad: float) -> Iterator[Pt]:
    x, y = w.anchor
    width, height = size
    if w.inside is not None:
        yield from _inside(w.inside, (x, y), size)
        return
    if w.gap <= 0:  # a room without walls on the plan: its number on its centre first
        yield x, y
    # a label that must show may go further out; others stay close enough to read as the
    # anchor's
    for step in (0.0, 0.8, 1.6) if w.keep else (0.0, 0.5):
        g = w.gap + pad + step * height  # the gap clear of the pad around the box too
        if w.prefer is not None:
            ux, uy = w.prefer
            reach = g + abs(ux) * width / 2 + abs(uy) * height / 2
            yield x + ux * reach, y + uy * reach
        for a in (0.0, -0.3, 0.3, -0.45, 0.45):  # below, then above, slid either way
            yield x + a * width, y + g + height / 2
            yield x + a * width, y - g - height / 2
        for b in (0.0, -0.5, 0.5):  # beside, level with the anchor or a half line off
            yield x + g + width / 2, y + b * height
            yield x - g - width / 2, y + b * height
        corner = g * math.sqrt(0.5)
        for sx, sy in ((1, 1), (-1, 1), (1, -1), (-1, -1)):
            yield x + sx * (corner + width / 2), y + sy * (corner + height / 2)


def _inside(room: Box, anchor: Pt, size: Pt) -> Iterator[Pt]:
    """The anchor, then positions on a grid inside the room where the box fits, nearest first."""
    yield anchor
    x0, y0, x1, y1 = room
    width, height = size[0] + 4, size[1] + 4  # clear of the walls
    lo_x, hi_x = x0 + width / 2, x1 - width / 2
    lo_y, hi_y = y0 + height / 2, y1 - height / 2
    if lo_x > hi_x or lo_y > hi_y:
        return
    spots = [
        (lo_x + (hi_x - lo_x) * i / 4, lo_y + (hi_y - lo_y) * j / 4)
        for i in range(5)
        for j in range(5)
    ]
    spots.sort(key=lambda p: math.hypot(p[0] - anchor[0], p[1] - anchor[1]))
    yield from spots


def _first_free(
    w: Wanted,
    bounds: Box,
    grid: _Grid,
    segments: list[tuple[Pt, Pt, float]],
    pad: float,
    others: list[Pt],
) -> tuple[str, Pt, Pt] | None:
    for text, size in zip(w.texts, w.sizes, strict=True):
        for cx, cy in _candidates(w, size, pad):
            box = _grown((cx, cy), size, pad)
            if not _within(box, bounds, pad):
                continue
            if grid.hits(box) or any(box_hits_segment(box, a, b, h) for a, b, h in segments):
                continue
            own = _distance(box, w.anchor)
            if any(_distance(box, p) < own for p in others):
                continue
            return text, (cx, cy), size
    return None


def _distance(box: Box, point: Pt) -> float:
    """From ``point`` to the nearest point of ``box`` (0 inside it)."""
    dx = max(box[0] - point[0], 0.0, point[0] - box[2])
    dy = max(box[1] - point[1], 0.0, point[1] - box[3])
    return math.hypot(dx, dy)


def _least_bad(
    w: Wanted,
    bounds: Box,
    grid: _Grid,
    segments: list[tuple[Pt, Pt, float]],
    pad: float,
) -> tuple[str, Pt, Pt]:
    """Where a label that must show covers the least: of labels and obstacles (their area),
    then of the route (a crossing counts as half the label's area)."""
    best: tuple[float, str, Pt, Pt] | None = None
    for text, size in zip(w.texts, w.sizes, strict=True):
        for cx, cy in _candidates(w, size, pad):
            cx, cy = _clamped((cx, cy), size, bounds)
            box = _grown((cx, cy), size, pad)
            area = (box[2] - box[0]) * (box[3] - box[1])
            cost = grid.covered(box) + sum(
                area / 2 for a, b, h in segments if box_hits_segment(box, a, b, h)
            )
            if best is None or cost < best[0]:
                best = (cost, text, (cx, cy), size)
    if best is None:  # no form at all: centred on its anchor
        return w.texts[0], w.anchor, w.sizes[0]
    return best[1], best[2], best[3]


def _grown(centre: Pt, size: Pt, pad: float) -> Box:
    (cx, cy), (width, height) = centre, size
    half_w, half_h = width / 2 + pad / 2, height / 2 + pad / 2
    return (cx - half_w, cy - half_h, cx + half_w, cy + half_h)


def _within(box: Box, bounds: Box, pad: float) -> bool:
    return (
        box[0] >= bounds[0] - pad / 2
        and box[1] >= bounds[1] - pad / 2
        and box[2] <= bounds[2] + pad / 2
        and box[3] <= bounds[3] + pad / 2
    )


def _clamped(centre: Pt, size: Pt, bounds: Box) -> Pt:
    (cx, cy), (width, height) = centre, size
    cx = min(max(cx, bounds[0] + width / 2), max(bounds[0] + width / 2, bounds[2] - width / 2))
    cy = min(max(cy, bounds[1] + height / 2), max(bounds[1] + height / 2, bounds[3] - height / 2))
    return cx, cy


class _Grid:
    """Boxes filed by the grid cells they cover, so a test looks at its neighbours only."""

    def __init__(self) -> None:
        self._cells: dict[tuple[int, int], list[Box]] = {}

    def _keys(self, box: Box) -> Iterator[tuple[int, int]]:
        for i in range(math.floor(box[0] / _CELL), math.floor(box[2] / _CELL) + 1):
            for j in range(math.floor(box[1] / _CELL), math.floor(box[3] / _CELL) + 1):
                yield i, j

    def add(self, box: Box) -> None:
        for key in self._keys(box):
            self._cells.setdefault(key, []).append(box)

    def hits(self, box: Box) -> bool:
        cells = self._cells
        return any(overlaps(box, other) for key in self._keys(box) for other in cells.get(key, ()))

    def covered(self, box: Box) -> float:
        seen: set[Box] = set()
        total = 0.0
        for key in self._keys(box):
            for o in self._cells.get(key, ()):
                if o not in seen and overlaps(box, o):
                    seen.add(o)
                    total += (min(box[2], o[2]) - max(box[0], o[0])) * (
                        min(box[3], o[3]) - max(box[1], o[1])
                    )
        return total
