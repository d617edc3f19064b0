"""The report page's charts through a real ``kiosk-server`` process: over HTTP, a site manager
of two of the three sites sees a per-site chart of exactly those two (with the report's own
counts) and is refused the third's report; in headless Chromium at 1366×768 and 390×844, the
hour, day and per-site charts and the desk times' bands are drawn, nothing is wider than the
screen, and no script error or CSP violation is reported; ``DASHBOARD_SCREENSHOTS=docs`` shoots
the whole page in all four (``docs/screenshots/dashboard-report-charts-<lang>-<width>.png``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from sync.server.models import Visit
from tests.support.dashboard_env import DashboardEnv
from tests.support.dashboard_shots import chromium, fitted_shot, shot_folder, signed_in_pages

pytestmark = [pytest.mark.integration, pytest.mark.slow]

QUARTER = "2026-Q4"
AT = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
COUNTS = {"north": 5, "south": 2, "west": 3}
BAR = re.compile(r'<rect class="bar"[^>]*data-value="(\d+)"><title>([^<]*):')


@pytest.fixture(scope="module")
def env(dashboard: DashboardEnv) -> DashboardEnv:
    e = dashboard
    e.ho.add_site("west", "西区大楼", "West Tower")
    e.add_user("two", "site_manager", sites=["north", "west"])
    with e.ho.sessions() as s, s.begin():
        for site, n in COUNTS.items():
            for i in range(n):
                at = AT + timedelta(days=i, hours=i % 2)
                s.add(Visit(id=f"v-{site}-{i}", site_id=site, state="checked_out", created_at=at))
    return e


def chart(page: str, chart_id: str) -> list[tuple[str, int]]:
    found = re.search(rf'<svg [^>]*id="{chart_id}".*?</svg>', page, re.S)
    assert found is not None, chart_id
    return [(name, int(n)) for n, name in BAR.findall(found.group(0))]


def test_a_managers_site_chart_holds_only_their_sites(env: DashboardEnv) -> None:
    c = env.login("two")
    page = c.get(f"/dashboard/sites/north/report?period={QUARTER}&lang=en").text
    assert chart(page, "chart-site") == [("North Tower", 5), ("West Tower", 3)]
    assert "South Tower" not in page
    hours = chart(page, "chart-hour")
    assert len(hours) == 24 and sum(n for _, n in hours) == 5
    assert dict(hours)["09:00"] == 3 and dict(hours)["10:00"] == 2
    assert f'<dd id="report-total">{COUNTS["north"]}</dd>' in page
    assert sum(n for _, n in chart(page, "chart-day")) == COUNTS["north"]
    assert f'href="/dashboard/sites/west/report?period={QUARTER}"' in page
    assert c.get(f"/dashboard/sites/south/report?period={QUARTER}").status_code == 403
    # one site only (the stock manager of north): no per-site chart at all
    one = env.login("manager").get(f"/dashboard/sites/north/report?period={QUARTER}").text
    assert 'id="chart-site"' not in one and 'id="chart-hour"' in one
    # an admin sees every site
    every = env.login("admin").get(f"/dashboard/sites/north/report?period={QUARTER}&lang=en")
    assert [n for n, _ in chart(every.text, "chart-site")] == [
        "North Tower",
        "South Tower",
        "West Tower",
    ]


def test_the_page_draws_its_charts_on_a_laptop_and_a_phone(env: DashboardEnv, tmp_path) -> None:
    folder = shot_folder(tmp_path)
    errors: list[str] = []
    with chromium() as browser:
        for lang, width, page in signed_in_pages(
            browser, env.url, "two", network="10.71", errors=errors, console=True
        ):
            page.goto(f"{env.url}/dashboard/sites/north/report?period={QUARTER}")
            for chart_id in ("chart-hour", "chart-day", "chart-site", "chart-replies"):
                svg = page.locator(f"svg#{chart_id}")
                box = svg.bounding_box()
                assert box is not None and box["width"] > 250 and box["height"] > 40, (
                    chart_id,
                    width,
                    box,
                )
                assert box["x"] >= 0 and box["x"] + box["width"] <= width, (chart_id, box)
            assert page.locator("svg#chart-site rect.bar").count() == 2
            # the text equivalent: the numbers open under the chart
            page.locator("#hour-card details summary").click()
            assert page.locator("#hour-card details table tr").count() == 25
            fitted_shot(page, folder / f"dashboard-report-charts-{lang}-{width}.png", full=True)
    assert errors == []
