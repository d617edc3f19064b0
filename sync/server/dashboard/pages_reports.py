"""A site's visit report page (``/dashboard/sites/{id}/report?period=2026-Q4`` or ``2026``) and
its CSV (visits per day), with the desk's times (host replies, ticket response and resolution,
``desk_report.py``) and their CSV and PDF (the kiosk's report exports, in the page's language).
Counts only, so every role that sees the site may read it. The charts (``report_charts.py``:
per hour, per day, per site over the viewer's own sites, the desk times' spread) are inline
SVG, each followed by its numbers as a table (the CSP allows no inline style or script)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from kiosk.core.reports import export

from ..api.admin_common import PathId
from ..api.deps import SessionDep
from ..models import Site
from . import report_charts as charts
from .csv_export import csv_text
from .desk_report import as_report, desk_times
from .reports import parse_period, visit_report
from .web import PREFIX, CurrentViewer, language, now, render, require, site_or_404, translator

router = APIRouter(include_in_schema=False)
PeriodText = Annotated[str, Query(max_length=7)]


def _report(session, viewer, site_id: str, period: str):
    site = site_or_404(session, viewer, site_id)
    today = datetime.now(UTC).astimezone(ZoneInfo(site.timezone or "UTC")).date()
    return site, visit_report(session, site, parse_period(period, today))


@router.get("/sites/{site_id}/report")
def report_page(
    request: Request,
    site_id: PathId,
    viewer: CurrentViewer,
    session: SessionDep,
    period: PeriodText = "",
) -> Response:
    require(viewer, "overview", site_id)
    lang = language(request, viewer)
    t = translator(lang)
    with session.begin():
        site, report = _report(session, viewer, site_id, period)
        times = desk_times(session, site, report.period)
        sites = [s for s in session.scalars(select(Site).order_by(Site.id)) if viewer.sees(s.id)]
        counts = charts.site_counts(session, sites, report.period) if len(sites) > 1 else {}
    desk = as_report(site, report, times)
    year = report.period.year
    periods = [f"{year}-Q{q}" for q in range(1, 5)] + [str(year - 1), str(year)]
    link = f"{PREFIX}/sites/{{site}}/report?period={report.period.label}"
    return render(
        request,
        "report.html",
        viewer=viewer,
        site=site,
        report=report,
        periods=periods,
        day_max=max(report.per_day.values(), default=0) or 1,
        hour_max=max(report.per_hour) or 1,
        weekday_max=max(report.per_weekday) or 1,
        generated=now(),
        desk=desk,
        desk_rows=export.table(desk, t),
        hour_chart=charts.per_hour(report, t),
        day_chart=charts.per_day(report, t),
        site_chart=charts.per_site(sites, counts, lang, t, link) if counts else None,
        spreads=charts.desk_spreads(times, t),
    )


@router.get("/sites/{site_id}/report.csv")
def report_csv(
    site_id: PathId, viewer: CurrentViewer, session: SessionDep, period: PeriodText = ""
) -> Response:
    require(viewer, "overview", site_id)
    with session.begin():
        site, report = _report(session, viewer, site_id, period)
    body = csv_text(
        ["site", "day", "visits"],
        ([site.id, day.isoformat(), n] for day, n in sorted(report.per_day.items())),
    )
    name = f"visits-per-day-{site.id}-{report.period.label}.csv"
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/sites/{site_id}/desk-report.{suffix}")
def desk_export(
    request: Request,
    site_id: PathId,
    suffix: Annotated[str, Path(pattern="^(csv|pdf)$")],
    viewer: CurrentViewer,
    session: SessionDep,
    period: PeriodText = "",
) -> Response:
    """The desk's times as the kiosk's report CSV (UTF-8 BOM, formula-safe) or A4 PDF (with
    the page's hour chart and the three spreads of times)."""
    require(viewer, "overview", site_id)
    with session.begin():
        site, report = _report(session, viewer, site_id, period)
        times = desk_times(session, site, report.period)
    desk = as_report(site, report, times)
    lang = language(request, viewer)
    t = translator(lang)
    if suffix == "csv":
        body, media = export.to_csv(desk, t), "text/csv; charset=utf-8"
    else:
        name = (site.name_zh if lang == "zh_CN" else site.name_en) or site.id
        spreads = charts.spread_images(times, t)
        body, media = export.to_pdf(desk, t, site_name=name, charts=spreads), "application/pdf"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{export.file_name(desk, suffix)}"'},
    )
