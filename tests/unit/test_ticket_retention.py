"""The kiosk's retention purge on tickets: personal fields emptied, the figures unchanged."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.privacy.retention import PurgeWorker
from kiosk.core.reception import audit
from kiosk.core.store import tickets as table
from kiosk.core.tickets.desk import TicketForm
from kiosk.core.tickets.figures import ticket_figures
from tests.unit.reception_fixtures import DESK_PIN, kiosk

DAY = 86400.0


@pytest.fixture
def services(tmp_path):
    s = kiosk(tmp_path, FakeClock())
    s.reception.staff.add("前台王", "receptionist", DESK_PIN)
    yield s
    s.stop()


def _form(kind: str, subject: str) -> TicketForm:
    return TicketForm(
        kind=kind,
        subject=subject,
        details="三楼洗手间漏水，李先生说",
        client_name="欧阳锋",
        contact="13900004444",
        people="欧阳锋和同事",
        consent=True,
    )


def test_a_done_ticket_past_the_period_loses_its_personal_fields(services) -> None:
    desk, clock, store = services.tickets, services.clock, services.store
    staff = services.reception.staff.enter(DESK_PIN).staff.actor

    def act(t, action, **kw):
        return desk.act(staff, t.id, action, seen=desk.ticket(t.id).last_entry_id, **kw)

    start = clock.now()
    done = desk.raise_ticket(staff, _form("complaint", "漏水"))
    waiting = desk.raise_ticket(staff, _form("service_request", "门坏了"))
    clock.advance(600)
    act(done, "assigned", department_id="property")
    act(done, "acknowledged")
    clock.advance(9 * 3600)  # resolved past its due time (8 hours): counted overdue
    act(done, "resolved", note="已告知欧阳锋，修好了")
    act(done, "confirmed")
    act(waiting, "note", note="欧阳锋来电催")
    end = clock.now() + timedelta(minutes=1)
    before = ticket_figures(store, start, end)
    assert before["overdue"]["total"] == 2 and before["resolution_minutes"]["count"] == 1

    clock.advance(31 * DAY)
    recent = desk.raise_ticket(staff, _form("enquiry", "问路"))
    [worker] = [w for w in services.workers if isinstance(w, PurgeWorker)]
    assert worker.clock is clock
    worker.run_once()

    assert worker.last_counts is not None and worker.last_counts.tickets == 1
    assert ticket_figures(store, start, end) == before  # counts, minutes, statuses the same
    raised = table.raised_of(store, done.id)
    assert raised is not None
    assert (raised["client_name"], raised["contact"], raised["details"], raised["people"]) == (
        "",
        "",
        "",
        "",
    )
    assert raised["ticket_kind"] == "complaint" and raised["number"] == done.number
    assert all(e.get("note", "") == "" for e in table.entries_of(store, done.id))
    ticket = desk.ticket(done.id)
    assert ticket.status == "confirmed" and ticket.department_id == "property"
    assert ticket.outcome == "" and ticket.client_name == ""
    # a ticket still waiting, and one raised within the period, keep everything
    assert table.raised_of(store, waiting.id)["client_name"] == "欧阳锋"
    assert table.entries_of(store, waiting.id)[-1]["note"] == "欧阳锋来电催"
    assert table.raised_of(store, recent.id)["contact"] == "13900004444"
    # the purge's audit entry counts the ticket, names no one; a second purge changes nothing
    [entry] = [e for e in audit.recent(store) if e["action"] == "privacy.purge"]
    assert json.loads(entry["details"])["tickets"] == "1"
    assert "欧阳锋" not in json.dumps(entry, ensure_ascii=False)
    assert audit.verify(store).ok
    clock.advance(2 * 3600)
    worker.run_once()
    assert worker.last_counts.tickets == 0
