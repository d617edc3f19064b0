"""The dashboard's on-site board and a site's quarterly report, served by a real
``kiosk-server`` process over loopback HTTP.

``dashboard_onsite``: 50 sites, 10,000 visits today (200 a site; 3 in 5 still on site, so
6,000 people), an admin's ``GET /dashboard/onsite`` (every site: the exact count and the 500
latest arrivals, names and companies joined, rendered). ``value`` is the median ms of
``RUNS`` requests after a warm-up, budget 200; also ``p99_ms``, one site's board
(``site_median_ms``) and the sites overview (``overview_median_ms``: on site, today's visits and
open alerts of all 50 sites).

``dashboard_report``: one site with 50,000 visits in one quarter (about 540 a day, 07:00 to
19:00 at the site), an admin's ``GET /dashboard/sites/{id}/report?period=YYYY-Qn`` (per day,
hour, weekday and month, rendered with a bar per day). ``value`` the median ms, budget 500;
also ``p99_ms`` and the CSV's median.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from sync.server.db import executemany
from sync.server.models import Visit, Visitor
from tests.support.harness import HeadOffice, ServerProcess

SITES = 50
VISITS = 10_000
RUNS = 60
PASSWORD = "benchmark password 1"
_INSERT_VISITORS = insert(Visitor)
_INSERT_VISITS = insert(Visit)


def _seed(ho: HeadOffice) -> None:
    from sync.server.dashboard.accounts import create_user

    now = datetime.now(UTC)
    for i in range(SITES):
        ho.add_site(f"site{i:02d}", f"大楼{i}", f"Tower {i}")
    visitors, visits = [], []
    for n in range(VISITS):
        site = f"site{n % SITES:02d}"
        at = now - timedelta(seconds=3 * n)  # all within the last 9 hours: today at every site
        visitors.append(
            {"id": f"vr{n}", "site_id": site, "name": f"访客{n}", "company": "公司", "phone": ""}
        )
        visits.append(
            {
                "id": f"v{n:06d}",
                "site_id": site,
                "visitor_id": f"vr{n}",
                "state": "checked_in" if n % 5 < 3 else "checked_out",
                "purpose": "meeting",
                "created_at": at,
                "checked_in_at": at,
                "state_hlc": "1",
            }
        )
    with ho.sessions() as s, s.begin():
        executemany(s, _INSERT_VISITORS, visitors)
        executemany(s, _INSERT_VISITS, visits)
        create_user(s, name="bench", password=PASSWORD, role="admin")


def _timed(c: httpx.Client, path: str, runs: int) -> list[float]:
    for _ in range(3):
        assert c.get(path).status_code == 200
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        r = c.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200
    return sorted(times)


def bench_dashboard_onsite() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'head-office.sqlite3'}"
        ho = HeadOffice(url)
        _seed(ho)
        server = ServerProcess(url).start()
        try:
            with httpx.Client(base_url=server.url, timeout=60) as c:
                _signed_in(c)
                page = c.get("/dashboard/onsite").text
                assert "6000" in page, "the board does not count the seeded visits"
                times = _timed(c, "/dashboard/onsite", RUNS)
                site = _timed(c, "/dashboard/onsite?site=site07", RUNS // 2)
                overview = _timed(c, "/dashboard/", RUNS // 2)
        finally:
            server.stop()
            ho.close()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    return {
        "value": round(statistics.median(times), 1),
        "unit": "ms median",
        "budget": 200.0,
        "p99_ms": round(p99, 1),
        "site_median_ms": round(statistics.median(site), 1),
        "overview_median_ms": round(statistics.median(overview), 1),
        "sites": SITES,
        "visits_today": VISITS,
        "runs": RUNS,
    }


REPORT_VISITS = 50_000


def _signed_in(c: httpx.Client) -> None:
    form = c.get("/dashboard/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf
    r = c.post(
        "/dashboard/login", data={"name": "bench", "password": PASSWORD, "csrf": csrf.group(1)}
    )
    assert r.status_code == 303


def bench_dashboard_report() -> dict[str, Any]:
    from sync.server.dashboard.accounts import create_user

    last_quarter_start = datetime(2026, 7, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'head-office.sqlite3'}"
        ho = HeadOffice(url)
        ho.add_site("busy", "繁忙大楼", "Busy Tower")
        visits = []
        for n in range(REPORT_VISITS):
            day, slot = divmod(n, REPORT_VISITS // 92 + 1)
            # 07:00 to 19:00 in Shanghai is 23:00 the day before to 11:00 UTC
            at = last_quarter_start + timedelta(days=day, hours=-1 + (slot % 12), minutes=slot % 60)
            visits.append(
                {
                    "id": f"r{n:06d}",
                    "site_id": "busy",
                    "state": "checked_out",
                    "purpose": "meeting",
                    "created_at": at,
                    "state_hlc": "1",
                }
            )
        with ho.sessions() as s, s.begin():
            executemany(s, _INSERT_VISITS, visits)
            create_user(s, name="bench", password=PASSWORD, role="admin")
        server = ServerProcess(url).start()
        try:
            with httpx.Client(base_url=server.url, timeout=60) as c:
                _signed_in(c)
                path = "/dashboard/sites/busy/report?period=2026-Q3"
                page = c.get(path).text
                assert f'<dd id="report-total">{REPORT_VISITS}</dd>' in page, "report miscounts"
                times = _timed(c, path, RUNS // 2)
                csv_times = _timed(c, "/dashboard/sites/busy/report.csv?period=2026-Q3", 10)
        finally:
            server.stop()
            ho.close()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    return {
        "value": round(statistics.median(times), 1),
        "unit": "ms median",
        "budget": 500.0,
        "p99_ms": round(p99, 1),
        "csv_median_ms": round(statistics.median(csv_times), 1),
        "visits": REPORT_VISITS,
        "runs": RUNS // 2,
    }


BENCHMARKS = {
    "dashboard_onsite": bench_dashboard_onsite,
    "dashboard_report": bench_dashboard_report,
}
