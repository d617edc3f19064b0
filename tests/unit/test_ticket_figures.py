"""``ticket_figures`` against a small set whose figures were worked out by hand."""

from __future__ import annotations

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.i18n import translate
from kiosk.core.reception import audit
from kiosk.core.tickets.desk import TicketForm
from kiosk.core.tickets.figures import nearest_rank, ticket_figures
from tests.unit.reception_fixtures import DESK_PIN, kiosk


@pytest.fixture
def services(tmp_path):
    s = kiosk(tmp_path, FakeClock())
    s.reception.staff.add("前台王", "receptionist", DESK_PIN)
    yield s
    s.stop()


def test_figures_of_a_hand_computed_period(services) -> None:
    desk, clock = services.tickets, services.clock
    staff = services.reception.staff.enter(DESK_PIN).staff.actor
    minutes = lambda n: clock.advance(n * 60)  # noqa: E731
    start = clock.now()

    def act(t, action, **kw):
        return desk.act(staff, t.id, action, seen=desk.ticket(t.id).last_entry_id, **kw)

    t1 = desk.raise_ticket(staff, TicketForm(kind="complaint", subject="噪音"))  # due +480
    t2 = desk.raise_ticket(  # assigned at once to property; urgent: due +30
        staff,
        TicketForm(kind="service_request", subject="门", category="engineering", priority="urgent"),
    )
    t3 = desk.raise_ticket(staff, TicketForm(kind="call", subject="问路"))
    minutes(10)
    act(t1, "assigned", department_id="property")
    act(t3, "closed")
    minutes(20)
    act(t1, "acknowledged")  # t1: first response 30
    minutes(15)
    act(t2, "acknowledged")  # t2: first response 45
    minutes(5)
    act(t2, "resolved", note="修好了")  # t2: resolved at 50, 20 minutes late
    minutes(10)
    desk.raise_ticket(staff, TicketForm(kind="complaint", subject="态度"))  # t4: due 540
    minutes(40)
    act(t1, "progress", note="在查")
    act(t1, "resolved", note="已处理")  # t1: resolved at 100
    minutes(20)
    act(t1, "confirmed")
    minutes(480)
    end = clock.now()  # 600: t4 still open, 60 minutes past due
    minutes(1)
    act(t2, "confirmed")  # after the period: t2 counts as resolved, not confirmed
    desk.raise_ticket(staff, TicketForm(kind="enquiry", subject="之后"))  # after the period

    figures = ticket_figures(services.store, start, end)

    assert figures["tickets"] == 4
    assert figures["by_kind"] == {"call": 1, "enquiry": 0, "complaint": 2, "service_request": 1}
    assert figures["by_department"] == {"": 2, "property": 2}
    assert figures["first_response_minutes"] == {"count": 2, "median": 37.5, "p90": 45.0}
    assert figures["resolution_minutes"] == {"count": 2, "median": 75.0, "p90": 100.0}
    assert figures["complaints"] == {"received": 2, "resolved": 1, "confirmed": 1}
    assert figures["calls_logged"] == 1
    assert figures["overdue"] == {"total": 2, "open_at_end": 1}
    assert audit.verify(services.store).ok


def test_an_empty_period_has_zero_counts_and_no_times(services) -> None:
    now = services.clock.now()
    figures = ticket_figures(services.store, now, now)
    assert figures["tickets"] == 0
    assert figures["first_response_minutes"] == {"count": 0, "median": None, "p90": None}


def test_an_edit_moves_the_kind_and_due_time_and_later_entries_do_not_count(services) -> None:
    desk, clock = services.tickets, services.clock
    staff = services.reception.staff.enter(DESK_PIN).staff.actor
    start = clock.now()
    ticket = desk.raise_ticket(staff, TicketForm(kind="enquiry", subject="停车"))
    was_due = desk.ticket(ticket.id).due_at
    clock.advance(5 * 60)
    seen = desk.ticket(ticket.id).last_entry_id
    desk.edit(staff, ticket.id, seen=seen, kind="complaint", priority="urgent")
    due = desk.ticket(ticket.id).due_at
    assert due is not None and was_due is not None and due < was_due
    clock.advance((due - clock.now()).total_seconds() + 60)
    end = clock.now()  # a minute past the edited due time, before the raised one
    clock.advance(60)
    seen = desk.ticket(ticket.id).last_entry_id
    desk.edit(staff, ticket.id, seen=seen, kind="enquiry")  # after the period
    for action, extra in (("assigned", {"department_id": "property"}), ("acknowledged", {})):
        seen = desk.ticket(ticket.id).last_entry_id
        desk.act(staff, ticket.id, action, seen=seen, **extra)  # after the period
    seen = desk.ticket(ticket.id).last_entry_id
    desk.act(staff, ticket.id, "resolved", note="已回复", seen=seen)

    figures = ticket_figures(services.store, start, end)

    assert figures["by_kind"] == {"call": 0, "enquiry": 0, "complaint": 1, "service_request": 0}
    assert figures["complaints"] == {"received": 1, "resolved": 0, "confirmed": 0}
    assert figures["first_response_minutes"]["count"] == 0
    assert figures["resolution_minutes"]["count"] == 0
    assert figures["by_department"] == {"": 1}
    assert figures["overdue"] == {"total": 1, "open_at_end": 1}
    clock.advance(60)
    later = ticket_figures(services.store, start, clock.now())
    assert later["by_kind"]["enquiry"] == 1
    assert later["resolution_minutes"]["count"] == 1
    assert later["by_department"] == {"property": 1}


