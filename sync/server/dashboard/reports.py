"""A site's visit report for a quarter or a year: visits per day, per hour of the day, per
weekday and per month in the site's own time, with the busiest day and hour.

The database counts visits per UTC hour (one grouped query, at most 8,784 buckets a year, on
the ``visits_site_created`` index); each bucket is then placed in the site's zone here. That is
exact for zones whose offset from UTC is whole hours (Asia/Shanghai and most others); in a
zone with a half-hour offset a visit can land in the neighbouring hour.

Must never: return a person: counts only (viewers may read reports).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Site, Visit

PERIOD = re.compile(r"^(?P<year>20\d\d)(?:-Q(?P<quarter>[1-4]))?$")


@dataclass(frozen=True, slots=True)
class Period:
    year: int
    quarter: int | None  # None: the whole year

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.quarter}" if self.quarter else str(self.year)

    def days(self) -> tuple[date, date]:
        """The first day and the day after the last."""
        if self.quarter is None:
            return date(self.year, 1, 1), date(self.year + 1, 1, 1)
        first = date(self.year, 3 * self.quarter - 2, 1)
        after = (
            date(self.year + 1, 1, 1) if self.quarter == 4 else date(self.year, first.month + 3, 1)
        )
        return first, after


def parse_period(text: str, today: date) -> Period:
    """``2026-Q4`` or ``2026``; the current quarter when empty or malformed."""
    found = PERIOD.match(text or "")
    if found:
        q = found.group("quarter")
        return Period(int(found.group("year")), int(q) if q else None)
    return Period(today.year, (today.month - 1) // 3 + 1)


@dataclass
class Report:
    site_id: str
    period: Period
    total: int = 0
    per_day: dict[date, int] = field(default_factory=dict)
    per_hour: list[int] = field(default_factory=lambda: [0] * 24)
    per_weekday: list[int] = field(default_factory=lambda: [0] * 7)
    per_month: dict[str, int] = field(default_factory=dict)

    @property
    def busiest_day(self) -> tuple[date, int] | None:
        return max(self.per_day.items(), key=lambda kv: kv[1]) if self.per_day else None

    @property
    def busiest_hour(self) -> int | None:
        return self.per_hour.index(max(self.per_hour)) if self.total else None


def _hour_bucket(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Visit.created_at), "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", Visit.created_at)


def visit_report(session: Session, site: Site, period: Period) -> Report:
    zone = ZoneInfo(site.timezone or "UTC")
    first, after = period.days()
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(after, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    bucket = _hour_bucket(session).label("bucket")
    query = (
        select(bucket, func.count())
        .where(
            Visit.site_id == site.id,
            Visit.created_at >= start,
            Visit.created_at < end,
            Visit.state != "",
        )
        .group_by(bucket)
    )
    report = Report(site.id, period)
    day = first
    while day < after:  # every day of the period, quiet ones too
        report.per_day[day] = 0
        day += timedelta(days=1)
    for text, n in session.execute(query):
        at = datetime.strptime(str(text), "%Y-%m-%d %H").replace(tzinfo=UTC).astimezone(zone)
        n = int(n)
        report.total += n
        report.per_day[at.date()] = report.per_day.get(at.date(), 0) + n
        report.per_hour[at.hour] += n
        report.per_weekday[at.weekday()] += n
        month = at.strftime("%Y-%m")
        report.per_month[month] = report.per_month.get(month, 0) + n
    return report
