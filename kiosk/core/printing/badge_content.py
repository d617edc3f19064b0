"""What goes on a visitor's badge: the records, the signed code and a line of directions.

``BadgeContent.badge_data`` builds the ``BadgeData`` the pure ``render_badge`` draws, for the
print queue, the done screen's preview and reprints alike; ``print_job`` wraps the image for a
printer. The badge code is issued here (in its own transaction) for a visit that has none.

Must never: talk to a printer, or fail a badge over its directions line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.core.badges.render import render_badge
from kiosk.core.badges.template import BadgeData, Template
from kiosk.core.badges.tokens import BadgeService, peek
from kiosk.core.config.clock import Clock
from kiosk.core.config.errors import DeniedError, KioskError
from kiosk.core.config.settings import Settings
from kiosk.core.models import Visit
from kiosk.core.printing.base import PrintJob
from kiosk.core.printing.test_badge import is_test, test_badge_data
from kiosk.core.printing.ticket_slip import is_slip, slip_data
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records

log = logging.getLogger(__name__)

#: (visit, language) -> one line of directions for the badge, or "" (the directions feature)
DirectionFor = Callable[[Visit, str], str]


class BadgeContent:
    def __init__(
        self,
        *,
        store: Store,
        records: Records,
        clock: Clock,
        settings: Settings,
        badges: BadgeService,
        template: Template,
        directions: DirectionFor | None = None,
    ) -> None:
        self.store = store
        self.records = records
        self.clock = clock
        self.settings = settings
        self.badges = badges
        self.template = template
        self.directions = directions

    def print_job(self, visit_id: str, copy: int, language: str) -> PrintJob:
        """The rendered badge of one copy, ready for a printer."""
        image = render_badge(self.badge_data(visit_id, language), self.template)
        return PrintJob(
            job_id=f"{visit_id}-{copy}",
            title=f"badge-{visit_id[:12]}-{copy}",
            image=image,
            template=self.template,
        )

    def badge_data(self, visit_id: str, language: str = "zh_CN") -> BadgeData:
        """The badge of a visit, from the records (also for previews and reprints)."""
        if is_slip(visit_id):  # a visitor's ticket number (kiosk.core.printing.ticket_slip)
            tz = _zone(self.settings.site.timezone)
            return slip_data(self.settings, visit_id, language, self.clock.now().astimezone(tz))
        if is_test(visit_id):  # receptionist mode's test print (kiosk.core.printing.test_badge)
            tz = _zone(self.settings.site.timezone)
            return test_badge_data(self.settings, language, self.clock.now().astimezone(tz))
        visit = self.records.visit(visit_id)
        if visit is None:
            raise KioskError(f"visit {visit_id} not found", key="badge.printer.error")
        visitor = self.records.visitor(visit.visitor_id)
        host = self.records.host(visit.host_id) if visit.host_id else None
        department = self.records.department(visit.department_id) if visit.department_id else None
        site = self.records.site(visit.site_id)
        tz = _zone(site.timezone if site else self.settings.site.timezone)
        token = visit.badge_code
        if not token:
            with self.store.transaction() as tx:
                token = self.badges.issue(visit.id, tx=tx, issued_at=visit.checked_in_at)
                self.records.set_badge_code(tx, visit.id, token)
        issued = visit.checked_in_at or visit.created_at or self.clock.now()
        try:
            valid_until = peek(token).expires_at
        except DeniedError:  # a code from another issuer (random codes): use the settings
            valid_until = issued + timedelta(hours=self.settings.printer.badge_valid_hours)
        floor = (host.floor if host else "") or (department.floor if department else "")
        room = (host.room if host else "") or (department.room if department else "")
        return BadgeData(
            site_name_zh=site.name_zh if site else self.settings.site.name_zh,
            site_name_en=site.name_en if site else self.settings.site.name_en,
            visitor_name=visitor.name if visitor else "",
            company=visitor.company if visitor else "",
            host_name=_host_name(host, language) if host else "",
            floor=floor,
            room=room,
            direction=self._direction(visit, language),
            purpose=visit.purpose,
            token=token,
            issued_at=issued.astimezone(tz),
            valid_until=valid_until.astimezone(tz),
            language=language,
        )

    def _direction(self, visit: Visit, language: str) -> str:
        if self.directions is None:
            return ""
        try:
            return self.directions(visit, language) or ""
        except KioskError as e:  # no known way there (NotFoundError): no line
            log.info("no direction for visit %s: %s", visit.id, e)
        except Exception:  # directions are a nicety; a badge never fails over them
            log.exception("directions for visit %s failed", visit.id)
        return ""


def _host_name(host, language: str) -> str:
    primary = host.name(language)
    other = host.name_en if language.startswith("zh") else host.name_zh
    return primary if not other or other == primary else f"{primary} {other}"


def _zone(name: str):
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return datetime.now().astimezone().tzinfo
