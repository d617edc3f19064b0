"""Visitor input under arbitrary text: validators, phone parser, host search, pinyin engine.

Whatever a visitor (or a stuck key, or a barcode scanner in the wrong field) types: only
``ValidationError`` escapes, every error names a message that exists in both languages,
search never shows a phone number or e-mail address and agrees with a brute-force ranking,
and every valid pinyin syllable sequence gets candidates.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from kiosk.core.config.errors import ValidationError
from kiosk.core.config.i18n import LANGUAGES, catalogue
from kiosk.core.input.index import char_readings, load_index, surname_readings
from kiosk.core.input.pinyin import Candidate, PinyinEngine
from kiosk.core.input.search import DirectorySearch, SearchResult, _terms_of, fold
from kiosk.core.models import Department, Host
from kiosk.core.store.records import normalise_phone
from kiosk.core.visits.validation import (
    CODE_MAX,
    NAME_MAX,
    Phone,
    parse_phone,
    validate_code,
    validate_company,
    validate_name,
)

NASTY = (
    "\ud800\udfff\r\n\x00\x0b\x0c\x1b\x85\u2028\u2029\u202e\u2066\ufeff\u200d+-()０１２３＋😀👨‍👩‍👧"
)
text = st.text(
    alphabet=st.one_of(
        st.characters(codec=None, categories=None), st.sampled_from(NASTY), st.characters()
    ),
    max_size=80,
)
digits_text = st.text(alphabet="0123456789 +-()１２３４５６７８９０", max_size=30)
HUGE = ["1" * 1_000_000, "a" * 1_000_000, "李" * 200_000, "😀" * 100_000, "\x00" * 100_000]

BOTH = [catalogue(lang) for lang in LANGUAGES]


def assert_known(err: ValidationError, field: str) -> None:
    assert err.field == field
    for messages in BOTH:
        assert messages.get(err.message_key, "").strip(), err.message_key


# -- validators ----------------------------------------------------------------------------
@settings(deadline=None, max_examples=400)
@given(st.one_of(text, digits_text))
def test_phone_parser_returns_a_phone_or_a_known_error(value):
    try:
        phone = parse_phone(value)
    except ValidationError as err:
        assert_known(err, "phone")
        return
    assert isinstance(phone, Phone)
    assert phone.e164.startswith("+") and phone.e164[1:].isdigit()
    assert 8 <= len(phone.e164) - 1 <= 15
    assert normalise_phone(value) == phone.normalised
    assert len(phone.masked) == len(phone.normalised) and "*" in phone.masked


separator = st.sampled_from(["", " ", "-", " - ", ".", "\u3000", "\u00a0"])


@st.composite
def mainland_numbers(draw):
    number = (
        "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    )
    prefix = draw(st.sampled_from(["", "+86", "0086", "+86 ", "0086 ", "＋８６"]))
    seps = [draw(separator) for _ in range(3)]
    typed = prefix + number[:3] + seps[0] + number[3:7] + seps[1] + number[7:]
    if draw(st.booleans()):
        typed = typed.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return number, draw(st.sampled_from(["", " "])) + typed + draw(st.sampled_from(["", " "]))


@settings(deadline=None, max_examples=300)
@given(mainland_numbers())
def test_every_way_of_typing_a_mainland_mobile(case):
    number, typed = case
    phone = parse_phone(typed)
    assert phone == Phone(number, "+86" + number, True)
    assert normalise_phone(typed) == number


@st.composite
def international_numbers(draw):
    cc = draw(st.sampled_from(["1", "44", "49", "81", "852", "886", "33", "971"]))
    rest = draw(st.text("0123456789", min_size=8 - len(cc), max_size=15 - len(cc)))
    groups = [rest[i : i + 3] for i in range(0, len(rest), 3)]
    typed = "+" + cc + draw(separator) + draw(separator).join(groups)
    return "+" + cc + rest, typed


@settings(deadline=None, max_examples=300)
@given(international_numbers())
def test_every_international_number(case):
    e164, typed = case
    phone = parse_phone(typed)
    assert (phone.normalised, phone.e164, phone.mainland) == (e164, e164, False)
    assert normalise_phone(typed) == e164


@settings(deadline=None, max_examples=400)
@given(text)
@example("李娜")
@example("  ")
def test_name_validator(value):
    try:
        name = validate_name(value)
    except ValidationError as err:
        assert_known(err, "name")
        return
    assert 1 <= len(name) <= NAME_MAX
    assert name == name.strip() and "  " not in name
    assert any(ch.isalpha() for ch in name)


@settings(deadline=None, max_examples=300)
@given(text)
def test_company_validator(value):
    try:
        company = validate_company(value)
    except ValidationError as err:
        assert_known(err, "company")
        return
    assert len(company) <= 100 and company == company.strip()


@settings(deadline=None, max_examples=300)
@given(st.one_of(text, st.text("abcXYZ0123-_ ", max_size=30)))
def test_code_validator(value):
    try:
        code = validate_code(value)
    except ValidationError as err:
        assert_known(err, "code")
        return
    assert 4 <= len(code) <= CODE_MAX
    assert code.isascii() and code.isalnum() and code == code.upper()


@pytest.mark.parametrize("value", HUGE)
def test_huge_inputs_are_refused_quickly(value):
    for fn, field in (
        (parse_phone, "phone"),
        (validate_name, "name"),
        (validate_company, "company"),
        (validate_code, "code"),
    ):
        with pytest.raises(ValidationError) as info:
            fn(value)
        assert_known(info.value, field)


# -- host search ---------------------------------------------------------------------------
SURNAMES = "王李张刘陈杨黄赵吴曾单欧阳吕"
GIVEN = "伟娜敏静丽强乐长重明"
ENGLISH = ["David", "Miller", "Sarah", "Jones", "Li", "Na", "Wang", "Lü", "O'Brien", ""]

host_strategy = st.builds(
    lambda i, zh, en, room, dept: (zh, en, room, dept),
    st.integers(),
    st.text(alphabet=SURNAMES + GIVEN, max_size=4),
    st.lists(st.sampled_from(ENGLISH), max_size=2).map(" ".join),
    st.sampled_from(["", "101", "1203", "503", "50"]),
    st.sampled_from(["a", "b", "c"]),
)
DEPTS = [
    Department("a", "s", "研发部", "Research & Development", "5", "503"),
    Department("b", "s", "人力资源部", "Human Resources", "2", "205"),
    Department("c", "s", "销售部", "Sales", "4", "406"),
]


def build(rows) -> tuple[DirectorySearch, list[Host]]:
    hosts = [
        Host(
            id=f"h{n}",
            site_id="s",
            department_id=dept,
            name_zh=zh,
            name_en=en,
            room=room,
            email=f"secret{n}@mail.example",
            phone=f"1390000{n:04d}",
        )
        for n, (zh, en, room, dept) in enumerate(rows)
    ]
    return DirectorySearch(hosts, DEPTS), hosts


def reference(hosts: list[Host], query: str) -> list[tuple[str, str]]:
    """The ranking worked out the slow, obvious way for every entity."""
    q = fold(query)
    if not q:
        return []
    readings, surnames = char_readings(), surname_readings()
    # people of larger departments first, then directory order
    sizes = {d.id: sum(h.department_id == d.id for h in hosts) for d in DEPTS}
    people = sorted(range(len(hosts)), key=lambda i: (-sizes.get(hosts[i].department_id, 0), i))
    entities = [("department", d) for d in DEPTS] + [("host", hosts[i]) for i in people]
    level: dict[int, int] = {}
    for n, (_kind, record) in enumerate(entities):
        zh, terms, initials, heads = _terms_of(record.name_zh, record.name_en, readings, surnames)
        terms = (*terms, fold(record.room)) if record.room else terms
        letters = q.isascii() and q.isalpha()
        best = 9
        if q in terms:
            best = 0
        elif q in heads:
            best = 1
        elif letters and q in initials:
            best = 2
        elif any(t.startswith(q) for t in terms if t):
            best = 3
        elif letters and any(t.startswith(q) for t in initials):
            best = 4
        elif not q.isascii() and q in zh:
            best = 5
        if best < 9:
            level[n] = best
    order: list[int] = []
    seen: set[int] = set()
    for lv in range(6):
        own = [n for n in range(len(entities)) if level.get(n) == lv]
        for n in own:
            if n not in seen:
                seen.add(n)
                order.append(n)
        for n in own:
            if n < len(DEPTS):
                for m, (_k, h) in enumerate(entities):
                    if m >= len(DEPTS) and h.department_id == DEPTS[n].id and m not in seen:
                        seen.add(m)
                        order.append(m)
    return [(entities[n][0], entities[n][1].id) for n in order]


queries = st.one_of(
    text,
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzü '·", max_size=12),
    st.text(alphabet=SURNAMES + GIVEN + "部研发人力", min_size=1, max_size=3),
    st.sampled_from(["l", "li", "ln", "wang", "503", "50", "sales", "研发", "david mil", "lv"]),
)


@settings(deadline=None, max_examples=250, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(host_strategy, max_size=30), queries, st.integers(min_value=0, max_value=60))
def test_search_is_safe_and_agrees_with_the_obvious_ranking(rows, query, limit):
    index, hosts = build(rows)
    results = index.search(query, limit=limit)
    assert len(results) <= limit
    secrets = {h.phone for h in hosts} | {h.email for h in hosts}
    for r in results:
        assert isinstance(r, SearchResult)
        assert not secrets & set(dataclasses.astuple(r))
    assert [(r.kind, r.id) for r in results] == reference(hosts, query)[:limit]


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(host_strategy, min_size=1, max_size=30), st.data())
def test_ranking_for_prefixes_of_what_is_in_the_directory(rows, data):
    """Queries a visitor would type: the start of someone's pinyin, initials or name."""
    index, hosts = build(rows)
    h = data.draw(st.sampled_from(hosts))
    zh, terms, initials, _heads = _terms_of(
        h.name_zh, h.name_en, char_readings(), surname_readings()
    )
    pool = [t for t in (*terms, *initials, zh, h.room) if t]
    assume(pool)
    term = data.draw(st.sampled_from(pool))
    query = term[: data.draw(st.integers(min_value=1, max_value=len(term)))]
    limit = data.draw(st.integers(min_value=1, max_value=40))
    got = [(r.kind, r.id) for r in index.search(query, limit=limit)]
    assert got == reference(hosts, query)[:limit]


