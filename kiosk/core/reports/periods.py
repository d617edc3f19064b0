"""Report periods on the site's wall clock: a day, an ISO week (Monday first), a month, a
quarter or a year, as a half-open UTC range ``[start, end)`` for the store's queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.core.config.errors import ValidationError

KINDS = ("day", "week", "month", "quarter", "year")


@dataclass(frozen=True, slots=True)
class Period:
    kind: str
    #: the first local day and the day after the last one
    first: date
    after: date
    #: the same range as UTC instants (local midnights)
    start: datetime
    end: datetime
    zone: str

    @property
    def label(self) -> str:
        """``2026-Q4``, ``2026-11``, ``2026-W48``, ``2026-12-01`` or ``2026``."""
        if self.kind == "day":
            return self.first.isoformat()
        if self.kind == "week":
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return f"{self.first.year}-{self.first.month:02d}"
        if self.kind == "quarter":
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        return str(self.first.year)


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValidationError(f"unknown time zone {name!r}", field="timezone") from e


def period(kind: str, day: date, zone: str) -> Period:
    """The period of ``kind`` that holds the local ``day``."""
    if kind == "day":
        first, after = day, day + timedelta(days=1)
    elif kind == "week":
        first = day - timedelta(days=day.weekday())
        after = first + timedelta(days=7)
    elif kind == "month":
        first = day.replace(day=1)
        after = _add_months(first, 1)
    elif kind == "quarter":
        first = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        after = _add_months(first, 3)
    elif kind == "year":
        first, after = day.replace(month=1, day=1), day.replace(year=day.year + 1, month=1, day=1)
    else:
        raise ValidationError(f"unknown report period {kind!r}", field="period")
    tz = zone_of(zone)
    return Period(kind, first, after, _midnight(first, tz), _midnight(after, tz), zone)


def current(kind: str, now: datetime, zone: str) -> Period:
    """The period of ``kind`` that holds ``now`` on the site's clock."""
    return period(kind, now.astimezone(zone_of(zone)).date(), zone)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def _add_months(first: date, months: int) -> date:
    month = first.month - 1 + months
    return first.replace(year=first.year + month // 12, month=month % 12 + 1, day=1)
