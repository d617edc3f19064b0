"""The pinyin index: words and characters by pinyin key with frequencies, and the name
statistics (``names.py``: surnames, given-name characters, positions), read from
``kiosk/assets/ime/`` once per process and shared.

``words.txt`` is built from jieba's dictionary and pypinyin's readings by
``scripts/build-ime-index``. Parsing it takes about 0.2 s, so the parsed tables are kept in a
cache file (the platform cache directory) that loads in about 0.05 s. ``char_readings`` and
``surname_readings`` are the small tables host search uses.
"""

from __future__ import annotations

import hashlib
import marshal
import math
import os
import sys
import threading
from functools import lru_cache
from pathlib import Path

from kiosk.core.config.assets import ASSETS_DIR
from kiosk.core.input.names import NameModel

IME_DIR = ASSETS_DIR / "ime"

#: longest word in the index, in syllables
MAX_WORD_SYLLABLES = 4

# readings in pypinyin's data that are interjections, not syllables anyone types on purpose;
# treating "n" or "m" as whole syllables would break abbreviations such as "ln"
_NOT_SYLLABLES = frozenset({"m", "n", "ng", "hm", "hng", "fiao"})


class Index:
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
        self.names = NameModel(folder)
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

    def forget_parsed(self) -> None:
        """Forget the lines parsed so far (benchmarks measure cold keystrokes)."""
        with self._lock:
            self._parsed.clear()


def _read_surnames(path: Path) -> tuple[tuple[str, str], ...]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            text, key = line.split()[:2]
            out.append((text, key))
    return tuple(out)


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


_index: Index | None = None
_index_lock = threading.Lock()


def load_index(folder: Path = IME_DIR, cache_dir: Path | None = None) -> Index:
    global _index
    if _index is None:
        with _index_lock:
            if _index is None:
                _index = Index(folder, cache_dir)
    return _index


def loaded_index() -> Index | None:
    """The shared index if it has been read, else None (never reads it)."""
    return _index


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
