"""The desk's tickets through the app's wiring (``build_services``) with fake edges: the
status machine, validation, the timeline of two staff at once, typed events and audit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import DeniedError, NotFoundError, ValidationError
from kiosk.core.config.i18n import translate
from kiosk.core.events import parse_event
from kiosk.core.reception import audit
from kiosk.core.tickets.desk import VISITOR, TicketForm
from tests.unit.reception_fixtures import DESK_PIN, kiosk, outbox_kinds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def services(tmp_path, clock):
    s = kiosk(tmp_path, clock)
    s.reception.staff.add("前台王", "receptionist", DESK_PIN)
    s.reception.staff.add("前台李", "receptionist", "846201")
    yield s
    assert audit.verify(s.store).ok
    s.stop()


@pytest.fixture
def staff(services):
    return services.reception.staff.enter(DESK_PIN).staff.actor


@pytest.fixture
def other(services):
    return services.reception.staff.enter("846201").staff.actor


def _complaint(**kw) -> TicketForm:
    values = dict(
        kind="complaint",
        subject="电梯里有异味",
        details="<b>很难闻</b>",
        place="2号电梯",
        people="保洁员",
        cause="垃圾没有及时清理",
        client_name="刘女士",
        contact="liu@example.com",
        consent=True,
    )
    return TicketForm(**(values | kw))


def _audited(services, action: str) -> list[str]:
    rows = services.store.query("SELECT subject_id FROM audit_log WHERE action = ?", (action,))
    return [r["subject_id"] for r in rows]


def test_a_complaint_goes_through_every_step_each_one_an_event_and_an_audit_entry(
    services, staff, clock
) -> None:
    desk = services.tickets
    t = desk.raise_ticket(staff, _complaint())
    assert (t.status, t.kind, len(t.number)) == ("open", "complaint", 8)
    assert t.details == "<b>很难闻</b>"  # kept as text, never rendered as markup
    assert t.due_at == t.raised_at + timedelta(minutes=480)
    steps = [
        ("assigned", dict(department_id="property", person="物业张经理")),
        ("acknowledged", {}),
        ("progress", dict(note="已安排保洁")),
        ("resolved", dict(note="已清理并消毒")),
        ("told", dict(note="已电话告知刘女士")),
        ("confirmed", {}),
    ]
    for action, kw in steps:
        clock.advance(60)
        t = desk.act(staff, t.id, action, seen=t.last_entry_id, **kw)
    assert t.status == "confirmed"
    assert (t.department_id, t.person, t.outcome) == ("property", "物业张经理", "已清理并消毒")
    assert t.told == "已电话告知刘女士" and t.told_at is not None
    assert [e.action for e in t.entries] == [a for a, _ in steps]
    assert not any(e.concurrent for e in t.entries)
    assert outbox_kinds(services, t.id) == ["ticket.raised"] + ["ticket.updated"] * len(steps)
    for action, _ in steps:
        assert _audited(services, f"ticket.{action}") == [t.id]
    rows = services.store.query(  # payloads are sealed at rest (issue 18)
        "SELECT kind, open_field(payload, 'outbox', 'payload') AS payload FROM outbox"
        " WHERE entity_id = ?",
        (t.id,),
    )
    import json

    for r in rows:  # every event parses back through the one registry
        parse_event(r["kind"], json.loads(r["payload"]))


@pytest.mark.parametrize(
    ("done", "action"),
    [
        ((), "resolved"),
        ((), "acknowledged"),
        ((), "confirmed"),
        (("assigned",), "resolved"),
        (("assigned", "acknowledged"), "confirmed"),
    ],
)
def test_a_step_that_skips_one_is_refused_with_a_translated_message(
    services, staff, done, action
) -> None:
    desk = services.tickets
    t = desk.raise_ticket(staff, _complaint())
    for a in done:
        t = desk.act(staff, t.id, a, seen=t.last_entry_id, department_id="property")
    with pytest.raises(DeniedError) as e:
        desk.act(staff, t.id, action, seen=t.last_entry_id, note="x", department_id="property")
    assert e.value.message_key == "ticket.status_skip"
    for lang in ("zh_CN", "en"):
        text = translate(e.value.message_key, lang, **e.value.params)
        assert text != e.value.message_key and "{" not in text
    assert desk.ticket(t.id).status == t.status


def test_a_call_that_needed_nothing_more_is_closed_from_open_other_kinds_are_not(
    services, staff
) -> None:
    desk = services.tickets
    call = desk.raise_ticket(staff, TicketForm(kind="call", subject="问几点下班"))
    assert desk.act(staff, call.id, "closed", seen="").status == "closed"
    enquiry = desk.raise_ticket(staff, TicketForm(kind="enquiry", subject="停车"))
    with pytest.raises(DeniedError):
        desk.act(staff, enquiry.id, "closed", seen="")


@pytest.mark.parametrize(
    ("form", "key"),
    [
        (TicketForm(kind="enquiry"), "ticket.text_required"),
        (TicketForm(kind="enquiry", subject=" \x00\x07 \u202e "), "ticket.text_required"),
        (TicketForm(kind="enquiry", subject="x", details="长" * 10_001), "ticket.too_long"),
        (TicketForm(kind="enquiry", subject="x" * 201), "ticket.too_long"),
        (TicketForm(kind="party", subject="x"), "ticket.bad_kind"),
        (TicketForm(kind="enquiry", subject="x", priority="asap"), "ticket.bad_priority"),
        (TicketForm(kind="enquiry", subject="x", category="nope"), "ticket.bad_category"),
    ],
)
def test_bad_input_is_refused_with_a_translated_message(services, staff, form, key) -> None:
    with pytest.raises(ValidationError) as e:
        services.tickets.raise_ticket(staff, form)
    assert e.value.message_key == key
    assert translate(key, "zh_CN", limit=1) != key and translate(key, "en", limit=1) != key
    assert services.store.query("SELECT count(*) AS n FROM tickets")[0]["n"] == 0


def test_control_characters_go_and_ten_thousand_characters_are_kept(services, staff) -> None:
    details = "第一行\r\n\x1b[31m第二行\u202e" + "长" * 9_989
    t = services.tickets.raise_ticket(
        staff, TicketForm(kind="enquiry", subject='=HYPERLINK("x")\t\x7f', details=details)
    )
    assert t.subject == '=HYPERLINK("x")'  # stored as typed; exports neutralise formulas
    assert t.details.startswith("第一行\n[31m第二行长")
    assert len(t.details) == 10_000
    with pytest.raises(NotFoundError) as e:
        services.tickets.raise_ticket(
            staff, TicketForm(kind="service_request", subject="x", department_id="nowhere")
        )
    assert e.value.message_key == "ticket.department_unknown"


def test_a_category_sends_the_ticket_to_its_department_and_priority_sets_the_due_time(
    services, staff
) -> None:
    t = services.tickets.raise_ticket(
        staff,
        TicketForm(
            kind="service_request", subject="门坏了", category="engineering", priority="urgent"
        ),
    )
    assert (t.status, t.department_id) == ("assigned", "property")
    assert t.due_at == t.raised_at + timedelta(minutes=30)
    complaint = services.tickets.raise_ticket(staff, _complaint(priority="urgent"))
    assert complaint.due_at == complaint.raised_at + timedelta(minutes=60)


def test_two_staff_editing_one_ticket_both_show_in_the_timeline(
    services, staff, other, clock
) -> None:
    desk = services.tickets
    t = desk.raise_ticket(staff, _complaint())
    seen = t.last_entry_id  # both screens show the same ticket
    desk.edit(staff, t.id, seen=seen, place="3号电梯")
    clock.advance(1)
    after = desk.edit(other, t.id, seen=seen, place="4号电梯", priority="high")
    assert after.place == "4号电梯"  # the later one is current …
    edits = [e for e in after.entries if e.action == "edited"]
    assert [e.fields.get("place") for e in edits] == ["3号电梯", "4号电梯"]  # … both kept
    assert [e.by for e in edits] == [staff.id, other.id]
    assert edits[1].concurrent and not edits[0].concurrent
    assert after.due_at == after.raised_at + timedelta(minutes=240)  # complaint.high
    # a status change from a stale screen is refused when someone moved it meanwhile
    desk.act(staff, t.id, "assigned", seen=after.last_entry_id, department_id="property")
    with pytest.raises(DeniedError) as e:
        desk.act(other, t.id, "resolved", seen=after.last_entry_id, note="done")
    assert e.value.message_key == "ticket.changed_meanwhile"


def test_a_lookup_by_number_shows_the_status_only(services, clock) -> None:
    desk = services.tickets
    t = desk.raise_ticket(VISITOR, _complaint(source="help"))
    found = desk.lookup(f" {t.number} ")
    assert found is not None and (found.number, found.status) == (t.number, "open")
    assert set(found.__dataclass_fields__) == {"number", "status", "kind", "updated_at"}
    guess = "0" * 8 if t.number != "0" * 8 else "1" * 8
    assert desk.lookup(guess) is None
    for bad in ("", "1234", "abcdefgh", "1" * 9):
        with pytest.raises(ValidationError):
            desk.lookup(bad)


def test_the_list_filters_by_kind_status_department_and_overdue(services, staff, clock) -> None:
    desk = services.tickets
    call = desk.raise_ticket(staff, TicketForm(kind="call", subject="快递", wait_minutes=5))
    complaint = desk.raise_ticket(staff, _complaint(department_id="property"))
    assert [t.id for t in desk.tickets(kind="call")] == [call.id]
    assert [t.id for t in desk.tickets(department_id="property")] == [complaint.id]
    assert [t.id for t in desk.tickets(status=("assigned",))] == [complaint.id]
    assert desk.tickets(overdue=True) == []
    clock.advance(61 * 60)
    assert [t.id for t in desk.tickets(overdue=True)] == [call.id]
    assert call.wait_minutes == 5
