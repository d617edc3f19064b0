"""Find a host or a department as a visitor types: Chinese, pinyin, initials, English, room.

``DirectorySearch(hosts, departments).search("ln")`` finds 李娜; so do "李娜", "娜", "lina",
"li na", "Li", and her room "503". A department matches by its name in either language (and
its pinyin) and is returned itself, followed by its people, so a visitor who knows no name can
still pick a department.

Ranking: exact > whole syllables ("li" is 李 and 黎, not 林 or 刘) > exact initials ("dj" is
邓娟) > prefix > initials prefix > substring; within one level, departments before people, a
person's own name before a match through their department, then people of larger departments
first (more visitors come for them), then directory order.

Results carry only what a visitor may see (names, department, floor, room): never a phone
number or an e-mail address. The index is built once (about half a second for 50,000 hosts,
so build it on a worker thread) and answers each keystroke in a few milliseconds; build a new
one when the directory changes (it is immutable, so swapping it in is thread-safe).
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kiosk.core.input.index import char_readings, surname_readings
from kiosk.core.models import Department, Host

EXACT, SYLLABLES, INITIALS_EXACT, PREFIX, INITIALS, SUBSTRING = range(6)
_LEVELS = (EXACT, SYLLABLES, INITIALS_EXACT, PREFIX, INITIALS, SUBSTRING)
_MAX_QUERY = 64
_MAX_READINGS = 4  # pinyin spellings indexed per name (polyphonic characters, surnames)
_DIGRAPHS = frozenset({"zh", "ch", "sh"})
# Latin letters with accents, and combining accents: only then is stripping worth the time
_ACCENTED = re.compile("[\u00c0-\u024f\u0300-\u036f\u1e00-\u1eff]")
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One row of the host picker: only what a visitor may see."""

    kind: str  # "host" or "department"
    id: str
    name_zh: str
    name_en: str
    department_zh: str
    department_en: str
    floor: str
    room: str

    def name(self, lang: str) -> str:
        if lang.startswith("zh"):
            return self.name_zh or self.name_en
        return self.name_en or self.name_zh


def fold(text: str) -> str:
    """Width-, case-, accent- and punctuation-insensitive form used for matching.

    ``ü`` becomes ``v`` as on a pinyin keyboard ("lü" -> "lv"); other accents on Latin
    letters go ("José" -> "jose").
    """
    return "".join(_words(text))


