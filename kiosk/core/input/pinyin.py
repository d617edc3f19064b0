"""Pinyin input method for the on-screen keyboard: letters in, Chinese candidates out.

The keyboard widget keeps the letters a visitor has typed and asks :class:`PinyinEngine` for
candidates on every keystroke. Each :class:`Candidate` says how many of those letters it
consumes, so the keyboard commits it and keeps typing with the rest, like every real IME::

    engine = PinyinEngine()
    engine.segment("zhangwei")                    # "zhang'wei" for the composition line
    engine.candidates("zhangwei", field="name")   # [Candidate("张伟", "zhang'wei", 8), …]
    engine.candidates("wei", field="name", context="张")  # given-name characters first

Data: ``kiosk/assets/ime/words.txt`` (words and characters by pinyin key with frequencies, built
from jieba's dictionary and pypinyin's readings by ``scripts/build-ime-index``),
``surnames.txt`` and ``given-names.txt``. The index is read on the first keystroke (or earlier,
from a worker thread, with :meth:`PinyinEngine.load`: the kiosk should do that at start-up) and
shared by every engine in the process. Parsing the text takes about 0.2 s, so the parsed tables
are kept in a cache file (the platform cache directory) that loads in about 0.05 s.

This module never imports Kivy and never raises on odd input: anything that is not pinyin
simply yields fewer (or no) candidates.
"""

from __future__ import annotations

import hashlib
import heapq
import marshal
import math
import os
import sys
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from kiosk.core.config.assets import ASSETS_DIR

IME_DIR = ASSETS_DIR / "ime"

#: fields that change the ranking; any other field name ranks like "text"
FIELDS = ("text", "name", "company")
#: letters beyond this many are not composed (a kiosk field never needs more)
MAX_LETTERS = 64
#: longest word in the index, in syllables
MAX_WORD_SYLLABLES = 4

# readings in pypinyin's data that are interjections, not syllables anyone types on purpose;
# treating "n" or "m" as whole syllables would break abbreviations such as "ln"
_NOT_SYLLABLES = frozenset({"m", "n", "ng", "hm", "hng", "fiao"})
# other spellings visitors use for the same syllable
_ALIASES = {"lue": "lve", "nue": "nve"}
_SEPARATORS = frozenset("' ")
# score bonus for a word whose last syllable was typed completely ("jin" -> 金 before 京)
_EXACT_BONUS = math.log(20.0)
# a single syllable typed in full means that syllable: "xian" is 先 before 向 (xiang)
_EXACT_CHAR_BONUS = 100.0
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


@dataclass(frozen=True, slots=True)
class _Piece:
    text: str  # normalised letters of this piece (a syllable, an initial or a partial syllable)
    end: int  # index in the original letters just past this piece (and its separators)
    complete: bool  # a whole syllable (else a prefix of one, e.g. an initial)


# -- the index ------------------------------------------------------------------------------


