"""Tickets' and the emergency timeline's personal data sealed at rest on the kiosk (issue 18):
the client's name and contact, the details and every entry's notes, on real SQLite files
through the app's own wiring."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.privacy import migrate
from kiosk.core.privacy.fields import PlainFields, is_sealed
from kiosk.core.store import emergency, kv
from kiosk.core.store import tickets as table
from kiosk.core.store.database import Store
from kiosk.core.tickets.desk import TicketForm
from kiosk.core.tickets.figures import ticket_figures
from tests.unit.reception_fixtures import DESK_PIN, kiosk
from tests.unit.test_privacy_fields import clear_bytes_of

CLIENT, CONTACT, DETAILS, NOTE = (
    "欧阳明珠",
    "13866668888",
    "钱包落在3号会议室",
    "已电话告知欧阳女士",
)
VALUES = (CLIENT, CONTACT, DETAILS, NOTE)


@pytest.fixture
def clock():
    return FakeClock()


def test_a_ticket_and_its_entries_are_sealed_at_rest_and_read_back(tmp_path, clock) -> None:
    services = kiosk(tmp_path, clock)
    try:
        services.reception.staff.add("前台王", "receptionist", DESK_PIN)
        staff = services.reception.staff.enter(DESK_PIN).staff.actor
        form = TicketForm(
            kind="enquiry",
            subject="失物",
            details=DETAILS,
            client_name=CLIENT,
            contact=CONTACT,
            consent=True,
        )
        t = services.tickets.raise_ticket(staff, form)
        clock.advance(60)
        t = services.tickets.act(staff, t.id, "note", seen=t.last_entry_id, note=NOTE)
        store = services.store
        raised = store.query_one("SELECT raised FROM tickets WHERE id = ?", (t.id,))[0]
        entries = [r[0] for r in store.query("SELECT entry FROM ticket_entries")]
        assert is_sealed(raised) and entries and all(is_sealed(e) for e in entries)
        # the desk, the look-up and the figures read them back through the repository
        again = services.tickets.ticket(t.id)
        assert (again.client_name, again.contact, again.details) == (CLIENT, CONTACT, DETAILS)
        assert NOTE in json.dumps([e.note for e in again.entries], ensure_ascii=False)
        assert services.tickets.lookup(t.number) is not None
        start = t.raised_at - timedelta(hours=1)
        figures = ticket_figures(store, start, start + timedelta(days=1))
        assert figures["by_kind"]["enquiry"] == 1
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        services.stop()
    assert clear_bytes_of(tmp_path, VALUES) == []


def test_tickets_written_in_clear_are_sealed_when_the_database_opens(tmp_path, clock) -> None:
    """A database sealed before tickets were listed (marker "1") gets its tickets sealed too."""
    path = tmp_path / "k.sqlite3"
    old = Store(path, clock=clock, fields=PlainFields())
    raised = {
        "ticket_id": "t1",
        "number": "12345678",
        "site_id": "demo",
        "kiosk_id": "k1",
        "ticket_kind": "enquiry",
        "raised_at": "2026-11-30T02:00:00+00:00",
        "department_id": "",
        "priority": "normal",
        "client_name": CLIENT,
        "contact": CONTACT,
        "details": DETAILS,
    }
    entry = {"entry_id": "e1", "ticket_id": "t1", "at": raised["raised_at"], "note": NOTE}
    with old.transaction() as tx:
        table.add_ticket(tx, raised)
        table.add_entry(tx, entry)
        emergency.add_entry(
            tx,
            entry_id="m1",
            stamp="0001",
            kind="emergency.ended",
            kiosk_id="k1",
            payload=json.dumps({"reason": NOTE}, ensure_ascii=False),
            local=True,
        )
        kv.put(tx, migrate.MARKER, "1")  # the first privacy version ran, without these tables
    old.close()
    assert clear_bytes_of(tmp_path, VALUES), "the previous version left the values in clear"

    store = Store(path, clock=clock)
    try:
        assert is_sealed(store.query_one("SELECT raised FROM tickets")[0])
        assert is_sealed(store.query_one("SELECT entry FROM ticket_entries")[0])
        assert is_sealed(store.query_one("SELECT payload FROM emergency_entries")[0])
        assert table.raised_of(store, "t1") == raised
        assert table.entries_of(store, "t1") == [entry]
        assert json.loads(emergency.entries(store)[0]["payload"]) == {"reason": NOTE}
        assert migrate.seal_existing(store) == 0  # once per version
    finally:
        store.close()
    assert clear_bytes_of(tmp_path, VALUES) == []  # no freed page, no WAL frame keeps them
