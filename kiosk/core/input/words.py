"""Words and characters matching typed pieces, scored by log-frequency (``span_words``), with a
bonus when the syllables are exactly the letters typed.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from functools import lru_cache

from kiosk.core.input.index import Index
from kiosk.core.input.segment import matches

# score bonus for a word whose last syllable was typed completely ("jin" -> 金 before 京)
EXACT_BONUS = math.log(20.0)
# a single syllable typed in full means that syllable: "xian" is 先 before 向 (xiang)
EXACT_CHAR_BONUS = 100.0


@lru_cache(maxsize=2048)  # about 10 MB at most; a visitor types far less
def span_words_cached(
    index: Index, specs: tuple[tuple[str, bool], ...], depth: int, exact_bonus: bool
) -> tuple[tuple[float, str, str], ...]:
    if all(exact for _t, exact in specs):
        key = "'".join(t for t, _e in specs)
        return tuple((math.log(f), w, key) for w, f in index.words(key, depth))
    sig = "".join(t[0] for t, _e in specs)
    keys = [
        parts
        for parts in map(_split_key, index.by_initials.get(sig, ()))
        if len(parts) == len(specs) and all(map(matches, parts, specs))
    ]
    typed = tuple(t for t, _e in specs)

    def scored(parts: tuple[str, ...]) -> Iterable[tuple[float, str, str]]:
        key = "'".join(parts)
        if parts != typed or not exact_bonus:
            bonus = 0.0
        elif len(parts) == 1:
            bonus = EXACT_CHAR_BONUS
        else:
            bonus = EXACT_BONUS
        for w, f in index.words(key, depth):
            yield (-(math.log(f) + bonus), w, key)

    merged = heapq.merge(*(scored(p) for p in keys))
    out = []
    for neg_score, w, key in merged:
        out.append((-neg_score, w, key))
        if len(out) >= depth:
            break
    return tuple(out)


def _split_key(key: str) -> tuple[str, ...]:
    return tuple(key.split("'"))


def span_words(
    index: Index,
    specs: tuple[tuple[str, bool], ...],
    depth: int = 48,
    *,
    exact_bonus: bool = True,
) -> tuple[tuple[float, str, str], ...]:
    """(score, word, key) of words matching the pieces, best first.

    The score is the log-frequency, plus (with ``exact_bonus``, for ranking what the
    visitor sees) a bonus when the syllables are exactly the letters typed.
    """
    if not specs or any(not t for t, _e in specs):
        return ()
    return span_words_cached(index, specs, depth, exact_bonus)
