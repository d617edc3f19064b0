"""What the dashboard's pages show, read from head office's tables (no HTTP here, so the
benchmarks time exactly what a page runs).

``site_summaries``: per site, on site now, today's visits (the site's own day) and open alerts,
three grouped queries for all sites at once. ``on_site``: who is on site now, newest first.
``visit_page``: the visit log, filtered, in pages by keyset (``created_at``, ``id``), so page
1,000 costs what page 1 does. Names come with their visit; phone numbers are masked here.

Must never: return a row of a site the caller did not ask for (the pages ask only for sites
the viewer sees).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import Session, aliased

from ..board_routes import site_day
from ..models import Alert, Host, Kiosk, Site, Visit, Visitor

QUIET_AFTER_ENV = "KIOSK_SERVER_QUIET_AFTER"
#: minutes without a sync after which an enrolled kiosk is flagged as quiet
DEFAULT_QUIET_AFTER = 30
#: most people the on-site board lists at once (the counts stay exact)
ON_SITE_LIMIT = 500
PAGE_SIZE = 50
STATES = ("checked_in", "checked_out", "denied", "cancelled")


@dataclass(frozen=True, slots=True)
class SiteSummary:
    site: Site
    on_site: int
    today: int
    open_alerts: int
    kiosks: int
    last_seen: datetime | None
    #: enrolled kiosks that have not synced for ``quiet_after()``
    quiet: int = 0


def site_summaries(session: Session, site_ids: list[str]) -> list[SiteSummary]:
    sites = list(session.scalars(select(Site).where(Site.id.in_(site_ids)).order_by(Site.id)))
    if not sites:
        return []
    ids = [s.id for s in sites]
    on_site = dict(
        session.execute(
            select(Visit.site_id, func.count())
            .where(Visit.site_id.in_(ids), Visit.state == "checked_in")
            .group_by(Visit.site_id)
        ).all()
    )
    # sites in one timezone share the start of their day: one grouped count per start
    by_start: dict[datetime, list[str]] = {}
    for s in sites:
        by_start.setdefault(site_day(s.timezone, None)[1], []).append(s.id)
    today: dict[str, int] = {}
    for start, group in by_start.items():
        today.update(
            session.execute(
                select(Visit.site_id, func.count())
                .where(Visit.site_id.in_(group), Visit.created_at >= start, Visit.state != "")
                .group_by(Visit.site_id)
            ).all()
        )
    alerts = dict(
        session.execute(
            select(Alert.site_id, func.count())
            .where(
                Alert.site_id.in_(ids),
                Alert.raised_at.is_not(None),
                Alert.acknowledged_at.is_(None),
            )
            .group_by(Alert.site_id)
        ).all()
    )
    cutoff = datetime.now(UTC) - quiet_after()
    quiet = dict(
        session.execute(
            select(Kiosk.site_id, func.count())
            .where(
                Kiosk.site_id.in_(ids),
                Kiosk.revoked_at.is_(None),
                Kiosk.enrolled_at.is_not(None),
                or_(Kiosk.last_seen_at.is_(None), Kiosk.last_seen_at < cutoff),
            )
            .group_by(Kiosk.site_id)
        ).all()
    )
    kiosks: dict[str, tuple[int, datetime | None]] = {}
    for site_id, n, seen in session.execute(
        select(Kiosk.site_id, func.count(), func.max(Kiosk.last_seen_at))
        .where(Kiosk.site_id.in_(ids), Kiosk.revoked_at.is_(None))
        .group_by(Kiosk.site_id)
    ):
        kiosks[site_id] = (int(n), _aware(seen) if seen else None)
    return [
        SiteSummary(
            site=s,
            on_site=int(on_site.get(s.id, 0)),
            today=int(today.get(s.id, 0)),
            open_alerts=int(alerts.get(s.id, 0)),
            kiosks=kiosks.get(s.id, (0, None))[0],
            last_seen=kiosks.get(s.id, (0, None))[1],
            quiet=int(quiet.get(s.id, 0)),
        )
        for s in sites
    ]


def quiet_after() -> timedelta:
    """``$KIOSK_SERVER_QUIET_AFTER`` minutes (a bad or missing value: 30)."""
    try:
        minutes = float(os.environ.get(QUIET_AFTER_ENV, "") or DEFAULT_QUIET_AFTER)
    except ValueError:
        minutes = DEFAULT_QUIET_AFTER
    return timedelta(minutes=max(1.0, minutes))


def site_zones(session: Session, site_ids: list[str]) -> dict[str, str]:
    """Each site's time zone: pages show times as the site's clock does."""
    query = select(Site.id, Site.timezone).where(Site.id.in_(site_ids))
    return {str(i): str(z) for i, z in session.execute(query)}


def _aware(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite's aggregate of a datetime column comes back as text
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class VisitRow:
    id: str
    site_id: str
    state: str
    name: str
    company: str
    phone: str
    host: str
    purpose: str
    created_at: datetime | None
    checked_in_at: datetime | None
    checked_out_at: datetime | None


def mask_phone(phone: str) -> str:
    """``138****5678``: enough to tell two people apart, not enough to call one."""
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    return digits[:3] + "*" * max(0, len(digits) - 7) + digits[-4:]


def _rows(session: Session, query: Any, *, masked: bool = True) -> list[VisitRow]:
    out = []
    for visit, visitor, host in session.execute(query):
        phone = visitor.phone if visitor else ""
        out.append(
            VisitRow(
                id=visit.id,
                site_id=visit.site_id,
                state=visit.state,
                name=visitor.name if visitor else "",
                company=visitor.company if visitor else "",
                phone=mask_phone(phone) if masked else phone,
                host=(host.name_zh or host.name_en) if host else "",
                purpose=visit.purpose,
                created_at=visit.created_at,
                checked_in_at=visit.checked_in_at,
                checked_out_at=visit.checked_out_at,
            )
        )
    return out


def _with_people() -> Any:
    host = aliased(Host)
    return (
        select(Visit, Visitor, host)
        .outerjoin(Visitor, Visitor.id == Visit.visitor_id)
        .outerjoin(host, host.id == Visit.host_id)
    )


def on_site(session: Session, site_ids: list[str], *, limit: int = ON_SITE_LIMIT) -> list[VisitRow]:
    """Everyone checked in now at these sites, latest arrival first."""
    query = (
        _with_people()
        .where(Visit.site_id.in_(site_ids), Visit.state == "checked_in")
        .order_by(Visit.checked_in_at.desc(), Visit.id.desc())
        .limit(limit)
    )
    return _rows(session, query)


def on_site_count(session: Session, site_ids: list[str]) -> int:
    query = select(func.count()).where(Visit.site_id.in_(site_ids), Visit.state == "checked_in")
    return int(session.scalar(query) or 0)


def on_site_signature(session: Session, site_ids: list[str]) -> str:
    """Changes whenever someone arrives at or leaves these sites (what the live board watches)."""
    count, latest_in, latest_out = session.execute(
        select(func.count(), func.max(Visit.checked_in_at), func.max(Visit.checked_out_at)).where(
            Visit.site_id.in_(site_ids), Visit.state.in_(("checked_in", "checked_out"))
        )
    ).one()
    return f"{count}|{latest_in}|{latest_out}"


@dataclass(frozen=True, slots=True)
class VisitFilter:
    site_ids: tuple[str, ...]
    text: str = ""
    state: str = ""
    day_from: date | None = None
    day_to: date | None = None


def _filtered(f: VisitFilter) -> Any:
    query = _with_people().where(Visit.site_id.in_(f.site_ids), Visit.state != "")
    if f.state in STATES:
        query = query.where(Visit.state == f.state)
    if f.text:
        like = "%" + f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                Visitor.name.ilike(like, escape="\\"),
                Visitor.company.ilike(like, escape="\\"),
                Visit.id == f.text,
            )
        )
    if f.day_from:
        start = datetime.combine(f.day_from, datetime.min.time(), tzinfo=UTC)
        query = query.where(Visit.created_at >= start)
    if f.day_to:
        end = datetime.combine(f.day_to, datetime.max.time(), tzinfo=UTC)
        query = query.where(Visit.created_at <= end)
    return query


def visit_page(
    session: Session, f: VisitFilter, *, after: str = "", size: int = PAGE_SIZE
) -> tuple[list[VisitRow], str]:
    """One page, newest first, and the cursor of the next page ("" at the end). The cursor is
    the last row's ``created_at`` and id: the next page starts strictly below it."""
    query = _filtered(f)
    key = parse_cursor(after)
    if key is not None:
        query = query.where(tuple_(Visit.created_at, Visit.id) < key)
    query = query.order_by(Visit.created_at.desc(), Visit.id.desc()).limit(size + 1)
    rows = _rows(session, query)
    more = len(rows) > size
    rows = rows[:size]
    cursor = (
        f"{rows[-1].created_at.isoformat()}~{rows[-1].id}" if more and rows[-1].created_at else ""
    )
    return rows, cursor


def parse_cursor(text: str) -> tuple[datetime, str] | None:
    when, _, visit_id = text.partition("~")
    if not when or not visit_id:
        return None
    try:
        at = datetime.fromisoformat(when)
    except ValueError:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)), visit_id


def visits_for_export(session: Session, f: VisitFilter, *, limit: int = 100_000) -> list[VisitRow]:
    query = _filtered(f).order_by(Visit.created_at.desc(), Visit.id.desc()).limit(limit)
    return _rows(session, query, masked=False)
