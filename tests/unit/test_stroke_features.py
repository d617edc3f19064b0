"""Stroke geometry of the handwriting matcher: resampling, normalisation, distances and the
direction histogram, on small hand-checked strokes."""

from __future__ import annotations

import itertools
import math

import pytest

from kiosk.core.input.stroke_features import (
    bounding_box,
    direction_histogram,
    finite_points,
    normalise,
    prepare,
    resample,
    stroke_distance,
)


def test_resample_spaces_points_evenly_along_the_path():
    # an L: 100 across then 100 down, with the corner sampled densely on one side only
    stroke = [(0.0, 0.0), (90.0, 0.0), (95.0, 0.0), (100.0, 0.0), (100.0, 100.0)]
    points = resample(stroke, 5)
    assert points[0] == (0.0, 0.0) and points[-1] == (100.0, 100.0)
    assert points[2] == pytest.approx((100.0, 0.0))
    steps = [math.dist(a, b) for a, b in itertools.pairwise(points)]
    assert steps == pytest.approx([50.0] * 4)


def test_resample_of_a_dot_or_nothing():
    assert resample([(3.0, 4.0)], 4) == [(3.0, 4.0)] * 4
    assert resample([(3.0, 4.0), (3.0, 4.0)], 3) == [(3.0, 4.0)] * 3
    assert resample([], 8) == []


def test_normalise_keeps_the_aspect_ratio_and_centres():
    # a tall thin stroke pair: 20 wide, 100 high, far from the origin
    strokes = [[(500.0, 1000.0), (500.0, 1100.0)], [(520.0, 1000.0), (520.0, 1100.0)]]
    out = normalise(strokes)
    assert bounding_box(out) == pytest.approx((0.4, 0.0, 0.6, 1.0))


def test_normalise_a_dot_puts_it_in_the_middle():
    assert normalise([[(7.0, 7.0)]]) == [[(0.5, 0.5)]]


def test_prepare_drops_empty_strokes_and_non_finite_points():
    strokes = [[], [(0.0, 0.0), (float("nan"), 1.0), (10.0, 0.0)], [(5.0, float("inf"))]]
    assert finite_points(strokes[1]) == [(0.0, 0.0), (10.0, 0.0)]
    prepared = prepare(strokes)
    assert len(prepared) == 1 and len(prepared[0]) == 8
    assert prepared[0][0] == pytest.approx((0.0, 0.5)) and prepared[0][-1] == pytest.approx(
        (1.0, 0.5)
    )


def test_stroke_distance_is_zero_for_the_same_stroke_and_sees_direction():
    across = resample([(0.0, 0.5), (1.0, 0.5)])
    assert stroke_distance(across, across) == 0.0
    backwards = list(reversed(across))
    # 8 points at x = i/7: the mean of |2x - 1| is 4/7
    assert stroke_distance(across, backwards) == pytest.approx(4 / 7)
    assert stroke_distance([], across) == 1.0


def test_direction_histogram_bins_by_cell_and_direction():
    # one stroke east in the top-left cell, one south in the bottom-right cell, equal length
    hist = direction_histogram([[(0.1, 0.2), (0.4, 0.2)], [(0.8, 0.6), (0.8, 0.9)]])
    assert len(hist) == 32 and sum(hist) == pytest.approx(1.0)
    assert hist[0 * 8 + 0] == pytest.approx(0.5)  # cell 0 (top left), east
    assert hist[3 * 8 + 2] == pytest.approx(0.5)  # cell 3 (bottom right), south (y down)
    assert direction_histogram([[(0.5, 0.5)]]) == [0.0] * 32
