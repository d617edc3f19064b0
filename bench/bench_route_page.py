"""The route page on a visitor's phone (``sync/server/route_page.py``).

``route_page``: p99 ms to build the page from scratch (routing, the steps in both languages,
each floor drawn and PNG-encoded as a data URI) for the demo tower, room 503 (two floors), as
the first visitor to a room after an upload gets it; later visitors get the cached page.
Budget 300 ms (two floors at the ``map_render`` budget of 50 ms each, PNG encoding, headroom for
a server shared by many sites). Also: the median and the page size.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from kiosk.core.wayfinding.building import DEMO_BUILDING, load_building
from kiosk.core.wayfinding.routes import route
from sync.server import route_page

RUNS = 30


def bench_route_page() -> dict[str, Any]:
    building = load_building(DEMO_BUILDING)
    r = route(building, None, "503")
    route_page.render_route_page(building, r, "zh_CN")  # fonts and glyph caches warm
    times = []
    size = 0
    for i in range(RUNS):
        lang = "zh_CN" if i % 2 == 0 else "en"
        start = time.perf_counter()
        page = route_page.render_route_page(building, route(building, None, "503"), lang)
        times.append((time.perf_counter() - start) * 1000)
        size = max(size, len(page))
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    return {
        "value": round(p99, 1),
        "unit": "ms p99",
        "budget": 300.0,
        "median_ms": round(statistics.median(times), 1),
        "page_kb": round(size / 1024, 1),
        "floors": len(r.floors),
        "runs": RUNS,
    }


BENCHMARKS = {"route_page": bench_route_page}