@pytest.mark.parametrize(
    ("values", "p90"), [([5], 5), ([1, 2], 2), (list(range(1, 11)), 9), (list(range(1, 21)), 18)]
)
def test_the_90th_percentile_is_the_nearest_rank(values, p90) -> None:
    assert nearest_rank([float(v) for v in reversed(values)], 0.9) == p90


def test_the_report_shows_the_ticket_figures_translated_with_department_names(services) -> None:
    from kiosk.core.reports.export import to_csv
    from kiosk.core.reports.periods import period

    desk, clock = services.tickets, services.clock
    staff = services.reception.staff.enter(DESK_PIN).staff.actor
    complaint = desk.raise_ticket(staff, TicketForm(kind="complaint", subject="噪音"))
    desk.raise_ticket(staff, TicketForm(kind="call", subject="问路"))
    clock.advance(12 * 60)
    seen = desk.ticket(complaint.id).last_entry_id
    desk.act(staff, complaint.id, "assigned", department_id="property", seen=seen)
    seen = desk.ticket(complaint.id).last_entry_id
    desk.act(staff, complaint.id, "acknowledged", seen=seen)  # first response at 12 minutes

    day = period("day", clock.now().date(), "Asia/Shanghai")  # 26 Nov, 17:12 in Shanghai
    report = services.reports.report(day)
    assert report.value("report.tickets", "report.tickets_total") == 2
    assert report.value("report.tickets", "ticket.kind.complaint") == 1
    assert report.value("report.tickets", "ticket.kind.call") == 1
    assert report.value("report.ticket_times", "report.first_response_median") == 12.0
    assert report.value("report.complaints", "report.complaints_received") == 1
    by_department = {
        (f.params["name_en"], f.params["name_zh"]): f.value
        for f in report.section("report.tickets_by_department").figures
    }
    property_ = services.records.department("property")
    assert by_department == {
        ("Front desk", "前台"): 1,
        (property_.name_en, property_.name_zh): 1,
    }
    en = to_csv(report, lambda key, **p: translate(key, "en", **p)).decode("utf-8-sig")
    zh = to_csv(report, lambda key, **p: translate(key, "zh_CN", **p)).decode("utf-8-sig")
    assert f"Tickets by department,{property_.name_en},1" in en
    assert f"各部门工单,{property_.name_zh},1" in zh
    assert '"First response, median (minutes)",12.0' in en


def test_a_kiosk_from_before_step_14_gets_the_clear_columns_filled_from_its_sealed_records(
    services,
) -> None:
    from kiosk.core.store.database import Store

    desk, clock = services.tickets, services.clock
    staff = services.reception.staff.enter(DESK_PIN).staff.actor
    start = clock.now()
    t = desk.raise_ticket(staff, TicketForm(kind="complaint", subject="噪音", priority="high"))
    desk.raise_ticket(staff, TicketForm(kind="call", subject="问路"))
    for action, extra in (("assigned", {"department_id": "property"}), ("acknowledged", {})):
        clock.advance(600)
        desk.act(staff, t.id, action, seen=desk.ticket(t.id).last_entry_id, **extra)
    clock.advance(600)
    desk.edit(staff, t.id, seen=desk.ticket(t.id).last_entry_id, kind="enquiry")
    clock.advance(600)
    desk.act(staff, t.id, "resolved", note="好了", seen=desk.ticket(t.id).last_entry_id)
    clock.advance(60)
    end = clock.now()
    before = ticket_figures(services.store, start, end)
    assert before["by_kind"]["enquiry"] == 1 and before["resolution_minutes"]["count"] == 1

    conn = services.store.conn  # what a kiosk at schema 13 has: no clear columns (step 14)
    for table, columns in (
        ("tickets", ("raised_kind", "raised_due_at")),
        ("ticket_entries", ("action", "status", "department_id", "edit_kind", "edit_due_at")),
        ("watchlist", ("expires_at",)),  # step 15, after it
    ):
        for column in columns:
            conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    conn.execute("DROP TABLE visit_id_numbers")  # step 16
    conn.execute("PRAGMA user_version = 13")
    path = services.settings.database_path
    services.stop()
    services.store.close()
    upgraded = Store(path, clock=clock)
    try:
        assert (
            upgraded.query_one("SELECT count(*) FROM ticket_entries WHERE action IS NULL")[0] == 0
        )
        assert ticket_figures(upgraded, start, end) == before
    finally:
        upgraded.close()
