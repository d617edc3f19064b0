"""The figures of one report: what the desk did in a period, per site, on the site's clock.

Sections, in order: visitors (total and by purpose), visitors by hour of arrival, time until
hosts replied (minutes from the notice to the reply: median and 90th percentile), parcels
(received, collected, still uncollected, minutes to collection), check-out ratings (count,
average, each score), then whatever sections ``extra`` providers return: the kiosk's wiring
passes the tickets' (``kiosk.core.reports.tickets.TicketSections``: tickets by kind and
department, response and resolution times, complaints). Nothing is shown for a section nobody
provides.

Median is the middle value (the mean of the two middle ones for an even count); the 90th
percentile is by nearest rank: the smallest value with at least 90 % of the values at or
below it. Durations are minutes, one decimal.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiosk.core.config.clock import Clock
from kiosk.core.config.settings import Settings
from kiosk.core.reports.periods import Period, current, zone_of
from kiosk.core.store import report_rows as rows
from kiosk.core.store.database import Store

Value = int | float | str | None
#: an extra section's provider: (store, start, end) → {section title: {label: value or {…}}}
#: (shown as given), or translated ``Section``s (the tickets': kiosk.core.reports.tickets)
Provider = Callable[[Store, datetime, datetime], "Mapping[str, Any] | Iterable[Section]"]


@dataclass(frozen=True, slots=True)
class Figure:
    #: a catalogue key (``translated`` sections) or the label as given (extra sections)
    key: str
    value: Value
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    figures: tuple[Figure, ...]
    #: False for an extra provider's section: its title and labels are shown as given
    translated: bool = True


@dataclass(frozen=True, slots=True)
class Report:
    site_id: str
    period: Period
    sections: tuple[Section, ...]
    #: visitors per local hour 0-23 (the chart)
    by_hour: tuple[int, ...]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def value(self, section: str, key: str, **params: str) -> Value:
        """One figure's value (tests, the console's summary line)."""
        for f in self.section(section).figures:
            if f.key == key and all(f.params.get(k) == v for k, v in params.items()):
                return f.value
        raise KeyError(f"{section}/{key} {params}")


def median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def p90(values: Sequence[float]) -> float | None:
    """The 90th percentile by nearest rank (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)], 1)


def _minutes(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 60


class ReportService:
    """Builds reports from the kiosk's store; ``extra`` providers add their sections."""

    def __init__(
        self,
        *,
        store: Store,
        settings: Settings,
        clock: Clock,
        extra: Iterable[Provider] = (),
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.extra = list(extra)

    def period(self, kind: str) -> Period:
        """The current ``kind`` period on the site's clock."""
        return current(kind, self.clock.now(), self.settings.site.timezone)

    def report(self, period: Period) -> Report:
        site = self.settings.site.id
        start, end = period.start, period.end
        by_hour = _by_hour(rows.arrivals_by_quarter_hour(self.store, site, start, end), period.zone)
        sections = [
            _visitors(rows.arrivals_by_purpose(self.store, site, start, end), self.settings),
            Section(
                "report.by_hour",
                tuple(
                    Figure("report.hour", n, {"hour": f"{h:02d}"})
                    for h, n in enumerate(by_hour)
                    if n
                ),
            ),
            _replies(*rows.host_reply_minutes(self.store, site, start, end)),
            _parcels(rows.parcels(self.store, site, start, end)),
            _ratings(rows.ratings(self.store, site, start, end)),
        ]
        for provider in self.extra:
            given = provider(self.store, start, end)
            sections += extra_sections(given) if isinstance(given, Mapping) else list(given)
        return Report(site, period, tuple(sections), by_hour)


def _by_hour(buckets: list[tuple[str, int]], zone: str) -> tuple[int, ...]:
    """Visitors per local hour from UTC quarter-hour buckets (``YYYY-MM-DDTHH:q``)."""
    tz = zone_of(zone)
    counts = [0] * 24
    for bucket, n in buckets:
        utc = datetime.fromisoformat(f"{bucket[:13]}:{int(bucket[14:]) * 15:02d}+00:00")
        counts[utc.astimezone(tz).hour] += n
    return tuple(counts)


def _visitors(by_purpose: list[tuple[str, int]], settings: Settings) -> Section:
    counted = dict(by_purpose)
    purposes = settings.checkin.purposes
    order = list(purposes) + sorted(p for p in counted if p not in purposes)
    figures = [Figure("report.visitors_total", sum(counted.values()))]
    figures += [Figure(f"purpose.{p}", counted.get(p, 0)) for p in order]
    return Section("report.visitors", tuple(figures))


def _replies(told: int, waits: list[float]) -> Section:
    return Section(
        "report.host_replies",
        (
            Figure("report.notified", told),
            Figure("report.replied", len(waits)),
            Figure("report.not_replied", told - len(waits)),
            Figure("report.median_minutes", median(waits)),
            Figure("report.p90_minutes", p90(waits)),
        ),
    )


def _parcels(received: list[tuple]) -> Section:
    waits = [_minutes(at, done) for _c, at, done in received if done]
    couriers = Counter(c for c, _a, _d in received)
    figures = [
        Figure("report.parcels_received", len(received)),
        Figure("report.parcels_collected", len(waits)),
        Figure("report.parcels_uncollected", len(received) - len(waits)),
        Figure("report.median_minutes", median(waits)),
        Figure("report.p90_minutes", p90(waits)),
    ]
    figures += [Figure(f"courier.{c}", n) for c, n in sorted(couriers.items())]
    return Section("report.parcels", tuple(figures))


def _ratings(by_score: list[tuple[int, int]]) -> Section:
    counted = dict(by_score)
    given = sum(counted.values())
    average = round(sum(s * n for s, n in counted.items()) / given, 2) if given else None
    figures = [Figure("report.ratings_count", given), Figure("report.average", average)]
    figures += [Figure("report.score", counted.get(s, 0), {"score": str(s)}) for s in range(1, 6)]
    return Section("report.ratings", tuple(figures))


def extra_sections(given: Mapping[str, Any]) -> list[Section]:
    """An extra provider's ``{title: {label: value}}`` as sections, labels as given; nested
    mappings become ``outer / inner`` labels, sequences of values are joined with ``, ``."""
    out = []
    for title, body in given.items():
        figures: list[Figure] = []
        _flatten(body if isinstance(body, Mapping) else {"": body}, "", figures)
        out.append(Section(str(title), tuple(figures), translated=False))
    return out


def _flatten(body: Mapping[str, Any], prefix: str, out: list[Figure]) -> None:
    for label, value in body.items():
        name = f"{prefix} / {label}" if prefix and label != "" else (prefix or str(label))
        if isinstance(value, Mapping):
            _flatten(value, name, out)
        elif isinstance(value, list | tuple):
            out.append(Figure(name, ", ".join(str(v) for v in value)))
        elif value is None or isinstance(value, int | float | str):
            out.append(Figure(name, value))
        else:
            out.append(Figure(name, str(value)))
