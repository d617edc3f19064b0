"""The names of those still to find reach security by mail through a real SMTP server on
loopback: at the start (everyone), when staff ask on the console, after a printout and at the
end (whoever was never accounted for), once each, on a kiosk built by the app's own wiring
(the real apprise notifier). The names stay out of the alerts' details and the outbox."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notify_servers import SmtpServer

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.settings import load_settings
from kiosk.core.printing.fake import FakePrinter
from kiosk.services import build_services
from tests.unit.emergency_fixtures import PEER_KEY, form

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # about 8 s


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_the_names_still_to_find_reach_security_by_mail(tmp_path, smtp):
    security = f"security.{tmp_path.name}@example.com"
    desk = f"desk.{tmp_path.name}@example.com"
    settings = load_settings(
        environ={
            "KIOSK_KIOSK_DATA_DIR": str(tmp_path),
            "KIOSK_NOTIFY_SEND_TIMEOUT": "5",
            "KIOSK_RECEPTION_DESK_CHANNELS": smtp.url(desk),
            "KIOSK_RECEPTION_SECURITY_CHANNELS": smtp.url(security),
            "KIOSK_EMERGENCY_PEER_KEY": PEER_KEY,
        }
    )
    services = build_services(
        settings, demo=True, clock=FakeClock(), start_workers=False, printer=FakePrinter()
    )
    mode = services.emergency.mode
    try:
        found = services.checkin.check_in(form(name="王芳", phone="13812340001")).visit
        lost = services.checkin.check_in(form(name="欧阳建国", phone="13812340002")).visit
        services.notifier.start()
        mode.start(by="st-1", role="supervisor", emergency="fire", drill=True)
        [started] = smtp.mailbox.wait_for(security)
        assert "王芳" in _text(started) and "欧阳建国" in _text(started)
        assert "Still to be found (2):" in _text(started) and "仍待确认（2 人）" in _text(started)

        mode.mark(by="st-1", person_id=found.id, status="accounted")
        mode.mark(by="st-1", person_id=lost.id, status="missing")
        assert mode.send_names(by="st-1") == 1  # asked for on the console
        asked = smtp.mailbox.wait_for(security, count=2)[1]
        assert "欧阳建国" in _text(asked) and "王芳" not in _text(asked)
        assert "Roll call: 1 of 2 still to be found" in asked["Subject"] + _text(asked)
        assert "Missing" in _text(asked) and "失联" in _text(asked)

        outcome = services.emergency.print_roll_call()  # the badge printer's roll
        assert outcome is not None
        printed = smtp.mailbox.wait_for(security, count=3)[2]
        assert "欧阳建国" in _text(printed) and "王芳" not in _text(printed)

        mode.end(by="st-1", role="supervisor", reason="drill over")
        ended = smtp.mailbox.wait_for(security, count=4)[3]
        assert "never accounted for" in _text(ended) and "欧阳建国" in _text(ended)
        assert services.notifier.wait_idle(timeout=20)
        assert len(smtp.mailbox.to(security)) == 4
        assert len(smtp.mailbox.to(desk)) == 4  # the desk hears the same

        # names only in the messages: not in the alerts' details nor their outbox events
        rows = services.store.query("SELECT details FROM alerts")
        assert rows and not any("王芳" in r[0] or "欧阳建国" in r[0] for r in rows)
        events = services.store.query("SELECT payload FROM outbox WHERE kind = 'alert.raised'")
        assert events and not any("欧阳建国" in str(r[0]) for r in events)
    finally:
        services.stop()