@settings(deadline=None, max_examples=100)
@given(st.lists(host_strategy, min_size=1, max_size=30), st.data())
def test_every_host_is_found_by_its_own_names(rows, data):
    index, hosts = build(rows)
    h = data.draw(st.sampled_from(hosts))
    for name in (h.name_zh, h.name_en):
        if fold(name):
            ids = [r.id for r in index.search(name, limit=1000)]
            assert h.id in ids, name


@pytest.mark.parametrize("value", HUGE)
def test_search_with_huge_input(value):
    index, _ = build([("李娜", "Li Na", "503", "a")])
    assert isinstance(index.search(value), list)


# -- pinyin engine -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def engine() -> PinyinEngine:
    e = PinyinEngine(cache_dir=None)
    e.load()
    return e


SYLLABLES = sorted(load_index().syllables)


@settings(deadline=None, max_examples=400)
@given(
    st.one_of(text, st.text(alphabet="abcdefghijklmnopqrstuvwxyzü' ", max_size=30)),
    st.sampled_from(["text", "name", "company"]),
    text,
)
def test_engine_never_fails(engine, letters, field, context):
    cands = engine.candidates(letters, field=field, context=context)
    assert isinstance(engine.segment(letters), str)
    assert len(cands) <= 24
    for c in cands:
        assert isinstance(c, Candidate) and c.text
        assert 1 <= c.consumed <= len(letters)
    assert len({(c.text, c.consumed) for c in cands}) == len(cands)


@settings(deadline=None, max_examples=400)
@given(
    st.lists(st.sampled_from(SYLLABLES), min_size=1, max_size=6),
    st.sampled_from(["", "'"]),
    st.sampled_from(["text", "name"]),
    st.booleans(),
)
def test_valid_pinyin_always_gets_candidates(engine, syllables, sep, field, initials_only):
    letters = "".join(s[0] for s in syllables) if initials_only else sep.join(syllables)
    cands = engine.candidates(letters, field=field)
    assert cands, letters
    # the first choice uses some of the letters, and the rest is still typeable
    assert 1 <= cands[0].consumed <= len(letters)
    if not initials_only and sep == "'":
        # with explicit separators every syllable is kept as typed
        assert engine.segment(letters).replace("ü", "v") == letters
