"""The pinyin keyboard's engine: syllable split, candidates, partial commits, names."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kiosk.core.input import index as ime_index
from kiosk.core.input.index import char_readings, surname_readings
from kiosk.core.input.pinyin import Candidate, PinyinEngine

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def engine() -> PinyinEngine:
    e = PinyinEngine(cache_dir=None)
    e.load()
    return e


def texts(cands: list[Candidate], n: int = 10) -> list[str]:
    return [c.text for c in cands[:n]]


@pytest.mark.parametrize(
    ("letters", "shown"),
    [
        ("zhangwei", "zhang'wei"),
        ("beijing", "bei'jing"),
        ("xian", "xian"),
        ("xi'an", "xi'an"),
        ("fangan", "fan'gan"),  # spelling rule: fang'an needs its apostrophe
        ("fang'an", "fang'an"),
        ("lina", "li'na"),
        ("tiane", "tian'e"),  # no other way
        ("jiangu", "jian'gu"),  # "jiang'u" is impossible: no syllable "u"
        ("zw", "z'w"),
        ("zhw", "zh'w"),
        ("lvse", "lü'se"),
        ("lüse", "lü'se"),
        ("nve", "nüe"),
        ("lue", "lüe"),
        ("ZhangWei", "zhang'wei"),
        ("ｂｅｉｊｉｎｇ", "bei'jing"),
        ("", ""),
        ("123", "123"),
        ("zhang3", "zhang'3"),
    ],
)
def test_segment(engine, letters, shown):
    assert engine.segment(letters) == shown


def test_full_syllable(engine):
    got = texts(engine.candidates("zhang"))
    assert {"张", "章", "长"} <= set(got)
    assert all(c.consumed == 5 and c.pinyin == "zhang" for c in engine.candidates("zhang"))


def test_several_syllables_make_words_first(engine):
    beijing = engine.candidates("beijing")
    assert beijing[0] == Candidate("北京", "bei'jing", 7)
    assert texts(engine.candidates("nihao"))[0] == "你好"
    assert texts(engine.candidates("women"))[0] == "我们"
    assert texts(engine.candidates("xi'an"))[0] == "西安"
    assert texts(engine.candidates("zhongguoren"))[0] == "中国人"


def test_words_for_fewer_syllables_consume_fewer_letters(engine):
    cands = engine.candidates("zhongguoren", limit=60)
    by_text = {c.text: c.consumed for c in cands}
    assert by_text["中国人"] == 11
    assert by_text["中国"] == 8
    assert by_text["中"] == 5
    # after committing 中国 the keyboard keeps "ren"
    assert "zhongguoren"[by_text["中国"] :] == "ren"


def test_consumed_includes_the_separator(engine):
    cands = engine.candidates("xi'an", limit=40)
    xi = next(c for c in cands if c.text == "西")
    assert xi.consumed == 3  # "xi'" gone, "an" left
    assert "xi'an"[xi.consumed :] == "an"


def test_long_sentence_is_composed(engine):
    first = engine.candidates("zhongguorenmingongheguo")[0]
    assert first.text == "中国人民共和国"
    assert first.consumed == len("zhongguorenmingongheguo")


def test_last_syllable_may_be_unfinished(engine):
    assert texts(engine.candidates("beijin"))[0] == "北京"
    assert texts(engine.candidates("zh"))  # not empty
    assert "中" in texts(engine.candidates("zh"), 24)


def test_initials(engine):
    assert "北京" in texts(engine.candidates("bj"), 24)
    assert "中国" in texts(engine.candidates("zg"), 24)


def test_u_umlaut(engine):
    for letters in ("lv", "lü", "LV"):
        assert {"绿", "吕", "旅"} <= set(texts(engine.candidates(letters), 24)), letters
    assert texts(engine.candidates("lvse"))[0] == "绿色"
    assert "女" in texts(engine.candidates("nv"))
    assert "略" in texts(engine.candidates("lue"))


def test_names_put_surnames_first(engine):
    assert texts(engine.candidates("zhang", field="name"))[0] == "张"
    assert texts(engine.candidates("zhang"))[0] == "长"  # commoner in running text
    assert texts(engine.candidates("zeng", field="name"))[0] == "曾"
    assert texts(engine.candidates("shan", field="name"))[0] == "单"
    assert texts(engine.candidates("ou", field="name"))[0] == "欧"
    assert texts(engine.candidates("ouyang", field="name"))[0] == "欧阳"


def test_names_compose_surname_and_given_name(engine):
    assert engine.candidates("zhangwei", field="name")[0] == Candidate("张伟", "zhang'wei", 8)
    # 晓 is far commoner in given names than 小; both are offered whole
    assert texts(engine.candidates("wangxiaoming", field="name"))[0] == "王晓明"
    assert "王小明" in texts(engine.candidates("wangxiaoming", field="name"), 5)
    assert texts(engine.candidates("ouyangna", field="name"))[0] == "欧阳娜"
    assert "张伟" in texts(engine.candidates("zw", field="name"), 3)  # 张文 is as common
    assert "李娜" in texts(engine.candidates("ln", field="name"), 3)
    assert texts(engine.candidates("lina", field="name"))[0] == "李娜"
    assert texts(engine.candidates("zhuge", field="name"))[0] == "诸葛"
    assert texts(engine.candidates("zhugeliang", field="name"))[0] == "诸葛亮"


def test_given_name_after_a_committed_surname(engine):
    assert texts(engine.candidates("wei", field="name", context="张"))[0] == "伟"
    assert texts(engine.candidates("na", field="name", context="李"))[0] == "娜"
    # without the surname in context, the first syllable is a surname again
    assert texts(engine.candidates("wei", field="name"))[0] == "魏"


def test_limit(engine):
    assert len(engine.candidates("zhang", limit=3)) == 3
    assert engine.candidates("zhang", limit=0) == []
    assert len(engine.candidates("zhangwei")) <= 24


@pytest.mark.parametrize("letters", ["", " ", "'", "123", "😀", "\x00", "ü", "u", "i", "v"])
def test_nothing_to_convert(engine, letters):
    assert engine.candidates(letters) == []


def test_stops_at_the_first_character_that_is_not_pinyin(engine):
    cands = engine.candidates("ni3hao")
    assert cands and all(c.consumed == 2 for c in cands)


def test_huge_input_is_cut_short_not_slow(engine):
    cands = engine.candidates("zhang" * 10_000)
    assert cands and max(c.consumed for c in cands) <= 64


def test_candidate_is_frozen():
    c = Candidate("张", "zhang", 5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.text = "x"  # type: ignore[misc]


def test_loads_lazily_and_quickly_on_import():
    code = (
        "import time; t = time.perf_counter()\n"
        "import kiosk.core.input.index as index\n"
        "import kiosk.core.input.pinyin as ime\n"
        "e = ime.PinyinEngine(cache_dir=None)\n"
        "assert not e.loaded and index._index is None\n"
        "e.segment('')\n"
        "assert index._index is None\n"
        "e.candidates('zhang')\n"
        "assert e.loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


def test_load_from_a_worker_thread(engine):
    errors: list[BaseException] = []

    def work():
        try:
            PinyinEngine(cache_dir=None).load()
            PinyinEngine(cache_dir=None).candidates("beijing")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_char_and_surname_readings():
    readings = char_readings()
    assert readings["李"][0] == "li"
    assert readings["绿"][0] == "lv"
    assert len(readings) > 20_000
    surnames = surname_readings()
    assert surnames["曾"][0] == "zeng"
    assert surnames["欧阳"] == ("ou'yang",)
    assert len([s for s in surnames if len(s) == 1]) >= 100


def test_other_splits_of_the_same_letters(engine):
    assert "西安" in texts(engine.candidates("xian"), 12)
    assert texts(engine.candidates("xian"))[0] == "先"  # a whole syllable means that syllable
    assert texts(engine.candidates("fangan"))[:2] == ["方案", "反感"]


def test_parsed_index_is_cached_between_starts(tmp_path, monkeypatch):
    built = ime_index.Index(ime_index.IME_DIR, tmp_path)
    files = list(tmp_path.glob("words-*.marshal"))
    assert len(files) == 1

    def no_parsing(folder):
        raise AssertionError("parsed words.txt although a cache was there")

    monkeypatch.setattr(
        ime_index.Index, "_parse", classmethod(lambda cls, folder: no_parsing(folder))
    )
    cached = ime_index.Index(ime_index.IME_DIR, tmp_path)
    assert cached.raw == built.raw
    assert cached.by_initials == built.by_initials
    assert cached.syllables == built.syllables


def test_a_broken_or_unwritable_cache_costs_only_time(tmp_path):
    ime_index.Index(ime_index.IME_DIR, tmp_path)
    (cache,) = tmp_path.glob("words-*.marshal")
    cache.write_bytes(b"not marshal at all")
    again = ime_index.Index(ime_index.IME_DIR, tmp_path)
    assert "bei'jing" in again.raw
    assert cache.read_bytes() != b"not marshal at all"  # rewritten
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert "bei'jing" in ime_index.Index(ime_index.IME_DIR, blocker / "cache").raw


@pytest.mark.parametrize(
    ("letters", "first"),
    [("kuaidiyuan", "快递员"), ("fangke", "访客"), ("meituan", "美团"), ("huawei", "华为")],
)
def test_kiosk_vocabulary(engine, letters, first):
    assert texts(engine.candidates(letters, field="company"))[0] == first