def _words(text: str) -> list[str]:
    """Folded words of a text: runs of letters and digits (a CJK name is one word)."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ü", "v")
    if _ACCENTED.search(text):
        kept: list[str] = []
        base_is_latin = False
        for ch in unicodedata.normalize("NFD", text):
            if unicodedata.combining(ch):
                if base_is_latin:
                    continue  # an accent on a Latin letter
            else:
                base_is_latin = ch.isascii()
            kept.append(ch)
        text = unicodedata.normalize("NFC", "".join(kept))
    return _WORD.findall(text)


def _is_hanzi(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


class DirectorySearch:
    """An in-memory index over one site's directory; immutable once built."""

    def __init__(self, hosts: Sequence[Host], departments: Sequence[Department]) -> None:
        self._departments = list(departments)
        # ties are broken by department size, then directory order: entity ids follow it
        sizes: dict[str, int] = {}
        for host in hosts:
            sizes[host.department_id] = sizes.get(host.department_id, 0) + 1
        order = sorted(range(len(hosts)), key=lambda i: (-sizes[hosts[i].department_id], i))
        self._hosts = [hosts[i] for i in order]
        self._dept_by_id = {d.id: d for d in self._departments}
        n_dept = len(self._departments)
        self._n_dept = n_dept

        readings = char_readings()
        surnames = surname_readings()
        # directories repeat names (张伟, David Miller …): group them and work each out once
        by_name: dict[tuple[str, str], list[int]] = {}
        by_room: dict[str, list[int]] = {}
        members: dict[str, list[int]] = {d.id: [] for d in self._departments}
        records: Iterable[Department | Host] = itertools.chain(self._departments, self._hosts)
        for entity, record in enumerate(records):
            name_key = (record.name_zh, record.name_en)
            group = by_name.get(name_key)
            if group is None:
                by_name[name_key] = [entity]
            else:
                group.append(entity)
            if record.room:
                group = by_room.get(record.room)
                if group is None:
                    by_room[record.room] = [entity]
                else:
                    group.append(entity)

        for entity, host in enumerate(self._hosts, start=n_dept):
            dept_members = members.get(host.department_id)
            if dept_members is not None:
                dept_members.append(entity)

        terms: dict[str, list[int]] = {}
        syllable_terms: dict[str, list[int]] = {}
        initials: dict[str, list[int]] = {}
        chars: dict[str, list[int]] = {}
        names_zh = [""] * len(self._departments + self._hosts)
        for (name_zh, name_en), group in by_name.items():
            zh, own_terms, own_initials, own_syllables = _terms_of(
                name_zh, name_en, readings, surnames
            )
            tables = ((terms, own_terms), (initials, own_initials), (syllable_terms, own_syllables))
            for table, keys in tables:
                for term in keys:
                    posting = table.get(term)
                    if posting is None:
                        table[term] = group[:]
                    else:
                        posting.extend(group)
            if zh:
                for e in group:
                    names_zh[e] = zh
                for ch in set(zh):
                    if not ch.isascii():
                        posting = chars.get(ch)
                        if posting is None:
                            chars[ch] = group[:]
                        else:
                            posting.extend(group)
        for room, group in by_room.items():
            room_key = fold(room)
            if room_key:
                posting = terms.get(room_key)
                # the same entity may already be there under a name term
                terms[room_key] = group if posting is None else sorted(set(posting).union(group))
        # several name groups may share a term: put each posting back in directory order
        # (nearly free for the many that are in order already)
        for table in (terms, initials, chars, syllable_terms):
            for posting in table.values():
                if len(posting) > 1:
                    posting.sort()
        self._names_zh = names_zh

        self._terms = terms
        self._syllable_terms = syllable_terms
        self._term_prefixes = _PrefixIndex(terms)
        self._initials = initials
        self._initial_prefixes = _PrefixIndex(initials)
        self._chars = chars
        self._members = [members[d.id] for d in self._departments]

    def __len__(self) -> int:
        return len(self._hosts)

    # -- searching ---------------------------------------------------------------------------
    def search(self, query: str, limit: int = 20) -> list[SearchResult]:
        """Hosts and departments matching ``query``, best first, at most ``limit``."""
        if not isinstance(query, str) or limit <= 0:
            return []
        q = fold(query[: _MAX_QUERY * 4])[:_MAX_QUERY]
        if not q:
            return []
        seen: set[int] = set()
        picked: list[int] = []
        for level in _LEVELS:
            own = self._level(level, q, limit + len(seen))
            if not own:
                continue
            # departments and people matched by their own fields, in directory order …
            for e in own:
                if e not in seen:
                    seen.add(e)
                    picked.append(e)
                    if len(picked) >= limit:
                        return self._results(picked)
            # … then the people of the departments matched at this level
            for d in own:
                if d >= self._n_dept:
                    break
                for e in self._members[d]:
                    if e not in seen:
                        seen.add(e)
                        picked.append(e)
                        if len(picked) >= limit:
                            return self._results(picked)
        return self._results(picked)

    def _level(self, level: int, q: str, need: int) -> list[int]:
        """Entities matching ``q`` at one ranking level, in directory order.

        The list may stop early, but never before ``need`` entities.
        """
        if level == EXACT:
            return self._terms.get(q, [])
        if level == SYLLABLES:
            return self._syllable_terms.get(q, [])
        if level == INITIALS_EXACT:
            return self._initials.get(q, []) if q.isascii() and q.isalpha() else []
        if level == PREFIX:
            return self._term_prefixes.smallest(q, need)
        if level == INITIALS:
            if not q.isascii() or not q.isalpha():
                return []
            return self._initial_prefixes.smallest(q, need)
        # substring of a Chinese name (a prefix was found above already)
        if q.isascii():
            return []
        postings = [self._chars.get(ch, []) for ch in set(q)]
        smallest = min(postings, key=len)
        names = self._names_zh
        return [e for e in smallest if q in names[e] and not names[e].startswith(q)]

    def _results(self, entities: list[int]) -> list[SearchResult]:
        out = []
        for e in entities:
            if e < self._n_dept:
                d = self._departments[e]
                out.append(
                    SearchResult(
                        "department",
                        d.id,
                        d.name_zh,
                        d.name_en,
                        d.name_zh,
                        d.name_en,
                        d.floor,
                        d.room,
                    )
                )
            else:
                h = self._hosts[e - self._n_dept]
                dept = self._dept_by_id.get(h.department_id)
                out.append(
                    SearchResult(
                        "host",
                        h.id,
                        h.name_zh,
                        h.name_en,
                        dept.name_zh if dept else "",
                        dept.name_en if dept else "",
                        h.floor or (dept.floor if dept else ""),
                        h.room or (dept.room if dept else ""),
                    )
                )
        return out


