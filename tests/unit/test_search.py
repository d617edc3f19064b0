"""Host search: every way a visitor may type a name, a department or a room."""

from __future__ import annotations

import dataclasses

import pytest

from kiosk.core.directory.demo import demo_directory
from kiosk.core.input.search import DirectorySearch, SearchResult
from kiosk.core.models import Department, Host


def host(i: str, zh: str, en: str = "", dept: str = "rnd", room: str = "", **kw) -> Host:
    return Host(
        id=i,
        site_id="s",
        department_id=dept,
        name_zh=zh,
        name_en=en,
        floor=room[:1],
        room=room,
        email=kw.pop("email", f"{i}@example.com"),
        phone=kw.pop("phone", "13800000000"),
        **kw,
    )


DEPTS = [
    Department("rnd", "s", "研发部", "Research & Development", "5", "503"),
    Department("hr", "s", "人力资源部", "Human Resources", "2", "205"),
    Department("sales", "s", "销售部", "Sales", "4", "406"),
]
HOSTS = [
    host("h1", "李娜", "Li Na", room="503", phone="13811112222", email="lina@corp.cn"),
    host("h2", "王伟", "Wang Wei", room="505"),
    host("h3", "大卫·米勒", "David Miller", dept="sales", room="410"),
    host("h4", "欧阳娜娜", "Ouyang Nana", dept="hr", room="206"),
    host("h5", "曾国强", "Zeng Guoqiang", dept="hr", room="207"),
    host("h6", "单田芳", "", dept="sales", room="411"),
    host("h7", "吕布", "Lü Bu", dept="sales", room="412"),
    host("h8", "", "Sarah Jones", dept="hr", room="208"),
    host("h9", "李宁", "Li Ning", room="506"),
]


@pytest.fixture(scope="module")
def index() -> DirectorySearch:
    return DirectorySearch(HOSTS, DEPTS)


def names(results: list[SearchResult]) -> list[str]:
    return [r.name_zh or r.name_en for r in results]


@pytest.mark.parametrize(
    "query",
    ["李娜", "lina", "li na", "Li Na", "LINA", "ｌｉｎａ", "ln", "LN", "lin", "li'na"],
)
def test_li_na_by_every_spelling(index, query):
    assert names(index.search(query))[0] == "李娜"


def test_chinese_substring(index):
    assert names(index.search("娜")) == ["李娜", "欧阳娜娜"]  # both inside, directory order
    assert names(index.search("国强")) == ["曾国强"]


def test_english_name_by_any_word_prefix(index):
    for query in ("mil", "Miller", "david", "DAV", "david mil", "dm"):
        assert names(index.search(query))[0] == "大卫·米勒", query
    assert names(index.search("jones")) == ["Sarah Jones"]


def test_surnames_read_as_surnames(index):
    assert names(index.search("zengguoqiang")) == ["曾国强"]
    assert names(index.search("zgq")) == ["曾国强"]
    assert names(index.search("shantianfang")) == ["单田芳"]
    assert names(index.search("ouyang"))[0] == "欧阳娜娜"
    assert names(index.search("oynn")) == ["欧阳娜娜"]


def test_u_umlaut_as_v_or_u(index):
    assert names(index.search("lvbu")) == ["吕布"]
    assert names(index.search("lübu")) == ["吕布"]
    assert names(index.search("Lü"))[0] == "吕布"
    assert names(index.search("lubu")) == ["吕布"]


def test_accents_do_not_matter():
    index = DirectorySearch(
        [
            host("j", "", "José García"),
            host("m", "", "Zoë Müller"),
            host("n", "", "Nguyễn Văn An"),
        ],
        [],
    )
    for query, expected in [
        ("jose", "j"),
        ("José", "j"),
        ("garcia", "j"),
        ("zoe", "m"),
        ("muller", "m"),
        ("müller", "m"),
        ("nguyen", "n"),
        ("Nguyễn", "n"),
    ]:
        assert [r.id for r in index.search(query)] == [expected], query


def test_department_by_either_language_returns_it_first_then_its_people(index):
    for query in ("研发", "研发部", "research", "Research & Dev", "yanfa", "yfb"):
        results = index.search(query)
        assert results[0].kind == "department", query
        assert results[0].id == "rnd"
        people = [r.id for r in results[1:]]
        assert {"h1", "h2", "h9"} <= set(people), query


def test_room_number(index):
    results = index.search("503")
    assert [(r.kind, r.id) for r in results[:2]] == [("department", "rnd"), ("host", "h1")]
    assert [r.id for r in index.search("41")][:3] == ["h3", "h6", "h7"]


def test_results_carry_only_what_a_visitor_may_see(index):
    fields = {f.name for f in dataclasses.fields(SearchResult)}
    assert fields == {
        "kind",
        "id",
        "name_zh",
        "name_en",
        "department_zh",
        "department_en",
        "floor",
        "room",
    }
    secrets = {h.phone for h in HOSTS} | {h.email for h in HOSTS}
    for query in ("l", "li", "13811112222", "lina@corp.cn", "corp", "138", "a"):
        for r in index.search(query, limit=100):
            assert not secrets & set(dataclasses.astuple(r)), (query, r)
    assert index.search("13811112222") == []
    assert index.search("lina@corp.cn") == []