class _Index:
    """Everything read from the asset files; immutable after construction.

    Parsing ``words.txt`` takes about 0.2 s; the parsed tables are kept in a cache file
    (``marshal``, about 3.5 MB) that loads in well under 0.1 s on the next start.
    """

    def __init__(self, folder: Path, cache_dir: Path | None = None) -> None:
        tables = _read_cache(folder, cache_dir) if cache_dir is not None else None
        if tables is None:
            tables = self._parse(folder)
            if cache_dir is not None:
                _write_cache(folder, cache_dir, tables)
        self.raw, self.by_initials, syllables, self.log_total = tables
        self.syllables = frozenset(syllables)
        prefixes: set[str] = set()
        for s in self.syllables:
            for i in range(1, len(s) + 1):
                prefixes.add(s[:i])
        self.prefixes = frozenset(prefixes)
        self.surnames = _read_surnames(folder / "surnames.txt")
        self.surname_set = frozenset(text for text, _key in self.surnames)
        self.given = _read_given_names(folder / "given-names.txt")
        self._parsed: dict[str, tuple[tuple[tuple[str, int], ...], bool]] = {}
        self._lock = threading.Lock()

    @classmethod
    def _parse(cls, folder: Path) -> _Tables:
        raw: dict[str, str] = {}
        with (folder / "words.txt").open(encoding="utf-8") as fh:
            for line in fh:
                key, _, rest = line.rstrip("\n").partition(" ")
                if key and rest:
                    raw[key] = rest
        for interjection in _NOT_SYLLABLES:
            raw.pop(interjection, None)  # 嗯 (n), 呒 (m): never what an initial means
        syllables = sorted(k for k in raw if "'" not in k)
        # keys grouped by the first letter of each syllable: "zw" -> ["zhang'wei", …]
        by_initials: dict[str, list[str]] = {}
        for key in raw:
            sig = "".join(p[0] for p in key.split("'"))
            by_initials.setdefault(sig, []).append(key)
        log_total = math.log(sum(cls._first_freq(v) for v in raw.values()) or 1)
        return raw, by_initials, syllables, log_total

    @staticmethod
    def _first_freq(rest: str) -> int:
        # the first word of each line is its most frequent one: a cheap stand-in for the total
        head = rest.split(" ", 1)[0]
        try:
            return int(head.rpartition(":")[2])
        except ValueError:
            return 0

    def words(self, key: str, depth: int) -> tuple[tuple[str, int], ...]:
        """The ``depth`` most frequent (word, frequency) of one exact key, best first.

        Lines are parsed on first use, and only as deep as asked: "li" has 300 characters
        and a keystroke rarely needs more than the first few dozen.
        """
        got = self._parsed.get(key)
        if got is not None and (got[1] or len(got[0]) >= depth):
            return got[0][:depth]
        rest = self.raw.get(key)
        if not rest:
            return ()
        items = rest.split(" ", depth)
        complete = len(items) <= depth
        out: list[tuple[str, int]] = []
        for item in items[:depth]:
            word, _, freq = item.rpartition(":")
            if word:
                out.append((word, int(freq) if freq.isdigit() else 1))
        result = tuple(out)
        with self._lock:
            self._parsed[key] = (result, complete)
        return result


def _read_surnames(path: Path) -> tuple[tuple[str, str], ...]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            text, key = line.split()
            out.append((text, key))
    return tuple(out)


def _read_given_names(path: Path) -> dict[str, int]:
    """Character -> rank (0 = most common)."""
    out: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        for ch in line.split():
            out.setdefault(ch, len(out))
    return out


_Tables = tuple[dict[str, str], dict[str, list[str]], list[str], float]
_CACHE_FORMAT = 2


def default_cache_dir() -> Path:
    """Where the parsed index is kept between starts (the platform's cache directory)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("lobby-kiosk")) / "ime"


def _cache_path(folder: Path, cache_dir: Path) -> Path:
    digest = hashlib.sha256()
    digest.update(f"{_CACHE_FORMAT}:{marshal.version}:{sys.version_info[:2]}".encode())
    digest.update((folder / "words.txt").read_bytes())
    return cache_dir / f"words-{digest.hexdigest()[:16]}.marshal"


def _read_cache(folder: Path, cache_dir: Path) -> _Tables | None:
    try:
        data = _cache_path(folder, cache_dir).read_bytes()
        tables = marshal.loads(data)
    except (OSError, EOFError, ValueError, TypeError):
        return None  # missing or unreadable: parse the text again
    if not (isinstance(tables, tuple) and len(tables) == 4):
        return None
    return tables


def _write_cache(folder: Path, cache_dir: Path, tables: _Tables) -> None:
    """Best effort: a read-only or full disk only costs the next start 0.2 s."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        path = _cache_path(folder, cache_dir)
        for old in cache_dir.glob("words-*.marshal"):
            if old != path:
                old.unlink(missing_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(tables))
        os.replace(tmp, path)
    except OSError:
        pass


_index: _Index | None = None
_index_lock = threading.Lock()


def _load_index(folder: Path = IME_DIR, cache_dir: Path | None = None) -> _Index:
    global _index
    if _index is None:
        with _index_lock:
            if _index is None:
                _index = _Index(folder, cache_dir)
    return _index


