"""The test badge: what receptionist mode's "test print" sends through the real print queue.

A test print is an ordinary ``print_jobs`` row whose visit id starts with ``TEST_PREFIX``: it
is rendered, handed to the printer (or the fallback) and followed exactly like a visitor's
badge, so a good test print means the next visitor's badge will come out too. It differs in
three ways only: its content is a sample (``test_badge_data``, no visitor, a QR code that no
kiosk accepts as a badge), it is never retried on its own, and it emits no ``badge.*`` event
(head office has no visit to fold it into).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kiosk.core.badges.template import BadgeData
from kiosk.core.config.settings import Settings
from kiosk.core.store.database import new_id

TEST_PREFIX = "test-print-"
#: what the test badge's QR code says: not a badge code, so a scan of it is refused
TEST_CODE = "LOBBY-KIOSK-TEST-PRINT"


def is_test(visit_id: str) -> bool:
    return visit_id.startswith(TEST_PREFIX)


def new_test_id() -> str:
    return f"{TEST_PREFIX}{new_id()[:16]}"


def test_badge_data(settings: Settings, language: str, now: datetime) -> BadgeData:
    """A sample badge with the site's names, the time it was printed and no visitor."""
    zh = language.startswith("zh")
    return BadgeData(
        site_name_zh=settings.site.name_zh,
        site_name_en=settings.site.name_en,
        visitor_name="测试打印" if zh else "Test print",
        company=settings.kiosk.name or settings.kiosk.id,
        host_name="—",
        token=TEST_CODE,
        issued_at=now,
        valid_until=now + timedelta(minutes=1),
        purpose="other",
        language=language,
    )
