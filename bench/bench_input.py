"""Typing speed of the visitor input engine: host search and pinyin candidates.

``host_search``: p99 ms per keystroke, typing realistic queries one letter at a time against
50,000 generated hosts (Chinese and English names) in 300 departments; also the index build
time. ``pinyin_candidates``: p99 ms per keystroke over realistic pinyin typing, with every
cache emptied before each round (each word typed as if for the first time); also the first-load
time and memory, measured in a fresh interpreter.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kiosk.core.models import Department, Host

ROOT = Path(__file__).resolve().parent.parent

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余"
    "于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷"
    "龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰文辉建国红新志鹏宇浩俊斌峰波"
    "林萍燕丹慧琳雪梅婷晶亮飞鑫宁凯佳欣颖琴倩婧涵晨阳梓轩子博思雨怡嘉悦诗梦瑶琪璐蕾薇"
    "露云莉琼莹玲凤珍淑海东龙成晓小天一翔旭辰睿航逸哲铭瑞毅诚健康安永福生春秋金荣光德"
    "庆兵利清"
)
FIRST_EN = [
    "David",
    "Sarah",
    "Michael",
    "Emily",
    "James",
    "Anna",
    "Robert",
    "Laura",
    "John",
    "Maria",
    "Peter",
    "Julia",
    "Thomas",
    "Sophie",
    "Daniel",
    "Olivia",
    "Mark",
    "Emma",
    "Paul",
    "Hannah",
    "Kevin",
    "Chloe",
    "Brian",
    "Grace",
    "Steven",
    "Lucy",
    "Andrew",
    "Kate",
]
LAST_EN = [
    "Miller",
    "Jones",
    "Smith",
    "Brown",
    "Taylor",
    "Wilson",
    "Davies",
    "Evans",
    "Thomas",
    "Johnson",
    "Roberts",
    "Walker",
    "Wright",
    "Robinson",
    "Thompson",
    "White",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Harris",
    "Martin",
    "Jackson",
    "Clarke",
    "Lewis",
    "Schmidt",
    "Muller",
    "Dubois",
    "Rossi",
    "Garcia",
    "Tanaka",
    "Kim",
    "Nguyen",
    "Wong",
    "Chan",
    "Lee",
]
DEPT_ZH = [
    "研发",
    "市场",
    "销售",
    "财务",
    "法务",
    "人力资源",
    "行政",
    "设计",
    "物业",
    "保安",
    "采购",
    "质量",
    "客服",
    "运营",
    "产品",
    "测试",
    "信息",
    "战略",
]
DEPT_EN = [
    "Research",
    "Marketing",
    "Sales",
    "Finance",
    "Legal",
    "Human Resources",
    "Administration",
    "Design",
    "Property",
    "Security",
    "Procurement",
    "Quality",
    "Customer Service",
    "Operations",
    "Product",
    "Testing",
    "IT",
    "Strategy",
]
NUMERALS = "一二三四五六七八九十"

HOST_QUERIES = [
    "lina",
    "li na",
    "zhangwei",
    "ln",
    "wxm",
    "李娜",
    "张伟",
    "欧阳",
    "david miller",
    "mil",
    "sarah",
    "1203",
    "研发",
    "research",
    "customer service",
    "huangqiang",
    "zhaoli",
    "wong",
]

PINYIN_TYPING = [
    ("zhangwei", "name"),
    ("wangxiaoming", "name"),
    ("liuyang", "name"),
    ("ouyangna", "name"),
    ("zw", "name"),
    ("beijing", "text"),
    ("shanghai", "text"),
    ("nihao", "text"),
    ("women", "text"),
    ("lvse", "text"),
    ("xian", "text"),
    ("zhongguorenmin", "text"),
    ("yanfabu", "text"),
    ("mianshi", "text"),
    ("kuaidi", "text"),
    ("huiyi", "text"),
    ("jiangu", "text"),
    ("bjdx", "text"),
    ("tengxunkeji", "company"),
    ("huaweijishu", "company"),
]


def generate_directory(n_hosts: int = 50_000, n_depts: int = 300, seed: int = 7):
    rng = random.Random(seed)
    depts = []
    for i in range(n_depts):
        base = i % len(DEPT_EN)
        group = i // len(DEPT_EN)
        suffix_zh = f"{NUMERALS[group % 10]}部" if group else "部"
        suffix_en = f" {group + 1}" if group else ""
        floor = 1 + i % 40
        depts.append(
            Department(
                f"d{i}",
                "bench",
                DEPT_ZH[base] + suffix_zh,
                DEPT_EN[base] + suffix_en,
                str(floor),
                f"{floor}{i % 20:02d}",
            )
        )
    hosts = []
    weights = [1 / (r + 1) for r in range(len(SURNAMES))]
    for i in range(n_hosts):
        d = depts[rng.randrange(n_depts)]
        if rng.random() < 0.8:
            zh = rng.choices(SURNAMES, weights)[0] + "".join(
                rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))
            )
            # half the directories give Chinese staff an English (pinyin) name as well
            en = _pinyin_name(zh) if rng.random() < 0.5 else ""
        else:
            en = f"{rng.choice(FIRST_EN)} {rng.choice(LAST_EN)}"
            zh = ""
        hosts.append(
            Host(
                id=f"h{i}",
                site_id="bench",
                department_id=d.id,
                name_zh=zh,
                name_en=en,
                floor=d.floor,
                room=f"{d.floor}{rng.randrange(1, 40):02d}",
                email=f"user{i}@example.com",
                phone=f"138{i:08d}",
            )
        )
    # the people the realistic queries look for
    hosts[100] = Host("h100", "bench", "d0", "李娜", "Li Na", "12", "1203", "ln@example.com")
    hosts[200] = Host("h200", "bench", "d1", "张伟", "Zhang Wei", "3", "305")
    hosts[300] = Host("h300", "bench", "d2", "王小明", "", "5", "512")
    hosts[400] = Host("h400", "bench", "d3", "大卫·米勒", "David Miller", "7", "701")
    return hosts, depts


def _pinyin_name(zh: str) -> str:
    from kiosk.core.input.index import char_readings

    readings = char_readings()
    syllables = [readings.get(ch, ("x",))[0] for ch in zh]
    return f"{''.join(syllables[1:]).title()} {syllables[0].title()}"


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def bench_host_search() -> dict:
    from kiosk.core.input.search import DirectorySearch

    hosts, depts = generate_directory()
    builds = []
    builds_cpu = []
    index = None
    for _ in range(3):
        started, started_cpu = time.perf_counter(), time.process_time()
        index = DirectorySearch(hosts, depts)
        builds.append(time.perf_counter() - started)
        builds_cpu.append(time.process_time() - started_cpu)
    assert index is not None
    times: list[float] = []
    cpu: list[float] = []  # CPU time too: on a busy machine wall time includes waiting
    for _round in range(5):
        for query in HOST_QUERIES:
            for i in range(1, len(query) + 1):
                started, started_cpu = time.perf_counter(), time.process_time()
                index.search(query[:i])
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
    top = index.search("lina", limit=3)
    return {
        "value": round(_percentile(times, 99), 3),
        "unit": "ms/key",
        "budget": 10,
        "median_ms": round(statistics.median(times), 3),
        "p99_cpu_ms": round(_percentile(cpu, 99), 3),
        "max_ms": round(max(times), 3),
        "keystrokes": len(times),
        "hosts": len(hosts),
        "build_s": round(min(builds), 3),
        "build_cpu_s": round(min(builds_cpu), 3),
        "lina_first": top[0].name_zh if top else "",
    }


_LOAD_PROBE = """
import json, sys, time, tracemalloc
from pathlib import Path
def rss():
    with open('/proc/self/statm') as fh:
        return int(fh.read().split()[1]) * 4096