def clear_caches() -> None:
    """Forget every memoised split and lookup (benchmarks measure cold keystrokes with it)."""
    _split.cache_clear()
    _span_words_cached.cache_clear()
    _given_ranked.cache_clear()
    if _index is not None:
        with _index._lock:
            _index._parsed.clear()


@lru_cache(maxsize=1)
def char_readings() -> dict[str, tuple[str, ...]]:
    """Character -> tone-less readings (most usual first, ü as ``v``), for about 21,000 hanzi.

    Small and quick to load (used by host search to match names typed in pinyin).
    """
    out: dict[str, tuple[str, ...]] = {}
    with (IME_DIR / "chars.txt").open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2:
                out[parts[0]] = tuple(parts[1:])
    return out


@lru_cache(maxsize=1)
def surname_readings() -> dict[str, tuple[str, ...]]:
    """Common surname -> readings, its reading as a surname first (曾 -> ("zeng", "ceng")).

    Compound surnames keep their syllables apart: 欧阳 -> ("ou'yang",).
    """
    chars = char_readings()
    out: dict[str, tuple[str, ...]] = {}
    for text, key in _read_surnames(IME_DIR / "surnames.txt"):
        others = chars.get(text, ()) if len(text) == 1 else ()
        out[text] = (key, *[r for r in others if r != key][:1])
    return out


# -- splitting letters into syllables --------------------------------------------------------


