"""A visitor's ticket slip: the number of the ticket they raised on the Help screen, printed on
the badge printer when they ask for it, so they can look its status up later.

A slip rides the test print's path (``test_badge``): its print-job id starts with
``SLIP_PREFIX``, itself a test-print id, so it is rendered and handed over like a badge, tried
once, and emits no ``badge.*`` event. What it prints: the site, "Ticket 12345678", the kind,
and how to look it up; its QR code is no badge code (a scan at check-out is refused).
Must never: print the visitor's name, contact or what they wrote.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kiosk.core.badges.template import BadgeData
from kiosk.core.config.i18n import translate
from kiosk.core.config.settings import Settings
from kiosk.core.printing.test_badge import TEST_PREFIX
from kiosk.core.store.database import new_id

SLIP_PREFIX = f"{TEST_PREFIX}slip-"


def new_slip_id(number: str, kind: str) -> str:
    return f"{SLIP_PREFIX}{number}-{kind}-{new_id()[:6]}"


def is_slip(job_id: str) -> bool:
    return job_id.startswith(SLIP_PREFIX)


def slip_data(settings: Settings, job_id: str, language: str, now: datetime) -> BadgeData:
    number, kind = job_id.removeprefix(SLIP_PREFIX).split("-")[:2]
    lang = "en" if language == "en" else "zh_CN"
    return BadgeData(
        site_name_zh=settings.site.name_zh,
        site_name_en=settings.site.name_en,
        visitor_name=translate("help.slip_number", lang, number=number),
        company=translate(f"ticket.kind.{kind}", lang),
        host_name=translate("help.slip_lookup", lang),
        token=f"LOBBY-KIOSK-TICKET-{number}",
        issued_at=now,
        valid_until=now + timedelta(minutes=1),
        purpose="other",
        language=lang,
    )
