"""Alerts through a real SMTP server on loopback: a watchlist match while the desk is
unattended reaches the desk, security and the backup contact by mail, once each, on a kiosk
built by the app's own wiring (``build_services``, the real apprise notifier)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notify_servers import SmtpServer

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.settings import load_settings
from kiosk.core.printing.fake import FakePrinter
from kiosk.core.reception.desk import leave_desk
from kiosk.core.reception.help_request import ask_for_help
from kiosk.core.store import alert_deliveries
from kiosk.services import build_services
from tests.unit.reception_fixtures import DESK_PIN, form

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


def test_a_watchlist_match_while_unattended_reaches_security_and_the_backup_by_mail(tmp_path, smtp):
    tag = tmp_path.name
    desk, security, backup = (f"{who}.{tag}@example.com" for who in ("desk", "security", "backup"))
    settings = load_settings(
        environ={
            "KIOSK_KIOSK_DATA_DIR": str(tmp_path),
            "KIOSK_NOTIFY_SEND_TIMEOUT": "5",
            "KIOSK_RECEPTION_DESK_CHANNELS": smtp.url(desk),
            "KIOSK_RECEPTION_SECURITY_CHANNELS": smtp.url(security),
            "KIOSK_RECEPTION_BACKUP_CONTACT": "保安室 8110",
            "KIOSK_RECEPTION_BACKUP_CHANNELS": smtp.url(backup),
        }
    )
    services = build_services(
        settings, demo=True, clock=FakeClock(), start_workers=False, printer=FakePrinter()
    )
    try:
        staff = services.reception.staff.add("前台王", "receptionist", DESK_PIN)
        reception = settings.reception
        leave_desk(
            services.store,
            staff.actor,
            backup_contact=reception.backup_contact,
            backup_channels=reception.backup_channels,
            site_id=settings.site.id,
            kiosk_id=settings.kiosk.id,
        )
        result = services.checkin.check_in(form(name="黑名单测试", phone="13912349999"))
        assert result.denied
        ask_for_help(services.store, site_id=settings.site.id, kiosk_id=settings.kiosk.id)
        services.notifier.start()
        [to_security] = smtp.mailbox.wait_for(security)
        to_backup = smtp.mailbox.wait_for(backup, count=2)
        to_desk = smtp.mailbox.wait_for(desk, count=2)
        assert all(m["Subject"].startswith("【示范大厦】") for m in to_desk)
        assert "黑名单测试" in to_security.get_body(("plain",)).get_content()
        assert to_security["Subject"].startswith("【示范大厦】")
        watch = [m for m in to_backup if "黑名单测试" in m.get_body(("plain",)).get_content()]
        assert len(watch) == 1
        assert "backup contact" in watch[0].get_body(("plain",)).get_content()
        assert any("asks for a person" in m.get_body(("plain",)).get_content() for m in to_backup)
        assert services.notifier.wait_idle(timeout=20)
        # exactly once each: nothing more arrives, every delivery is settled as sent
        assert len(smtp.mailbox.to(security)) == 1
        assert len(smtp.mailbox.to(backup)) == 2 and len(smtp.mailbox.to(desk)) == 2
        states = services.store.query("SELECT route, state FROM alert_deliveries")
        assert sorted(tuple(r) for r in states) == [
            ("backup", "sent"),
            ("backup", "sent"),
            ("desk", "sent"),
            ("desk", "sent"),
            ("security", "sent"),
        ]
        assert alert_deliveries.count_due(services.store, services.clock.now()) == 0
    finally:
        services.stop()
