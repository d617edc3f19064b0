"""Characters as stroke templates, and the matcher that ranks them against what was written.

``kiosk/assets/ime/stroke-templates.txt`` holds one character a line: the character, a tab,
then its strokes in writing order separated by spaces, each stroke :data:`POINTS` points
resampled by arc length in the character's bounding box (aspect kept), every coordinate one
character ``chr(48 + round(v * 63))``. Built by ``python -m bench.handwriting_templates`` from
the stroke medians of ``hanzi-writer-data`` (Arphic Public License, see docs/input.md).

Matching is two-stage so that it stays cheap enough to run after every stroke:
1. **coarse**: templates whose stroke count is within one of what was written, ranked by a
   2 × 2 × 8 direction histogram (tolerant of a merged or split stroke), plus the candidates
   the caller already has (Zinnia's);
2. **fine**: each candidate's first strokes (normalised by their own bounding box, so a half
   written character compares with the same half of the template) against the strokes
   written, point by point; templates with one stroke fewer than written are aligned stroke by
   stroke with a small dynamic-programming match (a stroke written in two parts).
Never imports Kivy; never raises on any stroke input.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from kiosk.core.input.stroke_features import (
    POINTS,
    Point,
    bounding_box,
    direction_histogram,
    normalise,
    resample,
    stroke_distance,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "assets" / "ime" / "stroke-templates.txt"
_LEVELS = 63
#: penalty per template stroke not written yet (a prefix match ranks after a complete one)
MISSING_STROKE = 0.035
#: penalty when one stroke was written as two, or two as one
EXTRA_STROKE = 0.04
#: penalty for two neighbouring strokes written in the other order
SWAPPED = 0.03


def encode(strokes: Sequence[Sequence[Sequence[float]]]) -> str:
    """One template line's stroke part from raw strokes (any coordinates)."""
    prepared = normalise([resample([(float(x), float(y)) for x, y in s]) for s in strokes if s])
    out = []
    for s in prepared:
        text = ""
        for x, y in s:
            for v in (x, y):
                text += chr(48 + round(min(1.0, max(0.0, v)) * _LEVELS))
        out.append(text)
    return " ".join(out)


def decode(text: str) -> list[list[Point]]:
    strokes = []
    for part in text.split():
        values = [(ord(c) - 48) / _LEVELS for c in part]
        strokes.append([(values[i], values[i + 1]) for i in range(0, len(values) - 1, 2)])
    return strokes


@dataclass(slots=True)
class Template:
    text: str
    strokes: list[list[Point]]
    histogram: list[float]
    #: the first k strokes normalised by their own box, built on first use per k
    prefixes: dict[int, list[list[Point]]] = field(default_factory=dict)
    #: each pair of consecutive strokes joined into one, built on first use
    joins: list[list[Point]] | None = None

    def prefix(self, k: int) -> list[list[Point]]:
        found = self.prefixes.get(k)
        if found is None:
            head = self.strokes[:k]
            found = normalise(head, bounding_box(head))
            self.prefixes[k] = found
        return found

    def joined(self) -> list[list[Point]]:
        if self.joins is None:
            self.joins = joined_pairs(self.strokes)
        return self.joins


def joined_pairs(strokes: Sequence[Sequence[Point]]) -> list[list[Point]]:
    """Stroke i and i + 1 as one stroke (written without lifting the finger), for each i."""
    return [resample([*a, *b], POINTS) for a, b in itertools.pairwise(strokes)]


