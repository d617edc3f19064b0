"""A site's desk times for a quarter or a year at head office: how fast hosts replied to the
notice of their visitor and how fast tickets were answered and resolved, from what the site's
kiosks pushed (visits, tickets and their steps) and the replies hosts sent through their links.

``desk_times`` gathers the minutes (``DeskTimes``: the page charts their spread); ``as_report``
makes them the kiosk's own report value (``kiosk.core.reports.figures.Report``, the same
catalogue keys as the console's report), so the kiosk's CSV and PDF exports
(``kiosk.core.reports.export``) write it unchanged. Definitions as on the kiosk:

- host replies: visits checked in within the period whose host was notified (``notify_status``
  recorded); replied: those with a reply; minutes from the check-in (when the kiosk wrote the
  notice) to the first reply; median and 90th percentile (nearest rank);
- ticket times: tickets raised within the period; minutes from raising to the first
  acknowledgement, progress or resolution, and to the first resolution, each counted for the
  tickets that had one by the period's end;
- tickets: those raised within the period per kind, and the complaints among them resolved by
  the period's end (the seed's assessment figures, §6: complaints resolved).

Must never: return a person (counts and minutes only: every role that sees the site may read it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.core.reports.figures import Figure, Report, Section, median, p90
from kiosk.core.reports.periods import period as kiosk_period
from kiosk.core.tickets.figures import RESPONSES
from kiosk.core.tickets.model import KINDS

from ..models import Site, Visit
from ..replies import HostReply
from ..tickets import TicketEntryRow, TicketRow
from .reports import Period
from .reports import Report as VisitReport


@dataclass(frozen=True, slots=True)
class DeskTimes:
    """The minutes behind the desk report's figures (the page charts their spread)."""

    notified: int
    #: minutes from the check-in to the host's first reply, one per replied visit
    replies: tuple[float, ...]
    tickets: int
    first_response: tuple[float, ...]
    resolution: tuple[float, ...]
    #: tickets raised in the period per kind (every kind, in ``KINDS`` order)
    kinds: tuple[tuple[str, int], ...] = ()
    #: of the complaints raised in the period, those resolved by its end (seed §6)
    complaints_resolved: int = 0


def as_report(site: Site, visits: VisitReport, times: DeskTimes) -> Report:
    """``times`` as the kiosk's report value (its CSV and PDF exports write it)."""
    sections = (
        Section(
            "report.host_replies",
            (
                Figure("report.notified", times.notified),
                Figure("report.replied", len(times.replies)),
                Figure("report.not_replied", times.notified - len(times.replies)),
                Figure("report.median_minutes", median(times.replies)),
                Figure("report.p90_minutes", p90(times.replies)),
            ),
        ),
        Section(
            "report.ticket_times",
            (
                Figure("report.tickets_total", times.tickets),
                *_spread("report.first_response", times.first_response),
                *_spread("report.resolution", times.resolution),
            ),
        ),
        # per kind and the complaints, as the console's report shows them (kiosk.core.reports)
        Section("report.tickets", tuple(Figure(f"ticket.kind.{k}", n) for k, n in times.kinds)),
        Section(
            "report.complaints",
            (
                Figure("report.complaints_received", dict(times.kinds).get("complaint", 0)),
                Figure("report.complaints_resolved", times.complaints_resolved),
            ),
        ),
    )
    return Report(site.id, _span(site, visits.period), sections, tuple(visits.per_hour))


def _span(site: Site, chosen: Period):
    first, _ = chosen.days()
    return kiosk_period(
        "quarter" if chosen.quarter else "year", first, site.timezone or "Asia/Shanghai"
    )


def desk_times(session: Session, site: Site, chosen: Period) -> DeskTimes:
    """The site's host reply and ticket minutes over ``chosen``."""
    span = _span(site, chosen)
    start, end = span.start, span.end
    told = list(
        session.execute(
            select(Visit.id, Visit.checked_in_at).where(
                Visit.site_id == site.id,
                Visit.checked_in_at >= start,
                Visit.checked_in_at < end,
                Visit.notify_status.is_not(None),
            )
        )
    )
    replied = dict(
        session.execute(
            select(HostReply.visit_id, func.min(HostReply.replied_at))
            .where(HostReply.site_id == site.id, HostReply.visit_id.in_([v for v, _ in told]))
            .group_by(HostReply.visit_id)
        ).all()
    )
    waits = [
        _minutes(at, _aware(replied[visit_id]))
        for visit_id, at in told
        if visit_id in replied and at is not None
    ]
    raised = session.execute(
        select(TicketRow.id, TicketRow.raised_at, TicketRow.kind).where(
            TicketRow.site_id == site.id,
            TicketRow.raised_at >= start,
            TicketRow.raised_at < end,
        )
    ).all()
    tickets = {ticket_id: at for ticket_id, at, _kind in raised}
    kinds = Counter(kind for _id, _at, kind in raised)
    responded: dict[str, datetime] = {}
    resolved: dict[str, datetime] = {}
    for ticket_id, action, at in session.execute(
        select(TicketEntryRow.ticket_id, TicketEntryRow.action, TicketEntryRow.at).where(
            TicketEntryRow.site_id == site.id,
            TicketEntryRow.ticket_id.in_(list(tickets)),
            TicketEntryRow.at < end,
        )
    ):
        if action in RESPONSES:
            responded[ticket_id] = min(at, responded.get(ticket_id, at))
        if action == "resolved":
            resolved[ticket_id] = min(at, resolved.get(ticket_id, at))
    return DeskTimes(
        notified=len(told),
        replies=tuple(waits),
        tickets=len(tickets),
        first_response=tuple(_since(tickets, responded)),
        resolution=tuple(_since(tickets, resolved)),
        kinds=tuple((kind, kinds[kind]) for kind in KINDS),
        complaints_resolved=sum(
            1 for ticket_id, _at, kind in raised if kind == "complaint" and ticket_id in resolved
        ),
    )


def _aware(value: datetime) -> datetime:
    """A ``min()`` of a time column: SQLite hands it back as text, without the column's type."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # stored times are UTC


def _minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def _since(raised: dict[str, datetime], reached: dict[str, datetime]) -> list[float]:
    return [_minutes(raised[t], at) for t, at in reached.items() if t in raised]


def _spread(prefix: str, values: Iterable[float]) -> tuple[Figure, ...]:
    minutes = list(values)
    return (
        Figure(f"{prefix}_count", len(minutes)),
        Figure(f"{prefix}_median", median(minutes)),
        Figure(f"{prefix}_p90", p90(minutes)),
    )
