"""The periodic complaint summary through the app's wiring on an injected clock: sent once at
the week's end with hand-computed counts, through the notifier's queue; not again after a
restart (nor missed by one across the week's end); nothing without a channel."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import ConfigError
from kiosk.core.config.settings import load_settings
from kiosk.core.notify.channels import FakeNotifier
from kiosk.core.printing.fake import FakePrinter
from kiosk.core.tickets.desk import TicketForm
from kiosk.core.tickets.summary import ComplaintSummary
from kiosk.services import build_services
from tests.unit.reception_fixtures import DESK_PIN
from tests.unit.test_ticket_routing import _send_due

SUPERVISOR = "json://supervisor.example.com/desk"
#: Thursday 2026-11-26 17:00 in Shanghai; the week (2026-W48) ends Monday 30 00:00 there
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
WEEK_END = datetime(2026, 11, 29, 16, 0, tzinfo=UTC)


def _services(tmp_path, clock, **env):
    settings = load_settings(environ={"KIOSK_KIOSK_DATA_DIR": str(tmp_path), **env})
    return build_services(
        settings,
        demo=True,
        clock=clock,
        start_workers=False,
        printer=FakePrinter(),
        notifier=FakeNotifier(),
    )


def _summary(services) -> ComplaintSummary:
    [worker] = [w for w in services.workers if isinstance(w, ComplaintSummary)]
    return worker


def _summaries(services) -> list:
    return services.store.query(
        "SELECT alert_id, open_field(url, 'alert_deliveries', 'url') AS url, "
        "open_field(subject, 'alert_deliveries', 'subject') AS subject,"
        " open_field(body_text, 'alert_deliveries', 'body_text') AS body_text"
        " FROM alert_deliveries WHERE route = 'summary'"
    )


def test_the_weekly_summary_goes_once_at_the_weeks_end(tmp_path) -> None:
    clock = FakeClock(START)
    env = {"KIOSK_TICKETS_SUMMARY_CHANNELS": SUPERVISOR}
    s = _services(tmp_path, clock, **env)
    summary = _summary(s)
    assert summary.run_once() is False  # the first run only remembers where it starts
    s.reception.staff.add("前台王", "receptionist", DESK_PIN)

    def walk(subject: str, *actions: str):
        staff = s.reception.staff.enter(DESK_PIN).staff.actor
        desk = s.tickets
        t = desk.raise_ticket(staff, TicketForm(kind="complaint", subject=subject))
        for action in actions:
            t = desk.act(
                staff, t.id, action, seen=t.last_entry_id, department_id="property", note="ok"
            )
        return t

    walk("噪音", "assigned", "acknowledged", "resolved")  # resolved
    walk("态度", "assigned", "acknowledged", "resolved", "confirmed")  # resolved and confirmed
    walk("排队太久")  # still open
    s.tickets.raise_ticket(  # not a complaint
        s.reception.staff.enter(DESK_PIN).staff.actor, TicketForm(kind="enquiry", subject="停车")
    )
    # so the week: 3 received, 2 resolved, 1 confirmed, 1 still open, 4 tickets in all

    assert summary.due_in() == pytest.approx((WEEK_END - START).total_seconds() + 1)
    clock.advance((WEEK_END - START).total_seconds() - 1)
    assert summary.run_once() is False and _summaries(s) == []
    s.stop()
    clock.advance(2)
    s = _services(tmp_path, clock, **env)  # restarted over the week's end: it still sends
    summary = _summary(s)
    walk("下周的投诉")  # next week's: not in this summary
    assert summary.run_once() is True
    [row] = _summaries(s)
    assert row["url"] == SUPERVISOR and row["alert_id"] == "summary-week-2026-W48"
    assert row["subject"] == "投诉汇总 2026-W48：收到 3 件，未办结 1 件"
    text = row["body_text"]
    assert "2026-11-23 至 2026-11-29" in text
    assert "收到 3 件，已处理 2 件，已与客户确认 1 件，未办结 1 件" in text
    assert "received 3, resolved 2, confirmed with the client 1, still open 1" in text
    assert "All tickets in the period: 4" in text
    assert summary.run_once() is False  # once per week
    assert [m.url for m in _send_due(s)] == [SUPERVISOR]  # the notifier's queue sends it
    s.stop()

    again = _services(tmp_path, clock, **env)  # a restart in the same week
    assert _summary(again).run_once() is False
    assert len(_summaries(again)) == 1
    again.stop()


def test_no_channel_or_off_sends_nothing(tmp_path) -> None:
    clock = FakeClock(START)
    s = _services(tmp_path, clock)
    summary = _summary(s)
    assert summary.run_once() is False and summary.due_in() is None
    clock.advance(14 * 24 * 3600)
    assert summary.run_once() is False and _summaries(s) == []
    tickets = dataclasses.replace(s.settings.tickets, summary_channels=(SUPERVISOR,))
    off = dataclasses.replace(s.settings, tickets=dataclasses.replace(tickets, summary_every="off"))
    assert ComplaintSummary(store=s.store, settings=off).run_once() is False
    bad = dataclasses.replace(off, tickets=dataclasses.replace(tickets, summary_every="weekly"))
    with pytest.raises(ConfigError, match="summary_every must be one of"):
        ComplaintSummary(store=s.store, settings=bad)
    assert _summaries(s) == []
    s.stop()