def test_host_result_names_its_department(index):
    r = index.search("lina")[0]
    assert (r.kind, r.id, r.name_en, r.department_zh, r.department_en, r.floor, r.room) == (
        "host",
        "h1",
        "Li Na",
        "研发部",
        "Research & Development",
        "5",
        "503",
    )


def test_ranking_exact_then_prefix_then_initials_then_substring():
    hosts = [
        host("sub", "小王", dept="x"),  # 王 inside the name: substring
        host("ini", "万安宁刚", dept="x"),  # initials w-a-n-g
        host("pre", "王伟", dept="x"),  # pinyin "wangwei" starts with "wang"
        host("exa", "王", "Wang", dept="x"),  # exactly "wang"
    ]
    index = DirectorySearch(hosts, [])
    assert [r.id for r in index.search("wang")] == ["exa", "pre", "ini"]
    assert [r.id for r in index.search("王")] == ["exa", "pre", "sub"]


def test_ties_keep_directory_order_and_results_are_stable(index):
    first = index.search("l", limit=50)
    assert first == index.search("l", limit=50)
    hosts_only = [r.id for r in first if r.kind == "host"]
    order = {h.id: n for n, h in enumerate(HOSTS)}
    prefix_hits = [i for i in hosts_only if i in ("h1", "h7", "h9")]
    assert prefix_hits == sorted(prefix_hits, key=order.__getitem__)


def test_limit_and_empty_queries(index):
    assert len(index.search("l", limit=2)) == 2
    assert index.search("l", limit=0) == []
    for query in ("", "   ", "'", "·", "\x00", "😀"):
        assert index.search(query) == [], repr(query)
    assert index.search("x" * 100_000) == []


def test_more_results_than_the_precomputed_first_letter_lists():
    hosts = [host(f"h{i:04d}", "李" + "伟芳娜敏静丽"[i % 6], dept="x") for i in range(700)]
    index = DirectorySearch(hosts, [])
    got = [r.id for r in index.search("l", limit=650)]
    assert got == [h.id for h in hosts[:650]]
    assert [r.id for r in index.search("l", limit=5)] == [h.id for h in hosts[:5]]


def test_demo_directory():
    data = demo_directory()
    depts = [
        Department(d["id"], "demo", d["name_zh"], d["name_en"], d["floor"], d["room"])
        for d in data["departments"]
    ]
    hosts = [
        Host(
            h["id"],
            "demo",
            h["department"],
            h.get("name_zh", ""),
            h.get("name_en", ""),
            h.get("floor", ""),
            h.get("room", ""),
            h.get("email", ""),
            h.get("phone", ""),
        )
        for h in data["hosts"]
    ]
    index = DirectorySearch(hosts, depts)
    assert len(index) == len(hosts)
    assert names(index.search("ln"))[0] == "李娜"
    assert names(index.search("mil"))[0] == "大卫·米勒"
    assert index.search("503")[0].kind == "department"


# -- ranking (issue 21) ----------------------------------------------------------------------
RANKED = [
    host("r1", "林东", dept="rnd"),
    host("r2", "刘杰", dept="rnd"),
    host("r3", "梁静", dept="rnd"),
    host("r4", "邓佳俊", dept="sales"),
    host("r5", "邓娟", dept="sales"),
    host("r6", "黎明", dept="hr"),
    host("r7", "李强", dept="sales"),
]


def _ids(results: list[SearchResult], n: int = 3) -> list[str]:
    return [r.id for r in results if r.kind == "host"][:n]


def test_exact_initials_come_before_longer_initials():
    index = DirectorySearch(RANKED, DEPTS)
    assert _ids(index.search("dj"), 1) == ["r5"]  # 邓娟, not 邓佳俊 listed before her


def test_a_whole_syllable_finds_its_surnames_before_longer_spellings():
    index = DirectorySearch(RANKED, DEPTS)
    first_two = set(_ids(index.search("li"), 2))
    assert first_two == {"r6", "r7"}  # 黎 and 李 before 林, 刘, 梁


def test_chinese_and_full_pinyin_still_come_first():
    index = DirectorySearch(RANKED, DEPTS)
    assert _ids(index.search("邓娟"), 1) == ["r5"]
    assert _ids(index.search("dengjuan"), 1) == ["r5"]


def test_ties_go_to_the_larger_department_not_directory_order():
    hosts = [
        host("a", "张伟", dept="hr"),
        host("b", "张伟", dept="sales"),
        host("c", "王芳", dept="sales"),
        host("d", "李雷", dept="sales"),
    ]
    assert _ids(DirectorySearch(hosts, DEPTS).search("zhangwei"), 2) == ["b", "a"]