class _PrefixIndex:
    """Terms in sorted order, for "which entities have a term starting with q"."""

    def __init__(self, table: dict[str, list[int]]) -> None:
        self.table = table
        self.terms = sorted(table)
        # each term's first (smallest) entity: lets a short query skip most of its terms
        self.first = [table[t][0] for t in self.terms]

    def smallest(self, q: str, need: int) -> list[int]:
        """Entities with a term starting with ``q``, in directory order: at least the first
        ``need`` of them (all when there are fewer)."""
        terms = self.terms
        lo = bisect.bisect_left(terms, q)
        hi = bisect.bisect_left(terms, q + "\U0010ffff", lo)
        if hi - lo <= 1:
            return self.table[terms[lo]] if hi > lo else []
        firsts = self.first[lo:hi]
        distinct = sorted(set(firsts))
        if len(distinct) > need:
            # the need-th smallest first entity bounds the answer: no term whose first entity
            # is above it can hold an entity at or below it
            bound = distinct[need - 1] if need > 0 else distinct[0]
            picked = [lo + i for i, f in enumerate(firsts) if f <= bound]
        else:
            picked = list(range(lo, hi))
            bound = None
        found: set[int] = set()
        table = self.table
        for i in picked:
            found.update(table[terms[i]])
        ordered = sorted(found)
        if bound is not None:
            ordered = ordered[: bisect.bisect_right(ordered, bound)]
        return ordered


def _terms_of(
    name_zh: str,
    name_en: str,
    readings: dict[str, tuple[str, ...]],
    surnames: dict[str, tuple[str, ...]],
) -> tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(folded Chinese name, terms, initials terms, whole-syllable prefixes) of one entry."""
    zh = fold(name_zh)
    terms: list[str] = [zh] if zh else []
    initials: list[str] = []
    syllable_prefixes: list[str] = []
    for spelling, forms, heads in _pinyin(zh, readings, surnames):
        terms.append(spelling)
        syllable_prefixes.extend(heads)
        if "v" in spelling:
            terms.append(spelling.replace("v", "u"))  # 吕 typed "lu" as well as "lv"/"lü"
        initials.extend(forms)
    if name_en:
        words = _words(name_en)
        terms.append("".join(words))
        terms.extend(words)
        if "ü" in name_en.casefold():
            # "Müller" is typed "muller" as often as "müller"
            plain = _words(name_en.casefold().replace("ü", "u"))
            terms.append("".join(plain))
            terms.extend(plain)
        if len(words) > 1:
            initials.append("".join(w[0] for w in words))
    return (
        zh,
        tuple(dict.fromkeys(t for t in terms if t)),
        tuple(dict.fromkeys(initials)),
        tuple(dict.fromkeys(syllable_prefixes)),
    )


def _pinyin(
    zh: str, readings: dict[str, tuple[str, ...]], surnames: dict[str, tuple[str, ...]]
) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """Pinyin spellings of a Chinese name, their initials forms ("ln", "zhw") and their
    shorter whole-syllable prefixes ("li" for "lina").

    The surname is read as a surname (曾 zeng, 单 shan, 欧阳 ou'yang); other characters by
    their usual reading, plus their second reading, one character at a time, while the number
    of spellings stays small (乐 le/yue).
    """
    if not zh:
        return []
    syllables: list[str]
    if len(zh) > 2 and zh[:2] in surnames:
        syllables = surnames[zh[:2]][0].split("'")
        rest = zh[2:]
    elif len(zh) > 1 and zh[0] in surnames:
        syllables = [surnames[zh[0]][0]]
        rest = zh[1:]
    else:
        syllables = []
        rest = zh
    chinese = bool(syllables)
    second: list[tuple[int, str]] = []  # (position, other reading) of polyphonic characters
    for ch in rest:
        got = readings.get(ch)
        if got is None:
            syllables.append(ch)
        else:
            chinese = True
            if len(got) > 1:
                second.append((len(syllables), got[1]))
            syllables.append(got[0])
    if not chinese:
        return []
    spellings = [_spelling(syllables)]
    for position, reading in second[: _MAX_READINGS - 1]:
        other = syllables[:]
        other[position] = reading
        spellings.append(_spelling(other))
    return spellings


def _spelling(syllables: list[str]) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    first = "".join([s[0] for s in syllables])
    heads = tuple("".join(syllables[:k]) for k in range(1, len(syllables)))
    if any(s[:2] in _DIGRAPHS for s in syllables):
        digraph = "".join([s[:2] if s[:2] in _DIGRAPHS else s[0] for s in syllables])
        return "".join(syllables), (first, digraph), heads
    return "".join(syllables), (first,), heads
