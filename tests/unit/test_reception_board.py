"""The on-site board and every desk action, through the app's wiring with fake edges: each
action writes its rows, its typed event and an audit entry; the chain stays intact."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.core.alerts import open_alerts
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import DeniedError, ValidationError
from kiosk.core.models import VisitState
from kiosk.core.reception import audit
from kiosk.core.reception.desk import desk_status, set_desk_status
from tests.unit.reception_fixtures import DESK_PIN, form, kiosk, outbox_kinds

WATCHED = dict(name="黑名单测试", phone="13912349999")


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def services(tmp_path, clock):
    s = kiosk(tmp_path, clock)
    s.reception.staff.add("前台王", "receptionist", DESK_PIN)
    yield s
    assert audit.verify(s.store).ok
    s.stop()


@pytest.fixture
def staff(services):
    return services.reception.staff.enter(DESK_PIN).staff


def _audited(services, action: str) -> dict:
    return next(e for e in audit.recent(services.store) if e["action"] == action)


def _drain(services) -> None:
    for _ in range(20):
        if not services.print_queue.run_once():
            break
    services.notifier.run_once()


def test_a_check_in_on_a_visitors_behalf_prints_and_notifies_like_a_self_check_in(services, staff):
    result = services.reception.actions.check_in_for(staff, form())
    assert outbox_kinds(services, result.visit.id) == ["visit.checked_in"]
    _drain(services)
    assert services.print_queue.status_for(result.visit.id).state == "printed"
    (sent,) = services.notifier.notifier.sent
    assert sent.url.startswith("mailto://relay.example.com") and "to=" in sent.url
    entry = _audited(services, "visit.checked_in_for")
    assert (entry["actor"], entry["subject_id"]) == (staff.id, result.visit.id)
    snap = services.reception.board.snapshot()
    (line,) = snap.on_site
    assert (line.name, line.host_name, line.badge) == ("张伟", "李娜", "printed")
    assert line.phone_masked == "138****5678"


def test_search_and_an_audited_reveal_of_the_phone(services, staff):
    board, actions = services.reception.board, services.reception.actions
    a = actions.check_in_for(staff, form()).visit
    actions.check_in_for(staff, form(name="Alice Smith", phone="13700001111", host="h002"))
    assert [e.name for e in board.snapshot(search="alice").on_site] == ["Alice Smith"]
    assert {e.name for e in board.snapshot(search="星河").on_site} == {"张伟", "Alice Smith"}
    assert [e.name for e in board.snapshot(search="5678").on_site] == ["张伟"]
    assert board.snapshot(search="nobody").counts()["on_site"] == 0
    assert board.reveal_phone(staff.actor, a.id) == "13812345678"
    entry = _audited(services, "personal.revealed")
    assert (entry["subject_kind"], entry["fields"]) == ("visitor", "phone")


def test_check_out_at_the_desk(services, staff):
    actions = services.reception.actions
    visit = actions.check_in_for(staff, form()).visit
    out = actions.check_out(staff, visit.id)
    assert out.state is VisitState.CHECKED_OUT
    row = services.store.query_one(
        "SELECT open_field(payload, 'outbox', 'payload') AS payload "
        "FROM outbox WHERE kind='visit.checked_out' AND entity_id=?",
        (visit.id,),
    )
    assert '"method": "reception"' in row["payload"] or '"method":"reception"' in row["payload"]
    assert services.reception.board.snapshot().counts()["on_site"] == 0


def test_a_reprint_prints_one_more_copy_never_two(services, staff):
    actions = services.reception.actions
    visit = actions.check_in_for(staff, form()).visit
    _drain(services)
    first = actions.reprint(staff, visit.id, seen_copy=0)
    again = actions.reprint(staff, visit.id, seen_copy=0)  # a second tap on the same line
    assert (first.queued, first.copy) == (True, 1)
    assert (again.queued, again.copy) == (False, 1)
    _drain(services)
    assert len(services.print_queue.printer.printed) == 2
    assert outbox_kinds(services, visit.id).count("badge.reprinted") == 1
    assert _audited(services, "badge.reprinted")["details"] == '{"copy": "1"}'


def test_a_correction_keeps_the_original_with_who_and_why(services, staff):
    actions = services.reception.actions
    visit = actions.check_in_for(staff, form(name="张玮")).visit
    with pytest.raises(ValidationError) as info:
        actions.correct(staff, visit.id, "name", "张伟", "  ")
    assert info.value.message_key == "reception.reason_required"
    actions.correct(staff, visit.id, "name", "张伟", "misspelled at check-in")
    actions.correct(staff, visit.id, "host_id", "h002", "wrong host")
    person = services.records.visitor(visit.visitor_id)
    assert person.name == "张伟"
    assert services.records.visit(visit.id).host_id == "h002"
    notes = actions.annotations(visit.id)
    assert [(n["field"], n["old_value"], n["new_value"], n["by_staff"]) for n in notes] == [
        ("name", "张玮", "张伟", staff.id),
        ("host_id", "h001", "h002", staff.id),
    ]
    assert outbox_kinds(services, visit.id).count("visit.annotated") == 2


def test_cancel_a_visit_recorded_by_mistake(services, staff):
    actions = services.reception.actions
    visit = actions.check_in_for(staff, form()).visit
    actions.cancel(staff, visit.id, "checked in twice")
    assert services.records.visit(visit.id).state is VisitState.CANCELLED
    assert outbox_kinds(services, visit.id)[-1] == "visit.cancelled"
    with pytest.raises(DeniedError):
        actions.cancel(staff, visit.id, "again")


def test_a_held_visit_approved_prints_and_notifies(services, staff):
    actions, board = services.reception.actions, services.reception.board
    held = services.checkin.check_in(form(**WATCHED)).visit
    assert [e.visit_id for e in board.snapshot().held] == [held.id]
    visit = actions.approve(staff, held.id, "a different person of the same name")
    assert visit.state is VisitState.CHECKED_IN and visit.badge_code
    assert outbox_kinds(services, held.id) == [
        "visit.denied",
        "visit.decided",
        "visit.checked_in",
    ]
    _drain(services)
    assert services.print_queue.status_for(held.id).state == "printed"
    assert board.snapshot().counts()["held"] == 0
    with pytest.raises(DeniedError) as info:
        actions.deny(staff, held.id, "too late")
    assert info.value.message_key == "reception.already_decided"
    assert info.value.params["decision"] == "approved"


def test_a_held_visit_denied_is_recorded(services, staff):
    actions, board = services.reception.actions, services.reception.board
    held = services.checkin.check_in(form(**WATCHED)).visit
    actions.deny(staff, held.id, "matches the banned person")
    snap = board.snapshot()
    assert snap.counts()["held"] == 0 and [e.visit_id for e in snap.denied] == [held.id]
    assert services.records.visit(held.id).state is VisitState.DENIED
    with pytest.raises(DeniedError):
        actions.approve(staff, held.id, "changed my mind")
    _drain(services)
    assert services.print_queue.status_for(held.id).state == "none"


def test_alerts_are_listed_and_acknowledged_with_an_audit_entry(services, staff):
    services.checkin.check_in(form(**WATCHED))
    actions = services.reception.actions
    (alert,) = actions.alerts()
    done = actions.acknowledge(staff, alert.id)
    assert done.acknowledged_by == staff.id
    assert open_alerts(services.store) == []
    assert _audited(services, "alert.acknowledged")["subject_id"] == alert.id


def test_not_signed_out_from_earlier_days_and_expected_today(services, staff, clock):
    actions, board = services.reception.actions, services.reception.board
    visit = actions.check_in_for(staff, form()).visit
    clock.advance(36 * 3600)
    snap = board.snapshot()
    assert [e.visit_id for e in snap.not_signed_out] == [visit.id]
    assert snap.counts()["on_site"] == 0
    services.checkin.auto_check_out()
    (line,) = board.snapshot().not_signed_out
    assert line.auto_checked_out


def test_the_desk_unattended_switch_needs_a_backup_contact(services, staff, clock):
    store, site = services.store, services.settings.site.id
    with pytest.raises(ValidationError) as info:
        set_desk_status(store, staff.actor, unattended=True, site_id=site, kiosk_id="k")
    assert info.value.message_key == "reception.backup_required"
    back = clock.now() + timedelta(minutes=30)
    status = set_desk_status(
        store,
        staff.actor,
        unattended=True,
        site_id=site,
        kiosk_id="k",
        return_at=back,
        backup_contact="Security, ext. 8110",
    )
    assert (status.unattended, status.return_at, status.backup_contact) == (
        True,
        back,
        "Security, ext. 8110",
    )
    set_desk_status(store, staff.actor, unattended=False, site_id=site, kiosk_id="k")
    assert not desk_status(store).unattended
    assert outbox_kinds(services, site).count("desk.status_changed") == 2
