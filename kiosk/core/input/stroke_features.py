"""Stroke geometry for handwriting: resampling, normalisation and the distances the template
matcher ranks characters by. Pure functions on plain tuples; never raises on any finite input
(empty strokes, one point, a stroke that does not move, huge coordinates).

- :func:`resample` spaces a stroke's points evenly along its length, so a fast and a slow
  stroke of the same shape (few or many touch samples) look the same;
- :func:`normalise` maps a character into the unit square by its bounding box, keeping its
  aspect ratio (a narrow 川 stays narrow), centred;
- :func:`stroke_distance` compares two resampled strokes point by point (direction matters:
  a stroke written backwards is a different stroke);
- :func:`direction_histogram` is the classic directional feature: how much of the ink runs in
  each of 8 directions, per cell of a coarse grid.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

Point = tuple[float, float]

#: points per stroke after resampling (templates are stored with this many)
POINTS = 8


def finite_points(stroke: Sequence[Sequence[float]]) -> list[Point]:
    """The stroke's points as float pairs, dropping any that are not finite numbers."""
    points = []
    for p in stroke:
        if len(p) < 2:
            continue
        x, y = float(p[0]), float(p[1])
        if math.isfinite(x) and math.isfinite(y):
            points.append((x, y))
    return points


def resample(stroke: Sequence[Point], n: int = POINTS) -> list[Point]:
    """``n`` points evenly spaced along the stroke's path, first and last kept; a stroke that
    does not move (or has one point) becomes ``n`` copies of its point; empty stays empty."""
    if not stroke or n <= 0:
        return []
    lengths = [0.0]
    for (x0, y0), (x1, y1) in itertools.pairwise(stroke):
        lengths.append(lengths[-1] + math.hypot(x1 - x0, y1 - y0))
    total = lengths[-1]
    if not math.isfinite(total) or total <= 0.0 or n == 1:
        return [stroke[0]] * n if n > 1 else [stroke[0]]
    out = []
    j = 0
    for i in range(n):
        target = total * i / (n - 1)
        while j < len(lengths) - 2 and lengths[j + 1] < target:
            j += 1
        span = lengths[j + 1] - lengths[j]
        t = 0.0 if span <= 0 else min(1.0, max(0.0, (target - lengths[j]) / span))
        (x0, y0), (x1, y1) = stroke[j], stroke[j + 1]
        out.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
    return out


def bounding_box(strokes: Sequence[Sequence[Point]]) -> tuple[float, float, float, float]:
    """(min x, min y, max x, max y) of every point; all zero when there are none."""
    xs = [x for s in strokes for x, _ in s]
    ys = [y for s in strokes for _, y in s]
    if not xs:
        return (0.0, 0.0, 0.0, 0.0)
    return (min(xs), min(ys), max(xs), max(ys))


def normalise(
    strokes: Sequence[Sequence[Point]], box: tuple[float, float, float, float] | None = None
) -> list[list[Point]]:
    """The strokes scaled into the unit square by ``box`` (their bounding box by default),
    the longer side to 1, the shorter keeping the aspect ratio, centred on (0.5, 0.5). A box
    with no extent (a dot) puts every point at the centre."""
    x0, y0, x1, y1 = box if box is not None else bounding_box(strokes)
    side = max(x1 - x0, y1 - y0)
    if not math.isfinite(side) or side <= 0.0:
        return [[(0.5, 0.5) for _ in s] for s in strokes]
    cx, cy = x0 + (x1 - x0) / 2, y0 + (y1 - y0) / 2
    # clamped: at huge coordinates the centre rounds (1e16 + 1 is 1e16), which would put a
    # point half a side outside the square
    return [
        [(_unit(0.5 + (x - cx) / side), _unit(0.5 + (y - cy) / side)) for x, y in s]
        for s in strokes
    ]


def _unit(v: float) -> float:
    return min(1.0, max(0.0, v))


def prepare(strokes: Sequence[Sequence[Sequence[float]]], n: int = POINTS) -> list[list[Point]]:
    """What the matcher compares: finite points, each stroke resampled to ``n`` points, the
    character normalised by its bounding box. Empty strokes are dropped."""
    cleaned = [finite_points(s) for s in strokes]
    return normalise([resample(s, n) for s in cleaned if s])


def stroke_distance(a: Sequence[Point], b: Sequence[Point]) -> float:
    """Mean distance between corresponding points of two strokes resampled alike."""
    n = min(len(a), len(b))
    if n == 0:
        return 1.0
    return sum(map(math.dist, a, b)) / n


def direction_histogram(strokes: Sequence[Sequence[Point]], grid: int = 2) -> list[float]:
    """Ink length per (cell, direction) over a ``grid`` × ``grid`` split of the unit square and
    8 directions (east, south-east, … clockwise in y-down coordinates), normalised to sum 1;
    all zeros when there is no ink. Expects normalised strokes (points in about 0..1)."""
    bins = [0.0] * (grid * grid * 8)
    for s in strokes:
        for (x0, y0), (x1, y1) in itertools.pairwise(s):
            length = math.hypot(x1 - x0, y1 - y0)
            if length <= 0.0 or not math.isfinite(length):
                continue
            angle = math.atan2(y1 - y0, x1 - x0) % (2 * math.pi)
            direction = round(angle / (math.pi / 4)) % 8
            mx, my = (x0 + x1) / 2, (y0 + y1) / 2
            cx = min(grid - 1, max(0, int(mx * grid)))
            cy = min(grid - 1, max(0, int(my * grid)))
            bins[(cy * grid + cx) * 8 + direction] += length
    total = sum(bins)
    if total > 0.0 and math.isfinite(total):
        bins = [b / total for b in bins]
    return bins
