"""Routing and follow-up through the app's wiring: an assignment's message to the department
(through the notifier's queue and its fake channel), a department without a channel, the
client told by e-mail, and overdue escalation on an injected clock."""

from __future__ import annotations

import time

import pytest

from kiosk.core.alerts import open_alerts
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.settings import load_settings
from kiosk.core.notify.channels import FakeNotifier
from kiosk.core.printing.fake import FakePrinter
from kiosk.core.tickets.desk import TicketForm
from kiosk.services import build_services
from tests.unit.reception_fixtures import DESK_PIN, MAIL

DEPT = "json://dept.example.com/property"
HEAD = "json://head.example.com/property"


@pytest.fixture
def services(tmp_path):
    settings = load_settings(
        environ={
            "KIOSK_KIOSK_DATA_DIR": str(tmp_path),
            "KIOSK_NOTIFY_MAIL_SERVER": MAIL,
            "KIOSK_NOTIFY_DEPARTMENT_URLS": f"property={DEPT}",
            "KIOSK_TICKETS_HEAD_URLS": f"property={HEAD}",
        }
    )
    s = build_services(
        settings,
        demo=True,
        clock=FakeClock(),
        start_workers=False,
        printer=FakePrinter(),
        notifier=FakeNotifier(),
    )
    s.reception.staff.add("前台王", "receptionist", DESK_PIN)
    yield s
    s.stop()


@pytest.fixture
def staff(services):
    return services.reception.staff.enter(DESK_PIN).staff.actor


def _deliveries(services, route="ticket"):
    return services.store.query(
        "SELECT url AS sealed_url, channel, state,"
        " open_field(url, 'alert_deliveries', 'url') AS url,"
        " open_field(subject, 'alert_deliveries', 'subject') AS subject,"
        " open_field(body_text, 'alert_deliveries', 'body_text') AS body_text"
        " FROM alert_deliveries WHERE route = ? ORDER BY created_at",  # sealed at rest
        (route,),
    )


def _send_due(services) -> list:
    """One notifier round: what it hands the channel threads, waited for."""
    worker = services.notifier
    worker.run_once()
    sent = worker.notifier  # the FakeNotifier
    for _ in range(200):
        if sent.sent:
            break
        time.sleep(0.01)  # the channel thread sends on real time
        worker.run_once()
    return list(sent.sent)


def test_assigning_tells_the_department_through_the_notifier(services, staff) -> None:
    t = services.tickets.raise_ticket(
        staff,
        TicketForm(
            kind="service_request",
            subject="大堂东门打不开",
            category="engineering",
            client_name="刘女士",
            contact="13812345678",
        ),
    )
    [row] = _deliveries(services)
    assert row["url"] == DEPT
    assert t.number in row["subject"] and "大堂东门打不开" in row["body_text"]
    assert "刘女士" not in row["body_text"] and "13812345678" not in row["body_text"]
    sent = _send_due(services)
    assert [s.url for s in sent] == [DEPT]


def test_a_department_with_no_channel_leaves_the_ticket_with_the_desk_and_alerts(
    services, staff
) -> None:
    t = services.tickets.raise_ticket(
        staff, TicketForm(kind="service_request", subject="保安巡逻", category="security")
    )
    assert _deliveries(services) == []
    [alert] = [a for a in open_alerts(services.store) if a.kind == "ticket_unrouted"]
    name = services.records.department("security").name("zh_CN")
    assert alert.details == {"number": t.number, "department": name}
    assert services.tickets.ticket(t.id).status == "assigned"  # the desk's choice is kept


def test_telling_the_client_sends_mail_only_with_an_address_and_consent(services, staff) -> None:
    desk = services.tickets
    form = dict(kind="enquiry", subject="停车费")
    with_mail = desk.raise_ticket(
        staff, TicketForm(**form, contact="liu@example.com", consent=True)
    )
    no_consent = desk.raise_ticket(staff, TicketForm(**form, contact="wu@example.com"))
    phone = desk.raise_ticket(staff, TicketForm(**form, contact="13812345678", consent=True))
    for t in (with_mail, no_consent, phone):
        desk.act(staff, t.id, "told", seen=t.last_entry_id, note="每小时5元", send=True)
    [row] = _deliveries(services)
    assert "to=liu@example.com" in row["url"] and "每小时5元" in row["body_text"]
    assert "liu@" not in row["sealed_url"] + row["channel"]  # the address is sealed at rest
    assert desk.ticket(no_consent.id).told == "每小时5元"  # recorded all the same


def test_an_overdue_ticket_goes_to_the_head_then_to_the_desk(services, staff) -> None:
    desk, clock = services.tickets, services.clock
    watch = desk.overdue
    t = desk.raise_ticket(
        staff,
        TicketForm(
            kind="service_request", subject="漏水", category="engineering", priority="urgent"
        ),
    )
    assert watch.due_in() == pytest.approx(30 * 60)
    assert watch.run_once() is False
    clock.advance(30 * 60 + 1)
    assert watch.run_once() is True
    assert desk.ticket(t.id).escalation == 1
    assert [r["url"] for r in _deliveries(services)] == [DEPT, HEAD]
    assert watch.run_once() is False  # once per level
    assert watch.due_in() == pytest.approx(60 * 60 - 1)
    clock.advance(60 * 60)
    assert watch.run_once() is True
    ticket = desk.ticket(t.id)
    assert ticket.escalation == 2
    assert [e.action for e in ticket.entries] == ["assigned", "escalated", "escalated"]
    assert [a.kind for a in open_alerts(services.store)].count("ticket_overdue") == 1
    assert watch.run_once() is False and watch.due_in() is None
    # a resolved ticket never escalates
    u = desk.raise_ticket(staff, TicketForm(kind="complaint", subject="x", priority="urgent"))
    for action in ("assigned", "acknowledged", "resolved"):
        u = desk.act(staff, u.id, action, seen=u.last_entry_id, department_id="property", note="ok")
    clock.advance(24 * 3600)
    watch.run_once()
    assert desk.ticket(u.id).escalation == 0
