"""A ticket's client told by SMS (``[notify] sms_gateway``) through the app's wiring with the
fake channel: resolved at the console or by a department's link (pulled), in the client's
language, the number sealed at rest and never in a channel's name or an error."""

from __future__ import annotations

import pytest

from kiosk.core.alerts import open_alerts
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import ConfigError
from kiosk.core.config.settings import load_settings
from kiosk.core.events import TicketUpdated
from kiosk.core.notify.channels import FakeNotifier
from kiosk.core.notify.sms import mobile_of
from kiosk.core.notify.startup_checks import validate_notify_settings
from kiosk.core.printing.fake import FakePrinter
from kiosk.core.tickets.desk import TicketForm
from kiosk.core.tickets.pulled import ticket_updated_change
from kiosk.core.workers.retry import RetryPolicy
from kiosk.services import build_services
from tests.unit.reception_fixtures import DESK_PIN

GATEWAY = "json://sms.example.com/send?:to={mobile}"
MOBILE = "+86 138-1234-5678"


@pytest.fixture
def services(tmp_path):
    settings = load_settings(
        environ={
            "KIOSK_KIOSK_DATA_DIR": str(tmp_path),
            "KIOSK_NOTIFY_SMS_GATEWAY": GATEWAY,
            "KIOSK_NOTIFY_DEPARTMENT_URLS": "property=json://dept.example.com/property",
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


def _client_rows(services):
    return services.store.query(
        "SELECT alert_id, url AS sealed_url, state, last_error,"
        " open_field(channel, 'alert_deliveries', 'channel') AS channel,"
        " open_field(url, 'alert_deliveries', 'url') AS url,"
        " open_field(body_text, 'alert_deliveries', 'body_text') AS body_text"
        " FROM alert_deliveries WHERE route = 'ticket'"
        " AND open_field(channel, 'alert_deliveries', 'channel') LIKE 'sms %'"
        " ORDER BY created_at"
    )


def _raise(services, staff, **kw):
    form = dict(kind="enquiry", subject="停车费", contact=MOBILE, consent=True, language="en")
    return services.tickets.raise_ticket(staff, TicketForm(**(form | kw)))


def _to_resolved(services, staff, t):
    desk = services.tickets
    t = desk.act(staff, t.id, "assigned", seen=t.last_entry_id, department_id="property")
    t = desk.act(staff, t.id, "acknowledged", seen=t.last_entry_id)
    return desk.act(staff, t.id, "resolved", seen=t.last_entry_id, note="内部：已调表")


@pytest.mark.parametrize(
    ("contact", "mobile"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("(010) 6552 9988", ""),  # a bracket first: not a number we text
        ("liu@example.com", ""),
        ("12", ""),
        ("138123456789012345", ""),
        ("call me", ""),
        ("", ""),
    ],
)
def test_a_mobile_is_digits_with_a_leading_plus(contact, mobile) -> None:
    assert mobile_of(contact) == mobile


def test_resolving_at_the_console_texts_the_client_once_in_their_language(services, staff) -> None:
    t = _raise(services, staff)
    silent = _raise(services, staff, consent=False)
    _to_resolved(services, staff, t)
    _to_resolved(services, staff, silent)
    [row] = _client_rows(services)
    assert row["url"] == "json://sms.example.com/send?:to=%2B8613812345678"
    assert t.number in row["body_text"] and "resolved" in row["body_text"]
    assert "已调表" not in row["body_text"]  # the department's note is for the desk
    # sealed at rest; the channel is named without the number
    assert "13812345678" not in row["sealed_url"] + row["channel"]
    assert row["channel"] == f"sms {GATEWAY}"

    worker = services.notifier
    sent = worker.notifier
    for _ in range(300):
        worker.run_once()
        if sent.sent and _client_rows(services)[0]["state"] == "sent":
            break
        services.clock.advance(0.01)
    [message] = sent.to("json://sms.example.com")
    assert message.text == row["body_text"]
    [settled] = _client_rows(services)
    assert settled["state"] == "sent" and settled["url"] == ""

    # the desk sends what it told the client: a second text, its words
    t = services.tickets.ticket(t.id)
    services.tickets.act(staff, t.id, "told", seen=t.last_entry_id, note="Fixed", send=True)
    told = _client_rows(services)[-1]
    assert len(_client_rows(services)) == 2 and told["body_text"] == f"Ticket {t.number}: Fixed"


def test_a_chinese_client_gets_chinese(services, staff) -> None:
    t = _raise(services, staff, language="zh_CN")
    _to_resolved(services, staff, t)
    [row] = _client_rows(services)
    assert row["body_text"].startswith(f"您的工单 {t.number}")


def _department_resolves(services, t) -> None:
    """What head office feeds after a department resolved through its link."""
    event = TicketUpdated(
        entry_id=f"dept-{t.id}",
        ticket_id=t.id,
        site_id=t.site_id,
        kiosk_id="",
        action="resolved",
        status="resolved",
        note="done",
        seen=t.last_entry_id,
        by="department:property",
        at=services.clock.now(),
    )
    with services.store.transaction() as tx:
        ticket_updated_change(services.records, tx, event)


def test_a_departments_resolution_by_pull_is_texted_once_by_the_raising_kiosk(
    services, staff
) -> None:
    desk = services.tickets
    t = _raise(services, staff)
    t = desk.act(staff, t.id, "assigned", seen=t.last_entry_id, department_id="property")
    t = desk.act(staff, t.id, "acknowledged", seen=t.last_entry_id)
    services.clock.advance(60)
    _department_resolves(services, t)
    assert desk.ticket(t.id).status == "resolved" and not _client_rows(services)
    desk.overdue.pulled()
    desk.overdue.run_once()
    [row] = _client_rows(services)
    assert row["alert_id"] == f"tk-dept-{t.id}" and "resolved" in row["body_text"]
    desk.overdue.pulled()
    desk.overdue.run_once()  # again (a later pull, a restart): planned once
    assert len(_client_rows(services)) == 1

    # a ticket another kiosk of the site raised: that kiosk texts its client, not this one
    other = _raise(services, staff)
    services.store.conn.execute("UPDATE tickets SET kiosk_id = 'k-other' WHERE id = ?", (other.id,))
    other = desk.act(
        staff, other.id, "assigned", seen=other.last_entry_id, department_id="property"
    )
    other = desk.act(staff, other.id, "acknowledged", seen=other.last_entry_id)
    _department_resolves(services, other)
    desk.overdue.pulled()
    desk.overdue.run_once()
    assert len(_client_rows(services)) == 1


def test_a_gateway_that_refuses_is_retried_then_alerts_without_the_number(services, staff) -> None:
    worker = services.notifier
    worker.notifier.fail.add("json://sms.example.com")
    worker.retry = RetryPolicy(base=1.0, cap=1.0, attempts=3)
    _to_resolved(services, staff, _raise(services, staff))
    for _ in range(600):
        worker.run_once()
        if _client_rows(services)[0]["state"] == "failed":
            break
        services.clock.advance(0.5)
    [row] = _client_rows(services)
    texts = [url for url in worker.notifier.attempts if url.startswith("json://sms.")]
    assert row["state"] == "failed" and len(texts) == 3
    [alert] = [a for a in open_alerts(services.store) if a.kind == "alert_undelivered"]
    shown = str(alert.details) + row["last_error"] + row["sealed_url"]
    assert "13812345678" not in shown and "refused" in alert.details["error"]
    assert alert.details["channel"] == f"sms {GATEWAY}"


@pytest.mark.parametrize(
    "template", ["json://sms.example.com/send", "json://x/{mobile}/{mobile}", "bad{mobile}"]
)
def test_a_gateway_template_must_name_the_number_once_and_parse(tmp_path, template) -> None:
    settings = load_settings(
        environ={"KIOSK_KIOSK_DATA_DIR": str(tmp_path), "KIOSK_NOTIFY_SMS_GATEWAY": template}
    )
    with pytest.raises(ConfigError, match=r"notify\.sms_gateway"):
        validate_notify_settings(settings, FakeNotifier())
