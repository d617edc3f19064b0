"""Pinyin input method for the on-screen keyboard: letters in, Chinese candidates out.

The keyboard widget keeps the letters a visitor has typed and asks :class:`PinyinEngine` for
candidates on every keystroke. Each :class:`Candidate` says how many of those letters it
consumes, so the keyboard commits it and keeps typing with the rest, like every real IME::

    engine = PinyinEngine()
    engine.segment("zhangwei")                    # "zhang'wei" for the composition line
    engine.candidates("zhangwei", field="name")   # [Candidate("张伟", "zhang'wei", 8), …]
    engine.candidates("wei", field="name", context="张")  # given-name characters first

The index (``index.py``) is read on the first keystroke (or earlier, from a worker thread, with
:meth:`PinyinEngine.load`: the kiosk should do that at start-up) and shared by every engine in
the process. ``segment.py`` splits letters into syllables, ``words.py`` finds the words for them;
this module ranks them into candidates (names by surname and given-name characters).

This module never imports Kivy and never raises on odd input: anything that is not pinyin
simply yields fewer (or no) candidates.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from kiosk.core.input.index import (
    IME_DIR,
    MAX_WORD_SYLLABLES,
    Index,
    default_cache_dir,
    load_index,
    loaded_index,
)
from kiosk.core.input.segment import Piece, matches, normalise, resplits, spec_of, split_letters
from kiosk.core.input.words import EXACT_BONUS, EXACT_CHAR_BONUS, span_words, span_words_cached

#: fields that change the ranking; any other field name ranks like "text"
FIELDS = ("text", "name", "company")

_NAME_BONUS = math.log(1000.0)
_NAME_ALTERNATIVES = 4
# log-frequency below which a character's reading is too rare to guess from a bare initial
_COMMON_READING = math.log(50.0)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One choice on the candidate bar.

    ``text`` is what gets committed, ``pinyin`` its reading (syllables joined by ``'``), and
    ``consumed`` how many characters of the typed ``letters`` it replaces: the keyboard keeps
    ``letters[consumed:]`` as the new composition.
    """

    text: str
    pinyin: str
    consumed: int


def clear_caches() -> None:
    """Forget every memoised split and lookup (benchmarks measure cold keystrokes with it)."""
    split_letters.cache_clear()
    span_words_cached.cache_clear()
    _given_ranked.cache_clear()
    index = loaded_index()
    if index is not None:
        index.forget_parsed()


# -- the engine -----------------------------------------------------------------------------