cache = Path(sys.argv[1]) if sys.argv[1] != "-" else None
trace = sys.argv[2] == "trace"
t0 = time.perf_counter()
from kiosk.core.input.pinyin import PinyinEngine
engine = PinyinEngine(cache_dir=cache)
t1 = time.perf_counter()
before = rss()
if trace:
    tracemalloc.start()
engine.candidates("z")
t2 = time.perf_counter()
traced = tracemalloc.get_traced_memory()[1] if trace else 0
print(json.dumps({"import_s": t1 - t0, "first_key_s": t2 - t1,
                  "rss_mb": (rss() - before) / 1e6, "traced_peak_mb": traced / 1e6}))
"""


def _probe(cache: str, trace: bool = False) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _LOAD_PROBE, cache, "trace" if trace else "-"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_pinyin_candidates() -> dict:
    from kiosk.core.input import pinyin as ime

    with tempfile.TemporaryDirectory() as tmp:
        cold = [_probe("-") for _ in range(3)]  # no cache: parse words.txt
        _probe(tmp)  # writes the cache
        warm = [_probe(tmp) for _ in range(3)]  # reads the cache
        traced = _probe(tmp, trace=True)

    engine = ime.PinyinEngine(cache_dir=None)
    engine.load()
    times: list[float] = []
    cpu: list[float] = []  # CPU time too: on a busy machine wall time includes waiting
    for _round in range(5):
        ime.clear_caches()
        for letters, field in PINYIN_TYPING:
            for i in range(1, len(letters) + 1):
                started, started_cpu = time.perf_counter(), time.process_time()
                engine.candidates(letters[:i], field=field)
                engine.segment(letters[:i])
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
    first = engine.candidates("zhangwei", field="name", limit=1)
    return {
        "value": round(_percentile(times, 99), 3),
        "unit": "ms/key",
        "budget": 10,
        "median_ms": round(statistics.median(times), 3),
        "p99_cpu_ms": round(_percentile(cpu, 99), 3),
        "max_ms": round(max(times), 3),
        "keystrokes": len(times),
        "import_s": round(min(p["import_s"] for p in warm), 3),
        "first_keystroke_no_cache_s": round(min(p["first_key_s"] for p in cold), 3),
        "first_keystroke_cached_s": round(min(p["first_key_s"] for p in warm), 3),
        "load_rss_mb": round(min(p["rss_mb"] for p in warm), 1),
        "load_traced_peak_mb": round(traced["traced_peak_mb"], 1),
        "zhangwei_name_first": first[0].text if first else "",
    }


BENCHMARKS = {"host_search": bench_host_search, "pinyin_candidates": bench_pinyin_candidates}
