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
from kiosk.core.input.names import _given_piece, _matching_surnames, compose_names
from kiosk.core.input.segment import Piece, normalise, resplits, spec_of, split_letters
from kiosk.core.input.words import EXACT_BONUS, EXACT_CHAR_BONUS, span_words, span_words_cached

#: fields that change the ranking; any other field name ranks like "text"
FIELDS = ("text", "name", "company")

# whole-name candidates offered: those within this log-probability of the best, at most so many
_NAME_MARGIN = math.log(40.0)
_NAME_CANDIDATES = 5


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
    _given_piece.cache_clear()
    _matching_surnames.cache_clear()
    index = loaded_index()
    if index is not None:
        index.forget_parsed()
        index.names.forget_parsed()


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

        if name_mode:
            # whole names from name statistics, several when they are close (张伟, 张薇 …)
            for _score, text, key in self._whole_names(index, specs, given_only):
                add(text, key, usable[-1].end)
        if n >= 2 and not out:
            sentence = self._best_sentence(index, specs)
            if sentence is not None:
                add(sentence[0], sentence[1], usable[-1].end)

        # words for all the letters, then for fewer and fewer leading syllables
        for k in range(min(n, MAX_WORD_SYLLABLES), 0, -1):
            consumed = usable[k - 1].end
            if k == 1 and name_mode:
                for text, key in self._first_syllable_for_name(index, specs[0], given_only):
                    add(text, key, consumed)
                    if len(out) >= limit:
                        return out
            # the first syllable lists every character it has, so paging reaches them all
            depth = max(48, limit) if k == 1 else 48
            words: Iterable[tuple[float, str, str]] = span_words(index, specs[:k], depth)
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

    def characters(
        self, letters: str, *, field: str = "text", context: str = ""
    ) -> list[Candidate]:
        """Every character for the first syllable typed, likeliest first (the "more" view).

        In the name field surnames (or given-name characters after a surname) come first, then
        every other character of the syllable by frequency.
        """
        usable = self._usable(letters)
        if not usable:
            return []
        index = load_index(self._data_dir, self._cache_dir)
        spec = spec_of(usable[0], last=len(usable) == 1)
        out: list[Candidate] = []
        seen: set[str] = set()
        consumed = usable[0].end
        firsts: list[tuple[str, str]] = []
        if field == "name":
            given_only = any(_is_hanzi(ch) for ch in context)
            firsts = self._first_syllable_for_name(index, spec, given_only)
        rest = [(w, key) for _s, w, key in span_words(index, (spec,), 100_000)]
        for text, key in (*firsts, *rest):
            if len(text) == 1 and text not in seen:
                seen.add(text)
                out.append(Candidate(text, key, consumed))
        return out

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
            ranked = index.names.given_piece(spec, "single", index.syllables)
            if exact or text in index.syllables:
                # every given-name character of the syllable typed, not only the first dozen
                more = [(ch, text) for _lp, ch in index.names.syllable_chars(text)]
                return [(w, key) for _s, w, key in ranked if key == text] + more
            return [(w, key) for _s, w, key in ranked]
        # one-syllable surnames (exactly the letters typed first: "shan" is 单 before 尚);
        # 欧阳 and the like come with the two-syllable words
        single = index.names.single_surnames
        same = [(name, key) for name, key in single if key == text]
        if exact:
            return same
        return same + [(name, key) for name, key in single if key != text and key.startswith(text)]

    @staticmethod
    def _whole_names(
        index: Index, specs: tuple[tuple[str, bool], ...], given_only: bool
    ) -> list[tuple[float, str, str]]:
        """Whole names over this split and the other whole-syllable splits, best first, only
        those close to the best."""
        if len(specs) < (1 if given_only else 2):
            return []
        found: list[tuple[float, str, str]] = []
        for alt in (specs, *resplits(index, specs, vowel_start=False)):
            found.extend(compose_names(index.names, alt, index.syllables, given_only=given_only))
        if not found:
            return []
        found.sort(key=lambda item: -item[0])
        best = found[0][0]
        return [item for item in found if item[0] >= best - _NAME_MARGIN][:_NAME_CANDIDATES]

    def _best_sentence(
        self, index: Index, specs: tuple[tuple[str, bool], ...]
    ) -> tuple[str, str] | None:
        """The best composed reading over this split and the other splits of the letters."""
        best: tuple[float, str, str] | None = None
        for candidate_specs in (specs, *resplits(index, specs)):
            got = self._compose(index, candidate_specs)
            if got is not None and (best is None or got[0] > best[0]):
                best = got
        return (best[1], best[2]) if best is not None else None

    @staticmethod
    def _compose(
        index: Index, specs: tuple[tuple[str, bool], ...]
    ) -> tuple[float, str, str] | None:
        """Best reading of all pieces as a chain of words (Viterbi on word frequencies):
        (score, text, pinyin)."""
        n = len(specs)
        neg = -math.inf
        best: list[float] = [neg] * (n + 1)
        back: list[tuple[int, str, str]] = [(0, "", "")] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            if best[i] == neg:
                continue
            for j in range(i + 1, min(n, i + MAX_WORD_SYLLABLES) + 1):
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


def _is_hanzi(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"
