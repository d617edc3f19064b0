"""The report page's charts (sync/server/dashboard/charts.py, report_charts.py) against known
visits on a database made by the real migrations: every bar's count is the report's figure,
per hour and per day on the site's clock, per site for the sites given; the desk times fall in
their bands; text is escaped; every catalogue key the charts use exists in both languages."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from kiosk.core.config.i18n import catalogue
from sync.server.dashboard import report_charts as rc
from sync.server.dashboard.charts import Bar, columns, rows, scale_of
from sync.server.dashboard.desk_report import DeskTimes
from sync.server.dashboard.reports import Period, visit_report
from sync.server.dashboard.web import translator
from sync.server.db import make_engine, make_sessionmaker
from sync.server.migrate import upgrade
from sync.server.models import Site, Visit

SVG = "{http://www.w3.org/2000/svg}"
# 01:30 on 2 October in Shanghai (UTC+8): the site's day and hour, not UTC's
LATE = datetime(2026, 10, 1, 17, 30, tzinfo=UTC)
KNOWN = {  # site -> UTC times of its visits in 2026-Q4
    "north": [LATE, LATE, LATE + timedelta(days=1, hours=2), datetime(2026, 11, 3, 1, tzinfo=UTC)],
    "south": [datetime(2026, 12, 24, 2, 15, tzinfo=UTC)],
    "west": [datetime(2026, 10, 5, 3, tzinfo=UTC)] * 3,
}


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'ho.db'}")
    upgrade(engine)
    make = make_sessionmaker(engine)
    with make.begin() as s:
        for site in KNOWN:
            s.add(Site(id=site, name_zh=f"{site}大楼", name_en=f"{site} <Tower>", settings={}))
        n = 0
        for site, times in KNOWN.items():
            for at in times:
                s.add(Visit(id=f"v{n}", site_id=site, state="checked_out", created_at=at))
                n += 1
        # outside the quarter (30 September at the site) and a visit never registered
        s.add(
            Visit(
                id="early",
                site_id="north",
                state="checked_out",
                created_at=datetime(2026, 9, 30, 15, tzinfo=UTC),
            )
        )
        s.add(Visit(id="blank", site_id="north", state="", created_at=LATE))
    yield make
    engine.dispose()


def bars_of(svg: str) -> list[int]:
    root = ET.fromstring(svg)
    return [int(r.get("data-value")) for r in root.iter(f"{SVG}rect")]


def heights_of(svg: str) -> list[float]:
    return [float(r.get("height")) for r in ET.fromstring(svg).iter(f"{SVG}rect")]


def test_the_hour_and_day_charts_hold_the_reports_figures(sessions) -> None:
    t = translator("en")
    with sessions() as s:
        north = s.get(Site, "north")
        report = visit_report(s, north, Period(2026, 4))
        yearly = visit_report(s, north, Period(2026, None))
    assert report.total == 4
    hour = rc.per_hour(report, t)
    assert bars_of(hour.svg) == report.per_hour
    assert bars_of(hour.svg)[1] == 2 and bars_of(hour.svg)[9] == 1  # Shanghai hours
    assert hour.total == report.total
    day = rc.per_day(report, t)
    assert len(day.bars) == 92 and bars_of(day.svg) == [
        n for _, n in sorted(report.per_day.items())
    ]
    by_name = {b.name: b.value for b in day.bars}
    assert by_name["2026-10-02"] == 2 and by_name["2026-10-03"] == 1 and by_name["2026-10-01"] == 0
    assert [b.tick for b in day.bars if b.tick] == ["10-01", "11-01", "12-01"]
    # bar heights follow the counts on the four-step grid
    heights = heights_of(hour.svg)
    assert heights[1] == pytest.approx(2 * heights[9]) and heights[0] == 0
    title = ET.fromstring(hour.svg).find(f"{SVG}title")
    assert title is not None and title.text == "By hour of the day: 4 in all, most at 01:00 (2)"
    year = rc.per_day(yearly, translator("zh_CN"))
    assert [b.tick for b in year.bars if b.tick][:2] == ["1月", "2月"] and len(year.bars) == 365


def test_the_site_chart_counts_only_the_sites_it_is_given(sessions) -> None:
    with sessions() as s:
        mine = [s.get(Site, "north"), s.get(Site, "west")]  # a manager of north and west
        counts = rc.site_counts(s, mine, Period(2026, 4))
        everyone = rc.site_counts(s, list(s.query(Site).order_by(Site.id)), Period(2026, 4))
    assert counts == {"north": 4, "west": 3}
    assert everyone == {"north": 4, "south": 1, "west": 3}
    chart = rc.per_site(mine, counts, "en", translator("en"), "/r/{site}")
    assert bars_of(chart.svg) == [4, 3]
    root = ET.fromstring(chart.svg)
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert links == ["/r/north", "/r/west"]
    labels = [x.text for x in root.iter(f"{SVG}text") if x.get("class") == "label"]
    assert labels == ["north <Tower>", "west <Tower>"]  # escaped in the markup, parsed back
    assert "south" not in chart.svg
    assert "&lt;Tower&gt;" in chart.svg


def test_desk_minutes_fall_in_their_bands() -> None:
    assert rc.bands([0, 4.9, 5, 14.9, 59, 60, 1439, 1440, 5000]) == [2, 2, 0, 1, 1, 0, 0, 1, 2]
    times = DeskTimes(
        notified=5, replies=(3.0, 12.0, 12.5), tickets=2, first_response=(90.0,), resolution=()
    )
    replies, response, resolution = rc.desk_spreads(times, translator("zh_CN"))
    assert bars_of(replies.svg) == [1, 2, 0, 0, 0, 0, 0, 0, 0] and replies.total == 3
    assert bars_of(response.svg)[4] == 1 and resolution.total == 0
    assert replies.bars[0].name == "5 分钟以内"


def test_an_empty_chart_draws_a_grid_of_ones_and_no_bar_height() -> None:
    assert scale_of(0) == (1, 4) and scale_of(9) == (3, 12)
    svg = columns("c", "x", [Bar("a", 0), Bar("b", 0)])
    assert heights_of(svg) == [0, 0]
    assert bars_of(rows("r", "y", [])) == []


def test_every_chart_key_is_in_both_catalogues() -> None:
    used = {f"report_charts.band.{i}" for i in range(len(rc.BANDS) + 1)}
    used |= {f"report_charts.month.{m}" for m in range(1, 13)}
    for path in (rc.__file__, rc.__file__.replace("report_charts.py", "templates/report.html")):
        with open(path, encoding="utf-8") as f:
            used |= set(
                re.findall(r"""t\(\s*['"](report_charts\.[a-z0-9_.]+[a-z0-9_])['"]""", f.read())
            )
    assert len(used) > 25
    for lang in ("en", "zh_CN"):
        assert sorted(used - set(catalogue(lang))) == [], lang


