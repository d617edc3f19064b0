"""Names typed right the first time: segmentation golden cases, compound surnames, name
ranking, and every character of a syllable reachable."""

from __future__ import annotations

import pytest

from kiosk.core.input.index import load_index
from kiosk.core.input.pinyin import Candidate, PinyinEngine
from kiosk.core.input.segment import normalise


@pytest.fixture(scope="module")
def engine() -> PinyinEngine:
    e = PinyinEngine(cache_dir=None)
    e.load()
    return e


def texts(cands: list[Candidate], n: int = 10) -> list[str]:
    return [c.text for c in cands[:n]]


def _reads_as_typed(engine: PinyinEngine, candidate: Candidate, letters: str) -> bool:
    """The candidate's pinyin spells the letters it consumes (another split of them, "xi'an"
    for "xian"), or syllable by syllable starts with the pieces typed ("zhang'wei" for "zw",
    "zhang" for an unfinished "zhan")."""
    typed = normalise(letters[: candidate.consumed])[0].replace("'", "")
    syllables = candidate.pinyin.split("'")
    if "".join(syllables) == typed:
        return True
    pieces = engine.segment(letters[: candidate.consumed]).replace("ü", "v").split("'")
    return len(pieces) == len(syllables) and all(
        s.startswith(p) for s, p in zip(syllables, pieces, strict=True)
    )


# -- segmentation: whole syllables over vowel-only splits ------------------------------------
@pytest.mark.parametrize(
    ("letters", "first"),
    [
        ("liaohao", "廖浩"),  # not 李奥浩 (li'ao'hao)
        ("maojie", "毛杰"),  # not 马哦杰 (ma'o'jie)
        ("lina", "李娜"),
        ("zhangwei", "张伟"),
    ],
)
def test_whole_syllables_win_in_names(engine, letters, first):
    got = engine.candidates(letters, field="name")
    assert got[0].text == first
    assert got[0].consumed == len(letters)


@pytest.mark.parametrize("letters", ["liaohao", "maojie", "xian", "zhangwei", "liuyang", "zw"])
def test_candidates_read_as_the_letters_they_consume(engine, letters):
    for field in ("name", "text"):
        for c in engine.candidates(letters, field=field, limit=24):
            assert _reads_as_typed(engine, c, letters), (letters, field, c)


def test_an_apostrophe_keeps_the_vowel_split(engine):
    assert engine.segment("li'ao") == "li'ao"
    first = engine.candidates("li'ao", field="name")[0]
    assert first.pinyin == "li'ao"


def test_xian_is_one_syllable_unless_split(engine):
    assert engine.segment("xian") == "xian"
    assert texts(engine.candidates("xian"))[0] == "先"
    assert texts(engine.candidates("xi'an"))[0] == "西安"


# -- name-aware ranking ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("letters", "first"),
    [
        ("ouyangna", "欧阳娜"),
        ("shangguanwan", "上官婉"),
        ("simaqian", "司马倩"),
        ("zhugeliang", "诸葛亮"),
        ("linghuchong", "令狐冲"),
    ],
)
def test_compound_surnames(engine, letters, first):
    got = texts(engine.candidates(letters, field="name"), 5)
    assert first[:2] == got[0][:2], got
    assert first in got, got


def test_a_compound_surname_alone_and_a_commoner_reading(engine):
    assert texts(engine.candidates("zhuge", field="name"))[0] == "诸葛"
    # 董芳 is a far likelier name than the rare surname 东方 on its own
    assert texts(engine.candidates("dongfang", field="name"))[0] == "董芳"


@pytest.mark.parametrize(
    ("letters", "name"),
    [("yuhong", "于红"), ("heping", "贺平"), ("luming", "陆明"), ("weidong", "韦东")],
)
def test_common_surnames_are_offered_beside_their_homophones(engine, letters, name):
    assert name in texts(engine.candidates(letters, field="name"), 12)


def test_several_whole_names_when_they_are_close(engine):
    whole = [c for c in engine.candidates("zhangwei", field="name") if c.consumed == 8]
    assert len({c.text for c in whole}) >= 3
    assert {"张伟", "张卫"} <= {c.text for c in whole}


def test_given_name_characters_after_a_surname_use_name_frequencies(engine):
    got = texts(engine.candidates("jie", field="name", context="张"), 12)
    assert got[0] == "杰"
    assert "婕" in got  # 27th for "jie" by word frequency, 4th in names


# -- every character reachable ---------------------------------------------------------------
PAGE = 8  # kiosk.widgets.candidates.PAGE_SIZE


@pytest.mark.parametrize("syllable", ["jie", "xi", "yu", "xin", "xun", "yi", "li", "shi"])
def test_every_character_of_a_syllable_is_reachable(engine, syllable):
    index = load_index()
    every = {w for w, _f in index.words(syllable, 100_000) if len(w) == 1}
    for field in ("text", "name"):
        listed = [c.text for c in engine.characters(syllable, field=field)]
        assert every <= set(listed), every - set(listed)
        assert len(listed) == len(set(listed))
        paged = [c.text for c in engine.candidates(syllable, field=field, limit=600)]
        assert every <= set(paged)


@pytest.mark.parametrize(
    ("syllable", "char"),
    [("jie", "婕"), ("xi", "曦"), ("yu", "钰"), ("xin", "昕")],
)
def test_rare_name_characters_within_two_pages_after_the_surname(engine, syllable, char):
    got = engine.candidates(syllable, field="name", context="王", limit=2 * PAGE)
    assert char in [c.text for c in got]


def test_a_rare_surname_comes_first_for_its_syllable(engine):
    assert engine.candidates("xun", field="name")[0].text == "荀"  # was 16th


def test_the_more_view_lists_given_name_characters_by_name_frequency(engine):
    # 祎 is 31st for "yi" after a surname: page 4 of the bar, row 4 of the "more" view
    listed = [c.text for c in engine.characters("yi", field="name", context="王")]
    assert listed.index("祎") < 40
