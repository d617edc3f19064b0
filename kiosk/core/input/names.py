"""Whole Chinese names from name statistics: surname frequencies, given-name characters by
syllable, and how often each syllable starts or ends a two-character given name.

A name is scored as log P(surname) + log P(length of the given name) + for each given-name
syllable log P(syllable at its position) + log P(character | syllable). The tables are
``surnames.txt``, ``name-chars.txt`` and ``given-position.txt`` in ``kiosk/assets/ime/``,
built from published data by ``scripts/build-ime-index`` (sources and licences in
``scripts/ime_names_data.py`` and docs/input.md). Never imports Kivy; never raises on odd input.
"""

from __future__ import annotations

import heapq
import math
import threading
from functools import lru_cache
from pathlib import Path

Spec = tuple[str, bool]  # (letters, exact) of one typed piece, as in segment.spec_of
Scored = tuple[float, str, str]  # (log-probability, text, pinyin)

#: how many given-name characters per syllable take part in composing a whole name
_CHARS_PER_PIECE = 12
# P(length of the given name): most names given since the 1980s have two characters; "none"
# only competes when two syllables spell a compound surname exactly (诸葛), so it is generous
_LENGTH_PRIOR = {0: math.log(0.5), 1: math.log(0.25), 2: math.log(0.70), 3: math.log(0.02)}
# a syllable typed in full most likely means that syllable ("na" is 娜 before 楠, nan)
_TYPED_IN_FULL = math.log(8.0)
_POSITIONS = {1: ("single",), 2: ("first", "second"), 3: ("first", "first", "second")}


class NameModel:
    """The name tables of one index folder; immutable after construction, thread-safe."""

    def __init__(self, folder: Path) -> None:
        self.surnames: list[tuple[float, str, str]] = []  # (log P, text, key), best first
        total = 0.0
        rows = []
        for line in (folder / "surnames.txt").read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                parts = line.split()
                ppm = float(parts[2]) if len(parts) > 2 else 1.0
                rows.append((parts[0], parts[1], ppm))
                total += ppm
        self.surnames = [(math.log(ppm / total), text, key) for text, key, ppm in rows]
        self.surname_set = frozenset(text for _lp, text, _k in self.surnames)
        # by the first letter, with the syllables apart: a keystroke looks at few of them
        self.surnames_by_letter: dict[str, list[tuple[float, str, str, tuple[str, ...]]]] = {}
        for lp, text, key in self.surnames:
            entry = (lp, text, key, tuple(key.split("'")))
            self.surnames_by_letter.setdefault(key[0], []).append(entry)
        #: one-syllable surnames, likeliest first
        self.single_surnames = [(t, k) for _lp, t, k in self.surnames if "'" not in k]
        self._chars: dict[str, str] = {}
        for line in (folder / "name-chars.txt").read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                syllable, _, rest = line.partition(" ")
                self._chars[syllable] = rest
        counts: dict[str, tuple[int, int]] = {}
        for line in (folder / "given-position.txt").read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                syllable, first_text, second_text = line.split()
                counts[syllable] = (int(first_text), int(second_text))
        first_total = sum(f for f, _s in counts.values()) or 1
        second_total = sum(s for _f, s in counts.values()) or 1
        self._position: dict[str, dict[str, float]] = {"first": {}, "second": {}, "single": {}}
        for syllable, (first, second) in counts.items():
            self._position["first"][syllable] = math.log((first + 1) / first_total)
            self._position["second"][syllable] = math.log((second + 1) / second_total)
            both = (first + second + 2) / (first_total + second_total)
            self._position["single"][syllable] = math.log(both)
        self._floor = math.log(1 / (first_total + second_total))
        self._parsed: dict[str, tuple[tuple[tuple[float, str], ...], bool]] = {}
        self._lock = threading.Lock()

    def syllable_chars(self, syllable: str, depth: int = 100_000) -> tuple[tuple[float, str], ...]:
        """(log P(character | syllable), character) of given names, most frequent first; only
        the first ``depth`` are parsed (a keystroke needs a dozen, the "more" view all)."""
        got = self._parsed.get(syllable)
        if got is not None and (got[1] or len(got[0]) >= depth):
            return got[0][:depth]
        total_text, _, rest = self._chars.get(syllable, "0 ").partition(" ")
        total = int(total_text) or 1
        items = rest.split(" ", depth)
        complete = len(items) <= depth
        out = []
        for item in items[:depth]:
            ch, _, count = item.rpartition(":")
            if ch:
                out.append((math.log(int(count) / total), ch))
        result = tuple(out)
        with self._lock:
            self._parsed[syllable] = (result, complete)
        return result

    def forget_parsed(self) -> None:
        """Forget the lines parsed so far (benchmarks measure cold keystrokes)."""
        with self._lock:
            self._parsed.clear()

    def given_piece(self, spec: Spec, position: str, syllables: frozenset[str]) -> list[Scored]:
        """Given-name characters for one typed piece at one position, best first."""
        return list(_given_piece(self, spec, position, syllables))

    def given_chars_order(self, syllable: str) -> list[str]:
        """Every given-name character of one syllable, most frequent in names first."""
        return [ch for _lp, ch in self.syllable_chars(syllable)]