def test_the_pdf_draws_the_same_spreads_as_the_page() -> None:
    from kiosk.core.reports.chart import BAR, render_rows
    from kiosk.core.reports.export import PAGE, pages
    from kiosk.core.reports.figures import Report
    from kiosk.core.reports.periods import period

    image = render_rows([("a", 2), ("b", 0), ("c", 4)], title="Host replies")

    def bar_length(i: int) -> int:
        y = 70 + i * 40 + 16
        return sum(image.getpixel((x, y)) == BAR for x in range(image.width))

    assert bar_length(1) == 0 and bar_length(0) > 0
    assert bar_length(2) == pytest.approx(2 * bar_length(0), abs=2)  # 4 visits against 2
    times = DeskTimes(notified=2, replies=(3.0, 70.0), tickets=0, first_response=(), resolution=())
    spreads = rc.spread_images(times, translator("en"))
    assert len(spreads) == 3
    span = period("quarter", datetime(2026, 10, 1).date(), "Asia/Shanghai")
    report = Report("north", span, (), (0,) * 24)
    t = translator("en")
    plain = pages(report, t, site_name="North")
    drawn = pages(report, t, site_name="North", charts=spreads)
    assert len(plain) == 1 and len(drawn) == 2 and drawn[1].size == PAGE  # whole on a new page
    # the spreads' blue bars are drawn, below the hour chart (which has none: no visits)
    assert any(c == BAR for page in drawn for _, c in page.getcolors(1 << 20))
    assert not any(c == BAR for _, c in plain[0].getcolors(1 << 20))


def test_a_long_site_name_is_cut_to_its_label_room() -> None:
    from sync.server.dashboard.charts import fit

    assert fit("North Tower", 114) == "North Tower"
    cut = fit("上海浦东新区陆家嘴金融中心大厦", 114)
    assert cut.endswith("…") and len(cut) <= 8
    svg = rows("r", "sites", [Bar("上海浦东新区陆家嘴金融中心大厦", 3)])
    label = next(x for x in ET.fromstring(svg).iter(f"{SVG}text") if x.get("class") == "label")
    assert label.text == cut
