"""A real HTTP SMS gateway on loopback that goes down, through the app's own wiring
(``build_services``, the real apprise notifier, an injected clock driving the retries): a text
to a ticket's client is retried until the gateway is back and arrives once; a gateway down for
good leaves the desk an alert that names the gateway, not the client's number."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notify_servers import SmsGateway

from kiosk.core.alerts import open_alerts
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.settings import load_settings
from kiosk.core.printing.fake import FakePrinter
from kiosk.core.tickets.desk import TicketForm
from kiosk.services import Services, build_services
from tests.unit.reception_fixtures import DESK_PIN

pytestmark = pytest.mark.integration


@pytest.fixture
def gateway() -> Iterator[SmsGateway]:
    server = SmsGateway().start()
    yield server
    server.stop()


@pytest.fixture
def kiosk(tmp_path: Path, gateway: SmsGateway) -> Iterator[Services]:
    settings = load_settings(
        environ={
            "KIOSK_KIOSK_DATA_DIR": str(tmp_path),
            "KIOSK_NOTIFY_SEND_TIMEOUT": "5",
            "KIOSK_NOTIFY_SMS_GATEWAY": gateway.template,
        }
    )
    services = build_services(
        settings, demo=True, clock=FakeClock(), start_workers=False, printer=FakePrinter()
    )
    services.reception.staff.add("前台王", "receptionist", DESK_PIN)
    yield services
    services.stop()


def _resolved(services: Services, contact: str) -> str:
    desk = services.tickets
    staff = services.reception.staff.enter(DESK_PIN).staff.actor
    t = desk.raise_ticket(
        staff,
        TicketForm(kind="enquiry", subject="Parking", contact=contact, consent=True, language="en"),
    )
    t = desk.act(staff, t.id, "assigned", seen=t.last_entry_id, department_id="property")
    t = desk.act(staff, t.id, "acknowledged", seen=t.last_entry_id)
    return desk.act(staff, t.id, "resolved", seen=t.last_entry_id, note="ok").number


def _state(services: Services) -> str:
    row = services.store.query_one(
        "SELECT state FROM alert_deliveries"
        " WHERE open_field(channel, 'alert_deliveries', 'channel') LIKE 'sms %'"
        " ORDER BY created_at DESC"
    )
    return row["state"] if row else ""


def _rounds(services: Services, until, *, step: float = 30.0, limit: float = 20.0) -> None:
    """Notifier rounds, the injected clock moved on between them, until ``until()``."""
    deadline = time.monotonic() + limit
    while not until() and time.monotonic() < deadline:
        services.notifier.run_once()
        time.sleep(0.02)  # the channel thread sends on real time
        services.notifier.run_once()
        services.clock.advance(step)
    assert until()


def test_a_text_is_retried_while_the_gateway_is_down_and_arrives_once(kiosk, gateway) -> None:
    gateway.status = 503
    number = _resolved(kiosk, "13700137000")
    _rounds(kiosk, lambda: gateway.refused >= 2)
    gateway.status = 200
    _rounds(kiosk, lambda: _state(kiosk) == "sent")
    [text] = gateway.received
    assert text["to"] == "13700137000" and f"Ticket {number} has been resolved" in text["message"]
    assert not [a for a in open_alerts(kiosk.store) if a.kind == "alert_undelivered"]


def test_a_gateway_down_for_good_alerts_the_desk_without_the_number(kiosk, gateway) -> None:
    gateway.status = 503
    _resolved(kiosk, "13700137001")
    _rounds(kiosk, lambda: _state(kiosk) == "failed", step=150.0)
    assert gateway.refused == 6 and not gateway.received  # every attempt the policy allows
    [alert] = [a for a in open_alerts(kiosk.store) if a.kind == "alert_undelivered"]
    assert alert.details["channel"] == f"sms {gateway.template}"
    assert "13700137001" not in str(alert.details)
    row = kiosk.store.query_one("SELECT url, last_error FROM alert_deliveries WHERE state='failed'")
    assert "13700137001" not in row["url"] + row["last_error"]
