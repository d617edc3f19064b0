"""Synthetic handwriting for ``ime_handwriting``: each character's stroke medians distorted the
way a finger on a touchscreen distorts them, so that the benchmark never feeds a recogniser
the very strokes its templates were made from.

Per character: a random affine map (scale 0.7-1.05 of the pad on each axis separately, rotation
up to ±7°, shear up to ±0.15, placed anywhere the character still fits); per stroke: its own
shift (up to 4 % of the pad) and stretch (±12 %); per point: the stroke is re-sampled at a
random touch spacing (1.5-9 px of 300), bent by a slow wobble (up to 2.5 % of the pad) and
every sample jittered (σ 0.8 px); and as people do, one character in eight has two neighbouring
strokes written in the wrong order, and one in ten two strokes joined without lifting the finger
(a stroke fewer than the templates know). The random
generator is seeded per character from ``seed``, so a figure is reproducible; tuning uses
:data:`TUNING_SEED` on other characters' writing than the benchmark's :data:`BENCH_SEED`.
"""

from __future__ import annotations

import itertools
import math
import random

from kiosk.core.input.stroke_features import resample

BENCH_SEED = 2
TUNING_SEED = 1


def distort(strokes: list[list[tuple[float, float]]], rng: random.Random, size: float = 300):
    """The strokes (pad coordinates, 0..size, y down) as a hand might have written them."""
    sx, sy = rng.uniform(0.7, 1.05), rng.uniform(0.7, 1.05)
    angle = math.radians(rng.uniform(-7, 7))
    shear = rng.uniform(-0.15, 0.15)
    cos, sin = math.cos(angle), math.sin(angle)
    c = size / 2

    def affine(x: float, y: float) -> tuple[float, float]:
        x, y = (x - c) * sx, (y - c) * sy
        x = x + shear * y
        return (x * cos - y * sin, x * sin + y * cos)

    strokes = [s for s in strokes if s]
    if len(strokes) > 1 and rng.random() < 1 / 8:
        i = rng.randrange(len(strokes) - 1)
        strokes[i], strokes[i + 1] = strokes[i + 1], strokes[i]
    if len(strokes) > 1 and rng.random() < 1 / 10:
        i = rng.randrange(len(strokes) - 1)
        strokes[i : i + 2] = [[*strokes[i], *strokes[i + 1]]]
    out = []
    for stroke in strokes:
        dx, dy = rng.gauss(0, 0.02 * size), rng.gauss(0, 0.02 * size)
        stretch = rng.uniform(0.88, 1.12)
        mx = sum(x for x, _ in stroke) / len(stroke)
        my = sum(y for _, y in stroke) / len(stroke)
        moved = [(mx + (x - mx) * stretch + dx, my + (y - my) * stretch + dy) for x, y in stroke]
        length = sum(
            math.hypot(x1 - x0, y1 - y0) for (x0, y0), (x1, y1) in itertools.pairwise(moved)
        )
        n = max(2, round(length / rng.uniform(1.5, 9.0)) + 1)
        dense = resample(moved, n)
        amp, phase = rng.uniform(0, 0.025 * size), rng.uniform(0, 2 * math.pi)
        wobbly = []
        for j, (x, y) in enumerate(dense):
            bend = amp * math.sin(phase + math.pi * j / max(1, n - 1))
            wobbly.append((x + bend + rng.gauss(0, 0.8), y - bend + rng.gauss(0, 0.8)))
        out.append([affine(x, y) for x, y in wobbly])
    xs = [x for s in out for x, _ in s]
    ys = [y for s in out for _, y in s]
    # place it anywhere it fits in the pad (a character written off-centre)
    ox = rng.uniform(-min(xs), size - max(xs)) if max(xs) - min(xs) < size else -min(xs)
    oy = rng.uniform(-min(ys), size - max(ys)) if max(ys) - min(ys) < size else -min(ys)
    return [[(x + ox, y + oy) for x, y in s] for s in out]


def written(strokes: list[list[tuple[float, float]]], char: str, seed: int):
    """The distorted writing of ``char`` for ``seed`` (the same every run)."""
    return distort(strokes, random.Random(f"{seed}:{char}"))
