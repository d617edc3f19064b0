"""What the report page charts, from the report's own figures: visits per hour of the day and
per day of the period (``reports.Report``), visits per site over the same period for the sites
the viewer may see (``site_counts``), and how the desk's minutes spread over a few time bands
(``desk_report.DeskTimes``: host replies, first responses, resolutions), the last also as
images for the desk times' PDF (``spread_images``).

Each chart is a ``ReportChart``: its id, title, bars (``charts.Bar``) and the SVG; the page
shows the bars again as a table. Counts only, as the report itself.

Must never: count a site the viewer may not see.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.core.reports.chart import render_rows

from ..models import Site, Visit
from .charts import Bar, columns, peak_of, rows
from .desk_report import DeskTimes
from .reports import Period, Report

Translate = Callable[..., str]
#: the upper edges (minutes, exclusive) of the time bands; the last band is a day or more
BANDS = (5, 15, 30, 60, 120, 240, 480, 1440)


@dataclass(frozen=True, slots=True)
class ReportChart:
    id: str
    title: str
    bars: tuple[Bar, ...]
    svg: Markup

    @property
    def total(self) -> int:
        return sum(b.value for b in self.bars)


def summary(title: str, bars: Sequence[Bar], t: Translate) -> str:
    """The chart's accessible title: what it shows, the total and the largest bar."""
    peak = peak_of(bars)
    if peak is None:
        return t("report_charts.summary_none", title=title)
    total = sum(b.value for b in bars)
    return t("report_charts.summary", title=title, total=total, peak=peak.name, n=peak.value)


def _columns(chart_id: str, title: str, bars: Sequence[Bar], t: Translate) -> ReportChart:
    return ReportChart(
        chart_id, title, tuple(bars), columns(chart_id, summary(title, bars, t), bars)
    )


def _rows(chart_id: str, title: str, bars: Sequence[Bar], t: Translate) -> ReportChart:
    return ReportChart(chart_id, title, tuple(bars), rows(chart_id, summary(title, bars, t), bars))


def per_hour(report: Report, t: Translate) -> ReportChart:
    bars = [
        Bar(f"{h:02d}:00", n, tick=f"{h:02d}" if h % 3 == 0 else "")
        for h, n in enumerate(report.per_hour)
    ]
    return _columns("chart-hour", t("dashboard.report.per_hour"), bars, t)


def per_day(report: Report, t: Translate) -> ReportChart:
    """One column a day; the first of each month labelled (month and day in a quarter, the
    month alone in a year)."""
    yearly = report.period.quarter is None
    bars = []
    for day, n in sorted(report.per_day.items()):
        tick = ""
        if day.day == 1:
            tick = t(f"report_charts.month.{day.month}") if yearly else day.strftime("%m-%d")
        bars.append(Bar(day.isoformat(), n, tick=tick))
    return _columns("chart-day", t("dashboard.report.per_day"), bars, t)


def site_counts(session: Session, sites: Sequence[Site], period: Period) -> dict[str, int]:
    """Visits per site over ``period``, each site on its own clock: one grouped count per time
    zone the sites use (on the ``visits_site_created`` index)."""
    by_zone: dict[str, list[str]] = defaultdict(list)
    for site in sites:
        by_zone[site.timezone or "UTC"].append(site.id)
    first, after = period.days()
    counts = {site.id: 0 for site in sites}
    for zone, ids in by_zone.items():
        tz = ZoneInfo(zone)
        start = datetime.combine(first, datetime.min.time(), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(after, datetime.min.time(), tzinfo=tz).astimezone(UTC)
        query = (
            select(Visit.site_id, func.count())
            .where(
                Visit.site_id.in_(ids),
                Visit.created_at >= start,
                Visit.created_at < end,
                Visit.state != "",
            )
            .group_by(Visit.site_id)
        )
        for site_id, n in session.execute(query):
            counts[site_id] = int(n)
    return counts


def per_site(
    sites: Sequence[Site], counts: dict[str, int], lang: str, t: Translate, link: str
) -> ReportChart:
    """One row per site (the viewer's), linking to that site's report for the same period."""
    bars = [
        Bar(
            (site.name_zh if lang == "zh_CN" else site.name_en) or site.id,
            counts.get(site.id, 0),
            href=link.format(site=site.id),
        )
        for site in sites
    ]
    return _rows("chart-site", t("report_charts.per_site"), bars, t)


def bands(minutes: Sequence[float]) -> list[int]:
    """How many of ``minutes`` fall in each band of ``BANDS`` (and the last, open one)."""
    counts = [0] * (len(BANDS) + 1)
    for m in minutes:
        counts[bisect.bisect_right(BANDS, m)] += 1
    return counts


def spread(chart_id: str, title: str, minutes: Sequence[float], t: Translate) -> ReportChart:
    bars = [Bar(t(f"report_charts.band.{i}"), n) for i, n in enumerate(bands(minutes))]
    return _rows(chart_id, title, bars, t)


def desk_spreads(times: DeskTimes, t: Translate) -> list[ReportChart]:
    """The host replies', first responses' and resolutions' time bands."""
    return [
        spread("chart-replies", t("report_charts.replies"), times.replies, t),
        spread("chart-response", t("report_charts.first_response"), times.first_response, t),
        spread("chart-resolution", t("report_charts.resolution"), times.resolution, t),
    ]


def spread_images(times: DeskTimes, t: Translate) -> list[Image.Image]:
    """The same three spreads drawn for the PDF (``kiosk.core.reports.chart.render_rows``)."""
    return [
        render_rows([(b.name, b.value) for b in chart.bars], title=chart.title)
        for chart in desk_spreads(times, t)
    ]