def _normalise(letters: str) -> tuple[str, list[int]]:
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
def _split(
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
        _load_index(self._data_dir, self._cache_dir)

    @property
    def loaded(self) -> bool:
        return _index is not None

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
        index = _load_index(self._data_dir, self._cache_dir)
        name_mode = field == "name"
        given_only = name_mode and any(_is_hanzi(ch) for ch in context)

        out: list[Candidate] = []
        seen: set[tuple[str, int]] = set()

        def add(text: str, key: str, consumed: int) -> None:
            if (text, consumed) not in seen:
                seen.add((text, consumed))
                out.append(Candidate(text, key, consumed))

        n = len(usable)
        specs = tuple(_spec(p, last=(i == n - 1)) for i, p in enumerate(usable))

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
            words: Iterable[tuple[float, str, str]] = _span_words(index, specs[:k])
            if k == n:
                # other ways to split the same letters: "xian" is also xi'an (西安)
                others = [_span_words(index, alt) for alt in _resplits(index, specs)]
                if others and n == 1:
                    # a whole word for all the letters competes with the exact characters
                    lift = _EXACT_CHAR_BONUS - _EXACT_BONUS
                    others = [tuple((sc + lift, w, k) for sc, w, k in o) for o in others]
                if others:
                    words = heapq.merge(words, *others, key=lambda item: -item[0])
            for _score, text, key in words:
                add(text, key, consumed)
                if len(out) >= limit:
                    return out
        return out[:limit]

    # -- internals --------------------------------------------------------------------------
    def _usable(self, letters: str) -> list[_Piece]:
        """The leading run of pieces that can be converted (up to the first unusable one)."""
        if not isinstance(letters, str) or not letters:
            return []
        norm, ends = _normalise(letters)
        if not norm.strip("'"):
            return []
        index = _load_index(self._data_dir, self._cache_dir)
        raw = _split(norm, index.syllables, index.prefixes)
        pieces: list[_Piece] = []
        for text, end, complete in raw:
            if not text:
                break
            # swallow separators right after the piece into what it consumes
            j = end
            while j < len(norm) and norm[j] == "'":
                j += 1
            pieces.append(_Piece(text, ends[j - 1], complete))
        return pieces

    def _first_syllable_for_name(
        self, index: _Index, spec: tuple[str, bool], given_only: bool
    ) -> list[tuple[str, str]]:
        """Surnames (or given-name characters, after a surname) matching one syllable."""
        text, exact = spec
        if given_only:
            return [(w, key) for _s, w, key in _given_ranked(index, spec)]
        # one-syllable surnames; 欧阳 and the like come with the two-syllable words
        return [
            (name, key)
            for name, key in index.surnames
            if "'" not in key and (key == text or (not exact and key.startswith(text)))
        ]

    def _best_sentence(
        self,
        index: _Index,
        specs: tuple[tuple[str, bool], ...],
        name_mode: bool,
        given_only: bool,
    ) -> tuple[str, str] | None:
        """The best composed reading over this split and the other splits of the letters."""
        best: tuple[float, str, str] | None = None
        for mode in ((name_mode, given_only), (False, False)) if name_mode else ((False, False),):
            for candidate_specs in (specs, *_resplits(index, specs)):
                got = self._compose(index, candidate_specs, name_mode=mode[0], given_only=mode[1])
                if got is not None and (best is None or got[0] > best[0]):
                    best = got
            if best is not None:
                break  # a name reading, when there is one, beats plain words in a name field
        return (best[1], best[2]) if best is not None else None

    def _compose(
        self,
        index: _Index,
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
                if all(_matches(p, s) for p, s in zip(parts, specs, strict=False)):
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
                    words = _span_words(index, specs[i:j], depth=1, exact_bonus=False)
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
    def _best_given(index: _Index, spec: tuple[str, bool]) -> tuple[float, str, str] | None:
        ranked = _given_ranked(index, spec)
        if not ranked:
            return None
        return ranked[0]


@lru_cache(maxsize=1024)
def _given_ranked(index: _Index, spec: tuple[str, bool]) -> tuple[tuple[float, str, str], ...]:
    """Characters for one syllable of a given name, best first."""
    abbreviated = spec[0] not in index.syllables
    ranked = [
        (_given_score(index, s, w, abbreviated=abbreviated), w, key)
        for s, w, key in _span_words(index, (spec,), depth=400)
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
    index: _Index, name: tuple[str, str], last_spec: tuple[str, bool]
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


def _given_score(index: _Index, score: float, char: str, *, abbreviated: bool = False) -> float:
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


def _resplits(
    index: _Index, specs: tuple[tuple[str, bool], ...]
) -> list[tuple[tuple[str, bool], ...]]:
    """Other splits of the same letters into whole syllables, one change away from ``specs``.

    A syllable cut in two ("xian" -> xi'an) or a letter moved across a boundary
    ("fang'an" -> fan'gan). Only short inputs: longer ones have a composed sentence.
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
        if len(alt) <= MAX_WORD_SYLLABLES:
            last = len(alt) - 1
            out.append(tuple((t, j != last) for j, t in enumerate(alt)))
    return out


def _is_hanzi(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _spec(piece: _Piece, *, last: bool) -> tuple[str, bool]:
    """(letters, exact): exact pieces match a syllable exactly, others any syllable they start."""
    return piece.text, piece.complete and not last


def _matches(syllable: str, spec: tuple[str, bool]) -> bool:
    text, exact = spec
    return syllable == text if exact else syllable.startswith(text)


@lru_cache(maxsize=2048)  # about 10 MB at most; a visitor types far less
def _span_words_cached(
    index: _Index, specs: tuple[tuple[str, bool], ...], depth: int, exact_bonus: bool
) -> tuple[tuple[float, str, str], ...]:
    if all(exact for _t, exact in specs):
        key = "'".join(t for t, _e in specs)
        return tuple((math.log(f), w, key) for w, f in index.words(key, depth))
    sig = "".join(t[0] for t, _e in specs)
    keys = [
        parts
        for parts in map(_split_key, index.by_initials.get(sig, ()))
        if len(parts) == len(specs) and all(map(_matches, parts, specs))
    ]
    typed = tuple(t for t, _e in specs)

    def scored(parts: tuple[str, ...]) -> Iterable[tuple[float, str, str]]:
        key = "'".join(parts)
        if parts != typed or not exact_bonus:
            bonus = 0.0
        elif len(parts) == 1:
            bonus = _EXACT_CHAR_BONUS
        else:
            bonus = _EXACT_BONUS
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


def _span_words(
    index: _Index,
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
    return _span_words_cached(index, specs, depth, exact_bonus)