@lru_cache(maxsize=4096)
def _given_piece(
    model: NameModel, spec: Spec, position: str, syllables: frozenset[str]
) -> tuple[Scored, ...]:
    text, exact = spec
    keys = [text] if exact else [s for s in model._chars if s.startswith(text)]
    table = model._position.get(position, {})
    scored: list[Scored] = []
    for key in keys:
        at = table.get(key, model._floor)
        if key == text and text in syllables:
            at += _TYPED_IN_FULL
        for lp, ch in model.syllable_chars(key, _CHARS_PER_PIECE):
            scored.append((at + lp, ch, key))
    scored.sort(key=lambda item: -item[0])
    return tuple(scored[:_CHARS_PER_PIECE])


def _given_names(
    model: NameModel, specs: tuple[Spec, ...], syllables: frozenset[str], limit: int
) -> list[Scored]:
    """The ``limit`` likeliest given names for the pieces (a beam over the positions)."""
    positions = _POSITIONS.get(len(specs))
    if positions is None:
        return []
    beam: list[Scored] = [(_LENGTH_PRIOR[len(specs)], "", "")]
    for spec, position in zip(specs, positions, strict=True):
        options = model.given_piece(spec, position, syllables)
        if not options:
            return []
        grown = [
            (score + lp, text + ch, f"{key}'{k}" if key else k)
            for score, text, key in beam
            for lp, ch, k in options
        ]
        beam = heapq.nlargest(limit, grown, key=lambda item: item[0])
    return beam


def compose_names(
    model: NameModel,
    specs: tuple[Spec, ...],
    syllables: frozenset[str],
    *,
    given_only: bool,
    limit: int = 5,
) -> list[Scored]:
    """Whole names for the pieces, likeliest first: a surname (one or two syllables, none when
    ``given_only``) then a given name of one to three characters."""
    n = len(specs)
    found: list[Scored] = []
    if given_only:
        found.extend(_given_names(model, specs, syllables, limit))
        return sorted(found, key=lambda item: -item[0])[:limit]
    surnames = _matching_surnames(model, specs[:2])
    for length in (1, 2):
        heads = [s for s in surnames if s[2].count("'") + 1 == length]
        if not heads or n < length:
            continue
        if n == length:
            if length == 2:  # a compound surname on its own (诸葛)
                found.extend((lp + _LENGTH_PRIOR[0], text, key) for lp, text, key in heads)
            continue
        given = _given_names(model, specs[length:], syllables, limit)
        for lp, text, key in heads[:limit]:
            for glp, gtext, gkey in given:
                found.append((lp + glp, text + gtext, f"{key}'{gkey}"))
    found.sort(key=lambda item: -item[0])
    return found[:limit]


def matches(syllable: str, spec: Spec) -> bool:
    """A syllable matches an exact piece when equal, any other piece when it starts with it."""
    text, exact = spec
    return syllable == text if exact else syllable.startswith(text)


@lru_cache(maxsize=2048)
def _matching_surnames(model: NameModel, specs: tuple[Spec, ...]) -> list[Scored]:
    """Surnames whose syllables match the first pieces (at most two), likeliest first."""
    n = len(specs)
    return [
        (lp, text, key)
        for lp, text, key, parts in model.surnames_by_letter.get(specs[0][0][:1], ())
        if len(parts) <= n and all(map(matches, parts, specs))
    ]