class PinyinEngine:
    """Pinyin to Chinese candidates, ranked by word frequency (and by surname in names).

    Construction is instant; the index is read on the first call that needs it (about a
    tenth of a second) or when :meth:`load` is called, which a kiosk does from a worker thread
    at start-up. Thread-safe: engines share one read-only index.
    """

    def __init__(
        self, *, data_dir: Path = IME_DIR, cache_dir: Path | Literal["auto"] | None = "auto"
    ) -> None:
        """``cache_dir``: where the parsed index is kept between starts; ``"auto"`` is the
        platform cache directory (:func:`default_cache_dir`), ``None`` keeps no cache."""
        self._data_dir = data_dir
        self._cache_dir = default_cache_dir() if cache_dir == "auto" else cache_dir

    # -- public API -------------------------------------------------------------------------
    def load(self) -> None:
        """Read the index now (idempotent); call from a worker thread to hide the delay."""
        load_index(self._data_dir, self._cache_dir)

    @property
    def loaded(self) -> bool:
        return loaded_index() is not None

    def segment(self, letters: str) -> str:
        """The syllable split for the composition line: ``"zhangwei"`` -> ``"zhang'wei"``.

        ``v`` is shown as ``ü`` ("lvse" -> "lü'se"). Letters the engine cannot use (a stray
        "u", digits, anything after them) follow the last syllable as typed.
        """
        usable = self._usable(letters)
        shown = "'".join(p.text.replace("v", "ü") for p in usable)
        rest = letters[usable[-1].end if usable else 0 :].strip("' ")
        if rest:
            return f"{shown}'{rest}" if shown else rest
        return shown

    def candidates(
        self, letters: str, *, field: str = "text", context: str = "", limit: int = 24
    ) -> list[Candidate]:
        """Candidates for the typed ``letters``, best first, at most ``limit``.

        Order: the best reading of all the letters (a word, or a sentence composed from
        words), other words for all the letters, then words and characters for the first
        syllables (consuming fewer letters). ``field="name"`` ranks common surnames first
        for the first syllable and given-name characters after it; ``context`` is the text
        already committed in the field (after a surname, the next syllable is a given name).
        """
        if limit <= 0:
            return []
        usable = self._usable(letters)
        if not usable:
            return []
        index = load_index(self._data_dir, self._cache_dir)
        name_mode = field == "name"
        given_only = name_mode and any(_is_hanzi(ch) for ch in context)

        out: list[Candidate] = []
        seen: set[tuple[str, int]] = set()

        def add(text: str, key: str, consumed: int) -> None:
            if (text, consumed) not in seen:
                seen.add((text, consumed))
                out.append(Candidate(text, key, consumed))

        n = len(usable)
        specs = tuple(spec_of(p, last=(i == n - 1)) for i, p in enumerate(usable))

        if n >= 2:
            sentence = self._best_sentence(index, specs, name_mode, given_only)
            if sentence is not None:
                add(sentence[0], sentence[1], usable[-1].end)
                if name_mode:
                    for text, key in _name_alternatives(index, sentence, specs[-1]):
                        add(text, key, usable[-1].end)

        # words for all the letters, then for fewer and fewer leading syllables
        for k in range(min(n, MAX_WORD_SYLLABLES), 0, -1):
            consumed = usable[k - 1].end
            if k == 1 and name_mode:
                for text, key in self._first_syllable_for_name(index, specs[0], given_only):
                    add(text, key, consumed)
                    if len(out) >= limit:
                        return out
            words: Iterable[tuple[float, str, str]] = span_words(index, specs[:k])
            if k == n:
                # other ways to split the same letters: "xian" is also xi'an (西安)
                alts = resplits(index, specs, vowel_start=not name_mode)
                others = [span_words(index, alt) for alt in alts]
                if others and n == 1:
                    # a whole word for all the letters competes with the exact characters
                    lift = EXACT_CHAR_BONUS - EXACT_BONUS
                    others = [tuple((sc + lift, w, k) for sc, w, k in o) for o in others]
                if others:
                    words = heapq.merge(words, *others, key=lambda item: -item[0])
            for _score, text, key in words:
                add(text, key, consumed)
                if len(out) >= limit:
                    return out
        return out[:limit]

    # -- internals --------------------------------------------------------------------------
    def _usable(self, letters: str) -> list[Piece]:
        """The leading run of pieces that can be converted (up to the first unusable one)."""
        if not isinstance(letters, str) or not letters:
            return []
        norm, ends = normalise(letters)
        if not norm.strip("'"):
            return []
        index = load_index(self._data_dir, self._cache_dir)
        raw = split_letters(norm, index.syllables, index.prefixes)
        pieces: list[Piece] = []
        for text, end, complete in raw:
            if not text:
                break
            # swallow separators right after the piece into what it consumes
            j = end
            while j < len(norm) and norm[j] == "'":
                j += 1
            pieces.append(Piece(text, ends[j - 1], complete))
        return pieces

    def _first_syllable_for_name(
        self, index: Index, spec: tuple[str, bool], given_only: bool
    ) -> list[tuple[str, str]]:
        """Surnames (or given-name characters, after a surname) matching one syllable."""
        text, exact = spec
        if given_only:
            return [(w, key) for _s, w, key in _given_ranked(index, spec)]
        # one-syllable surnames (exactly the letters typed first: "shan" is 单 before 尚);
        # 欧阳 and the like come with the two-syllable words
        single = [(name, key) for name, key in index.surnames if "'" not in key]
        same = [(name, key) for name, key in single if key == text]
        if exact:
            return same
        return same + [(name, key) for name, key in single if key != text and key.startswith(text)]

    def _best_sentence(
        self,
        index: Index,
        specs: tuple[tuple[str, bool], ...],
        name_mode: bool,
        given_only: bool,
    ) -> tuple[str, str] | None:
        """The best composed reading over this split and the other splits of the letters."""
        best: tuple[float, str, str] | None = None
        for mode in ((name_mode, given_only), (False, False)) if name_mode else ((False, False),):
            alts = resplits(index, specs, vowel_start=not mode[0])
            for candidate_specs in (specs, *alts):
                got = self._compose(index, candidate_specs, name_mode=mode[0], given_only=mode[1])
                if got is not None and (best is None or got[0] > best[0]):
                    best = got
            if best is not None:
                break  # a name reading, when there is one, beats plain words in a name field
        return (best[1], best[2]) if best is not None else None

    def _compose(
        self,
        index: Index,
        specs: tuple[tuple[str, bool], ...],
        *,
        name_mode: bool,
        given_only: bool,
    ) -> tuple[float, str, str] | None:
        """Best reading of all pieces as a chain of words (Viterbi on word frequencies):
        (score, text, pinyin)."""
        n = len(specs)
        neg = -math.inf
        best: list[float] = [neg] * (n + 1)
        back: list[tuple[int, str, str]] = [(0, "", "")] * (n + 1)
        best[0] = 0.0
        if name_mode and not given_only:
            # a name starts with a surname: one or two syllables from the surname list
            for rank, (name, key) in enumerate(index.surnames):
                parts = key.split("'")
                if len(parts) > n:
                    continue
                if all(matches(p, s) for p, s in zip(parts, specs, strict=False)):
                    score = -math.log(rank + 2)
                    if len(parts) > 1 and all(
                        p == s[0] for p, s in zip(parts, specs, strict=False)
                    ):
                        # 诸葛, 欧阳 spelled out in full: rare surnames, but nothing else
                        # reads those two syllables as a name so naturally
                        score = -math.log(2)
                    k = len(parts)
                    if score > best[k]:
                        best[k] = score
                        back[k] = (0, name, key)
            best[0] = neg
        for i in range(n):
            if best[i] == neg:
                continue
            for j in range(i + 1, min(n, i + MAX_WORD_SYLLABLES) + 1):
                if name_mode:
                    # given names: common given-name characters, one syllable at a time
                    if j != i + 1:
                        break
                    choice = self._best_given(index, specs[i])
                    if choice is None:
                        continue
                    score, text, key = choice
                else:
                    words = span_words(index, specs[i:j], depth=1, exact_bonus=False)
                    if not words:
                        continue
                    s, text, key = words[0]
                    score = s - index.log_total
                if best[i] + score > best[j]:
                    best[j] = best[i] + score
                    back[j] = (i, text, key)
        if best[n] == neg:
            return None
        texts: list[str] = []
        keys: list[str] = []
        j = n
        while j > 0:
            i, text, key = back[j]
            texts.append(text)
            keys.append(key)
            j = i
        return best[n], "".join(reversed(texts)), "'".join(reversed(keys))

    @staticmethod
    def _best_given(index: Index, spec: tuple[str, bool]) -> tuple[float, str, str] | None:
        ranked = _given_ranked(index, spec)
        if not ranked:
            return None
        return ranked[0]


