"""Splitting typed letters into pinyin syllables: ``normalise`` (what can be pinyin, ü as
``v``), ``split_letters`` (the best split: fewest pieces, whole syllables before partial ones)
and ``resplits`` (other splits of the same letters, "xian" -> xi'an).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from kiosk.core.input.index import MAX_WORD_SYLLABLES, Index
from kiosk.core.input.names import matches

__all__ = ["Piece", "matches", "normalise", "resplits", "spec_of", "split_letters"]

#: letters beyond this many are not composed (a kiosk field never needs more)
MAX_LETTERS = 64

# other spellings visitors use for the same syllable
_ALIASES = {"lue": "lve", "nue": "nve"}
_SEPARATORS = frozenset("' ")


@dataclass(frozen=True, slots=True)
class Piece:
    text: str  # normalised letters of this piece (a syllable, an initial or a partial syllable)
    end: int  # index in the original letters just past this piece (and its separators)
    complete: bool  # a whole syllable (else a prefix of one, e.g. an initial)


def normalise(letters: str) -> tuple[str, list[int]]:
    """Lower-case a-z letters and separators, with each one's end index in ``letters``.

    Stops at the first character that cannot be pinyin. ``ü`` (and ``u:``) become ``v``.
    """
    chars: list[str] = []
    ends: list[int] = []
    i = 0
    n = len(letters)
    while i < n and len(chars) < MAX_LETTERS:
        ch = letters[i]
        folded = unicodedata.normalize("NFKC", ch).lower() if not ch.isascii() else ch.lower()
        if folded in ("ü", "ǖ", "ǘ", "ǚ", "ǜ"):
            folded = "v"
        if folded == "u" and i + 1 < n and letters[i + 1] == ":":
            chars.append("v")
            i += 2
            ends.append(i)
            continue
        if len(folded) == 1 and ("a" <= folded <= "z" or folded in _SEPARATORS):
            chars.append("'" if folded in _SEPARATORS else folded)
            i += 1
            ends.append(i)
            continue
        break
    return "".join(chars), ends


@lru_cache(maxsize=2048)
def split_letters(
    norm: str, syllables: frozenset[str], prefixes: frozenset[str]
) -> tuple[tuple[str, int, bool], ...]:
    """Best split of normalised letters: (piece, end in norm, complete) triples.

    Fewest pieces wins, whole syllables beat partial ones; separators force a boundary.
    A letter that starts no syllable ("u", "i" at the start) becomes an unusable piece.
    """
    n = len(norm)
    inf = float("inf")
    best: list[float] = [inf] * (n + 1)
    back: list[tuple[int, str, bool]] = [(0, "", False)] * (n + 1)
    best[0] = 0.0
    for i in range(n):
        if best[i] == inf:
            continue
        if norm[i] == "'":
            if best[i] < best[i + 1]:
                best[i + 1] = best[i]
                back[i + 1] = (i, "'", True)
            continue
        for j in range(i + 1, min(n, i + 6) + 1):
            piece = norm[i:j]
            if "'" in piece:
                break
            alias = _ALIASES.get(piece, piece)
            if alias in syllables:
                cost, complete = 1.0, True
            elif piece in prefixes:
                cost, complete = 1.6, False
            else:
                continue
            # pinyin spelling rule: a syllable starting with a, o or e after another one is
            # written with an apostrophe ("fang'an"), so without one "lina" is li'na, not
            # lin'a, and "fangan" fan'gan; then prefer long pieces first
            if i > 0 and norm[i - 1] != "'" and piece[0] in "aoe":
                cost += 0.1
            cost -= 0.001 * len(piece)
            if best[i] + cost < best[j]:
                best[j] = best[i] + cost
                back[j] = (i, alias, complete)
        # an unusable letter, so that the rest still gets a split
        if best[i] + 100 < best[i + 1]:
            best[i + 1] = best[i] + 100
            back[i + 1] = (i, "", False)
    pieces: list[tuple[str, int, bool]] = []
    j = n
    while j > 0:
        i, piece, complete = back[j]
        if piece != "'":
            pieces.append((piece, j, complete))
        j = i
    pieces.reverse()
    return tuple(pieces)


def resplits(
    index: Index, specs: tuple[tuple[str, bool], ...], *, vowel_start: bool = True
) -> list[tuple[tuple[str, bool], ...]]:
    """Other splits of the same letters into whole syllables, one change away from ``specs``.

    A syllable cut in two ("xian" -> xi'an) or a letter moved across a boundary
    ("fang'an" -> fan'gan). Only short inputs: longer ones have a composed sentence.
    Without ``vowel_start``, no split that starts a syllable with a, o or e after another one
    (li'ao for "liao", ma'o for "mao"): pinyin writes those with an apostrophe, so a visitor
    who typed none meant the whole syllable.
    """
    n = len(specs)
    if n > 3:
        return []
    texts = [t for t, _e in specs]
    syllables = index.syllables
    found: list[list[str]] = []
    for i, text in enumerate(texts):
        for cut in range(1, len(text)):
            head, tail = text[:cut], text[cut:]
            if head in syllables and tail in syllables:
                found.append([*texts[:i], head, tail, *texts[i + 1 :]])
    for i in range(n - 1):
        left, right = texts[i], texts[i + 1]
        for moved in ((left[:-1], left[-1] + right), (left + right[:1], right[1:])):
            if moved[0] in syllables and moved[1] in syllables:
                found.append([*texts[:i], *moved, *texts[i + 2 :]])
    out = []
    for alt in found:
        if not vowel_start and any(t[0] in "aoe" for t in alt[1:]):
            continue
        if len(alt) <= MAX_WORD_SYLLABLES:
            last = len(alt) - 1
            out.append(tuple((t, j != last) for j, t in enumerate(alt)))
    return out


def spec_of(piece: Piece, *, last: bool) -> tuple[str, bool]:
    """(letters, exact): exact pieces match a syllable exactly, others any syllable they start."""
    return piece.text, piece.complete and not last