class TemplateMatcher:
    """Ranks template characters against written strokes (already :func:`prepare`-d)."""

    def __init__(self, templates: Iterable[tuple[str, str]]) -> None:
        # decoding every template and its histogram takes most of a second: it is done per
        # stroke count on first use, so loading (at the kiosk's start) only buckets the lines
        self._encoded: dict[int, list[tuple[str, str]]] = {}
        self._count_of: dict[str, int] = {}
        for text, encoded in templates:
            count = len(encoded.split())
            if count:
                self._encoded.setdefault(count, []).append((text, encoded))
                self._count_of[text] = count
        self._by_text: dict[str, Template] = {}
        #: per stroke count, the templates' histograms and texts side by side (coarse stage)
        self._histograms: dict[int, tuple[list[list[float]], list[str]]] = {}
        self._lock = threading.Lock()

    def _bucket(self, count: int) -> tuple[list[list[float]], list[str]]:
        found = self._histograms.get(count)
        if found is not None:
            return found
        with self._lock:
            found = self._histograms.get(count)
            if found is None:
                hists: list[list[float]] = []
                texts: list[str] = []
                for text, encoded in self._encoded.get(count, ()):
                    strokes = decode(encoded)
                    t = Template(text, strokes, direction_histogram(strokes))
                    self._by_text[text] = t
                    hists.append(t.histogram)
                    texts.append(text)
                found = self._histograms[count] = (hists, texts)
        return found

    def _template(self, text: str) -> Template | None:
        count = self._count_of.get(text)
        if count is None:
            return None
        self._bucket(count)
        return self._by_text.get(text)

    @classmethod
    def load(cls, path: Path = TEMPLATES) -> TemplateMatcher:
        lines = path.read_text(encoding="utf-8").splitlines()
        pairs = []
        for line in lines:
            if not line or line.startswith("#") or "\t" not in line:
                continue
            text, encoded = line.split("\t", 1)
            pairs.append((text, encoded))
        return cls(pairs)

    def __len__(self) -> int:
        return len(self._count_of)

    def __contains__(self, text: object) -> bool:
        return text in self._count_of

    def coarse(self, written: Sequence[Sequence[Point]], n: int) -> list[str]:
        """The ``n`` templates with a stroke count within one of ``written``'s whose direction
        histograms overlap most (the histograms sum to 1, so the L1 distance is 2 - 2 × the
        overlap, and only the bins the writing has ink in count)."""
        k = len(written)
        if k == 0 or n <= 0:
            return []
        hist = direction_histogram(written)
        inked = [i for i, v in enumerate(hist) if v > 0.0]
        if not inked:
            return []
        values = [hist[i] for i in inked]
        if len(inked) == 1:
            inked.append(inked[0])  # itemgetter of one index returns a bare value
            values.append(0.0)
        pick = itemgetter(*inked)
        overlaps: list[float] = []
        texts: list[str] = []
        for count in (k - 1, k, k + 1):
            hists, names = self._bucket(count)
            overlaps.extend([sum(map(min, values, pick(h))) for h in hists])
            texts.extend(names)
        best = heapq.nlargest(n, range(len(texts)), key=overlaps.__getitem__)
        return [texts[i] for i in best]

    def rank(
        self, written: Sequence[Sequence[Point]], texts: Iterable[str]
    ) -> list[tuple[float, str]]:
        """(distance, text) for each of ``texts`` that has a comparable template, nearest first."""
        joins = joined_pairs(written)
        scored = []
        for text in texts:
            d = self.distance(written, text, joins)
            if d is not None:
                scored.append((d, text))
        scored.sort()
        return scored

    def distance(
        self,
        written: Sequence[Sequence[Point]],
        text: str,
        joins: Sequence[Sequence[Point]] | None = None,
    ) -> float | None:
        """How far the written strokes are from the template ``text`` (0 = identical), or
        None when there is no template or their stroke counts differ by two or more and the
        template is not a longer character being written. ``joins`` is
        :func:`joined_pairs` of ``written`` (computed when not given)."""
        t = self._template(text)
        k = len(written)
        if t is None or k == 0:
            return None
        m = len(t.strokes)
        if m >= k:
            prefix = t.prefix(k) if m > k else t.strokes
            d = _aligned(written, prefix) + MISSING_STROKE * (m - k)
            if m == k + 1:  # or two strokes written as one
                d = min(d, _joined(t.strokes, t.joined(), written) + EXTRA_STROKE)
            return d
        if m == k - 1:  # one stroke written in two parts
            if joins is None:
                joins = joined_pairs(written)
            return _joined(written, joins, t.strokes) + EXTRA_STROKE
        return None


def _aligned(written: Sequence[Sequence[Point]], template: Sequence[Sequence[Point]]) -> float:
    """Mean stroke distance in writing order, where any two neighbouring strokes may have been
    written the other way round (at a cost of :data:`SWAPPED`)."""
    k = len(written)
    best = [0.0] * (k + 1)
    for i in range(1, k + 1):
        b = best[i - 1] + stroke_distance(written[i - 1], template[i - 1])
        if i >= 2:
            swapped = (
                best[i - 2]
                + stroke_distance(written[i - 2], template[i - 1])
                + stroke_distance(written[i - 1], template[i - 2])
                + SWAPPED
            )
            b = min(b, swapped)
        best[i] = b
    return best[k] / k


def _joined(
    longer: Sequence[Sequence[Point]],
    joins: Sequence[Sequence[Point]],
    shorter: Sequence[Sequence[Point]],
) -> float:
    """Best alignment where two consecutive strokes of ``longer`` are one stroke of
    ``shorter`` (joined without lifting the finger): the two are resampled together and
    compared with it (``joins``: :func:`joined_pairs` of ``longer``), the others in order."""
    k = len(longer)
    direct = [stroke_distance(a, b) for a, b in zip(longer, shorter, strict=False)]
    shifted = [stroke_distance(longer[i + 1], shorter[i]) for i in range(k - 1)]
    before = [0.0]  # strokes before the joined pair, aligned
    for d in direct[: k - 1]:
        before.append(before[-1] + d)
    after = [0.0] * k  # strokes after it, shifted by one
    for i in range(k - 2, -1, -1):
        after[i] = after[i + 1] + shifted[i]
    best = float("inf")
    for j in range(k - 1):
        best = min(best, before[j] + stroke_distance(joins[j], shorter[j]) + after[j + 1])
    return best / (k - 1) if k > 1 else 1.0
