"""The on-site board: the lists the desk works from, searched, phones masked until revealed.

Lists (``Board.snapshot``): on site now (checked in today: host, since when, badge status),
expected today (pending invitations valid today), not signed out from earlier days (still
checked in from before today, and those the end of day closed automatically), held
(watchlist matches waiting for a decision) and denied today. ``search`` filters every list by
name, company, host or phone digits. A phone is shown masked; ``reveal_phone`` returns it in
full and writes ``personal.revealed`` to the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from kiosk.core.config.clock import Clock, iso
from kiosk.core.config.errors import NotFoundError
from kiosk.core.masking import mask_phone
from kiosk.core.models import Visit
from kiosk.core.reception import audit
from kiosk.core.store import reception as table
from kiosk.core.store.records import Records

#: visit id -> the newest badge copy's state (queued, printing, printed, failed, none)
BadgeStatus = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class BoardEntry:
    """One line of a list. ``visit_id`` is "" for an invitation (``invitation_id`` set)."""

    list: str
    visit_id: str
    name: str
    company: str
    phone_masked: str
    host_id: str | None
    host_name: str
    since: datetime | None
    badge: str = ""
    invitation_id: str = ""
    auto_checked_out: bool = False
    #: for search only (never displayed)
    _phone_digits: str = field(default="", repr=False)
    #: the host's names in both languages (a search finds 李娜 as "Li Na" too)
    _host_names: str = field(default="", repr=False)

    def matches(self, text: str) -> bool:
        needle = text.strip().casefold()
        if not needle:
            return True
        hay = " ".join((self.name, self.company, self.host_name, self._host_names)).casefold()
        digits = "".join(ch for ch in needle if ch.isdigit())
        return needle in hay or (
            len(digits) >= 3 and digits == needle and digits in self._phone_digits
        )


@dataclass(frozen=True, slots=True)
class BoardSnapshot:
    on_site: tuple[BoardEntry, ...]
    expected: tuple[BoardEntry, ...]
    not_signed_out: tuple[BoardEntry, ...]
    held: tuple[BoardEntry, ...]
    denied: tuple[BoardEntry, ...]

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in LISTS}

    def filtered(self, text: str) -> BoardSnapshot:
        return BoardSnapshot(
            *(tuple(e for e in getattr(self, name) if e.matches(text)) for name in LISTS)
        )


LISTS = ("on_site", "expected", "not_signed_out", "held", "denied")


class Board:
    """Reads the board from the store (call it off the UI thread)."""

    def __init__(
        self,
        *,
        records: Records,
        clock: Clock,
        site_id: str,
        kiosk_id: str,
        timezone: str,
        badge_status: BadgeStatus | None = None,
    ) -> None:
        self.records = records
        self.store = records.store
        self.clock = clock
        self.site_id = site_id
        self.kiosk_id = kiosk_id
        self.timezone = timezone
        self.badge_status = badge_status

    def today(self) -> tuple[datetime, datetime]:
        """The start and end of today at the site."""
        tz = ZoneInfo(self.timezone)
        local = self.clock.now().astimezone(tz)
        start = datetime.combine(local.date(), time(0, 0), tzinfo=tz)
        return start, start + timedelta(days=1)

    def snapshot(self, language: str = "zh_CN", search: str = "") -> BoardSnapshot:
        start, end = self.today()
        open_ids = table.open_visit_ids_since(self.store, self.site_id, None)
        visits = [v for v in (self.records.visit(i) for i in open_ids) if v is not None]
        today = [v for v in visits if v.checked_in_at and v.checked_in_at >= start]
        earlier = [v for v in visits if not v.checked_in_at or v.checked_in_at < start]
        closed = [
            v
            for v in self.records.auto_closed_visits(self.site_id, limit=50)
            if v.checked_out_at and v.checked_out_at >= start - timedelta(days=7)
        ]
        held = [self.records.visit(i) for i in table.held_visit_ids(self.store, self.site_id)]
        denied = [
            self.records.visit(i)
            for i in table.denied_visit_ids(self.store, self.site_id, iso(start))
        ]
        expected = self.records.invitations_expected(self.site_id, iso(start), iso(end))
        snap = BoardSnapshot(
            on_site=tuple(self._entry("on_site", v, language, badge=True) for v in today),
            expected=tuple(self._invited(inv, language) for inv in expected),
            not_signed_out=tuple(
                self._entry("not_signed_out", v, language) for v in (*earlier, *closed)
            ),
            held=tuple(self._entry("held", v, language) for v in held if v is not None),
            denied=tuple(self._entry("denied", v, language) for v in denied if v is not None),
        )
        return snap.filtered(search) if search.strip() else snap

    def _host_name(self, host_id: str | None, language: str) -> str:
        host = self.records.host(host_id) if host_id else None
        return host.name(language) if host else ""

    def _host_names(self, host_id: str | None) -> str:
        host = self.records.host(host_id) if host_id else None
        return f"{host.name_zh} {host.name_en}" if host else ""

    def _entry(self, name: str, visit: Visit, language: str, *, badge: bool = False) -> BoardEntry:
        person = self.records.visitor(visit.visitor_id)
        phone = person.phone if person else ""
        status = self.badge_status(visit.id) if badge and self.badge_status else ""
        return BoardEntry(
            list=name,
            visit_id=visit.id,
            name=person.name if person else "",
            company=person.company if person else "",
            phone_masked=mask_phone(phone),
            host_id=visit.host_id,
            host_name=self._host_name(visit.host_id, language),
            since=visit.checked_in_at or visit.created_at,
            badge=status,
            auto_checked_out=visit.auto_checked_out,
            _phone_digits="".join(ch for ch in phone if ch.isdigit()),
            _host_names=self._host_names(visit.host_id),
        )

    def _invited(self, inv, language: str) -> BoardEntry:
        return BoardEntry(
            list="expected",
            visit_id="",
            name=inv.visitor_name,
            company=inv.company,
            phone_masked=mask_phone(inv.phone),
            host_id=inv.host_id,
            host_name=self._host_name(inv.host_id, language),
            since=inv.valid_from,
            invitation_id=inv.id,
            _phone_digits="".join(ch for ch in inv.phone if ch.isdigit()),
            _host_names=self._host_names(inv.host_id),
        )

    def reveal_phone(self, actor: audit.Actor, visit_id: str) -> str:
        """The visitor's full phone number; the reveal is audited (``personal.revealed``)."""
        visit = self.records.visit(visit_id)
        if visit is None or visit.site_id != self.site_id:
            raise NotFoundError(visit_id, key="reception.visit_unknown")
        person = self.records.visitor(visit.visitor_id)
        with self.store.transaction() as tx:
            audit.record(
                tx,
                actor,
                "personal.revealed",
                site_id=self.site_id,
                kiosk_id=self.kiosk_id,
                subject_kind="visitor",
                subject_id=visit.visitor_id,
                fields="phone",
                details={"visit_id": visit_id},
            )
        return person.phone if person else ""