@lru_cache(maxsize=1024)
def _given_ranked(index: Index, spec: tuple[str, bool]) -> tuple[tuple[float, str, str], ...]:
    """Characters for one syllable of a given name, best first."""
    abbreviated = spec[0] not in index.syllables
    ranked = [
        (_given_score(index, s, w, abbreviated=abbreviated), w, key)
        for s, w, key in span_words(index, (spec,), depth=400)
    ]
    if not ranked:
        return ()
    # as log-probabilities among this syllable's characters, so that a longer name is not
    # free: 欧阳 (one compound surname) beats 欧 + 杨 for "ouyang"
    top = max(score for score, _w, _k in ranked)
    log_sum = top + math.log(sum(math.exp(score - top) for score, _w, _k in ranked))
    ranked = [(score - log_sum, w, key) for score, w, key in ranked]
    ranked.sort(key=lambda item: -item[0])
    return tuple(ranked)


def _name_alternatives(
    index: Index, name: tuple[str, str], last_spec: tuple[str, bool]
) -> list[tuple[str, str]]:
    """The same name with the next likeliest given-name characters for its last syllable
    (张伟 -> 张薇, 张卫), as (text, pinyin)."""
    text, key = name
    if text in index.surname_set or len(text) < 2:
        return []
    stem, stem_key = text[:-1], key.rpartition("'")[0]
    given = _given_ranked(index, last_spec)
    floor = given[0][0] - 4.0 if given else 0.0  # leaves out rare readings (立 as "wei")
    out = [
        (stem + w, f"{stem_key}'{k}")
        for score, w, k in given
        if w != text[-1] and w in index.given and score >= floor
    ]
    return out[: _NAME_ALTERNATIVES - 1]


def _given_score(index: Index, score: float, char: str, *, abbreviated: bool = False) -> float:
    """A character's score as part of a given name: common name characters lifted well up.

    The lift is large enough that 伟 beats 为 for "wei" but not so large that a character
    read this way only rarely (立 as "wei") beats a frequent one. For a bare initial ("zw")
    nothing but the given-name list says what was meant, so its order decides.
    """
    rank = index.given.get(char)
    if rank is None:
        return score - 3.0
    if abbreviated and score >= _COMMON_READING:
        return _NAME_BONUS + 20.0 - 0.05 * rank
    return score + _NAME_BONUS - 0.02 * rank


def _is_hanzi(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"
