"""Check-in and check-out rules, on a real SQLite store with a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kiosk.core.alerts import acknowledge_alert, open_alerts
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import DeniedError, NotFoundError, ValidationError
from kiosk.core.config.settings import load_settings
from kiosk.core.directory.demo import demo_directory, import_directory
from kiosk.core.models import Invitation, VisitState
from kiosk.core.store.database import Store, new_id
from kiosk.core.store.records import Records
from kiosk.core.visits.checkin import (
    CheckinForm,
    CheckinService,
    mask_name,
    mask_phone,
    mask_text,
    validate_form,
)
from kiosk.core.visits.flow import CheckinFlow
from kiosk.core.visits.scanner import ScanDetector


@pytest.fixture
def clock():
    # 09:00 in Shanghai
    return FakeClock(datetime(2026, 11, 26, 1, 0, tzinfo=UTC))


@pytest.fixture
def service(tmp_path, clock):
    store = Store(tmp_path / "k.sqlite3", clock=clock)
    records = Records(store)
    import_directory(records, demo_directory())
    yield CheckinService(records=records, settings=load_settings(environ={}), clock=clock)
    store.close()


def form(**kw):
    base = dict(name="张伟", phone="13812345678", purpose="meeting", host_id="h001", consent=True)
    base.update(kw)
    return CheckinForm(**base)


def kinds(service, visit_id):
    rows = service.store.query(
        "SELECT kind FROM outbox WHERE entity_id=? ORDER BY seq", (visit_id,)
    )
    return [r["kind"] for r in rows]


def test_check_in_commits_the_visit_and_its_event(service):
    result = service.check_in(form())
    visit = service.records.visit(result.visit.id)
    assert visit.state is VisitState.CHECKED_IN
    assert visit.department_id == "rnd"
    assert visit.consent_version == service.settings.checkin.consent_version
    assert visit.badge_code
    assert kinds(service, visit.id) == ["visit.checked_in"]
    event = service.store.outbox_after("t")[0]
    assert event.payload["visitor"]["name"] == "张伟"
    assert event.payload["visit"]["host_id"] == "h001"


def test_invalid_forms_are_refused_with_a_field_and_a_key(service):
    with pytest.raises(ValidationError) as info:
        service.check_in(form(phone="12345"))
    assert info.value.field == "phone"
    problems = validate_form(form(name="", consent=False, host_id=None), service.settings)
    assert problems == {
        "name": "checkin.required.name",
        "host": "checkin.required.host",
        "consent": "checkin.required.consent",
    }
    assert service.store.query("SELECT count(*) FROM visits")[0][0] == 0


def test_required_fields_are_configurable(service):
    settings = service.settings.replace("checkin", required_fields=("name", "phone", "company"))
    assert validate_form(form(company=""), settings) == {"company": "checkin.required.company"}
    assert validate_form(form(host_id=None, company="Acme"), settings) == {}


def test_a_returning_visitor_is_found_by_full_number_only_and_masked(service):
    service.check_in(form(name="欧阳娜娜", company="星辰科技"))
    found = service.find_returning("138 1234 5678")
    assert found is not None
    assert (found.masked_name, found.masked_company) == ("欧***", "星***")
    assert service.find_returning("1381234567") is None
    assert service.find_returning("13812345679") is None
    again = service.check_in(form(name="欧阳娜娜", company=""))
    assert again.visitor.id == found.visitor_id
    assert service.store.query("SELECT count(*) FROM visitors")[0][0] == 1


def test_masks():
    assert mask_name("张伟") == "张*"
    assert mask_name("Zhang Wei") == "Z**** W**"
    assert mask_name("") == ""
    assert mask_text("星辰科技") == "星***"
    assert mask_phone("13812345678") == "138****5678"


def _invite(service, code, *, phone="13900000001", hours=8, start=-1):
    now = service.clock.now()
    with service.store.transaction() as tx:
        service.records.add_invitation(
            tx,
            Invitation(
                id=new_id(),
                site_id="demo",
                code=code,
                visitor_name="周星",
                phone=phone,
                host_id="h002",
                valid_from=now + timedelta(hours=start),
                valid_until=now + timedelta(hours=hours),
            ),
        )


def test_an_invitation_checks_in_once_and_only_while_valid(service, clock):
    _invite(service, "ABCD1234")
    result = service.check_in_invitation("abcd1234")
    assert result.visit.invitation_id is not None
    assert kinds(service, result.visit.id) == ["visit.checked_in", "invitation.used"]
    with pytest.raises(DeniedError) as info:
        service.check_in_invitation("ABCD1234")
    assert info.value.message_key == "checkin.invitation_used"
    _invite(service, "LATE0001", phone="13900000002", hours=1)
    clock.advance(2 * 3600)
    with pytest.raises(DeniedError) as info:
        service.find_invitation("LATE0001")
    assert info.value.message_key == "checkin.invitation_expired"
    with pytest.raises(NotFoundError):
        service.find_invitation("NOPE0000")


def test_a_watchlist_match_is_denied_silently_and_alerts(service):
    result = service.check_in(form(name="黑名单测试", phone="13912349999"))
    assert result.denied
    assert result.visit.state is VisitState.DENIED
    assert result.visit.badge_code == ""
    assert kinds(service, result.visit.id) == ["visit.denied"]
    # the alert is its own record (entity: the alert), kept on the kiosk and pushed
    (alert,) = open_alerts(service.store)
    assert (alert.kind, alert.severity, alert.visit_id) == (
        "watchlist",
        "critical",
        result.visit.id,
    )
    assert alert.details == {"visit_id": result.visit.id, "watchlist_id": "w1"}
    assert kinds(service, alert.id) == ["alert.raised"]
    with service.store.transaction() as tx:
        acknowledge_alert(tx, alert.id, "reception")
        acknowledge_alert(tx, alert.id, "someone else")  # once only
    assert open_alerts(service.store) == []
    assert kinds(service, alert.id) == ["alert.raised", "alert.acknowledged"]
    by_phone = service.check_in(form(name="某人", phone="130 0000 0000"))
    assert by_phone.denied
    by_width = service.check_in(form(name="黑名单 测试", phone="13912340000"))
    assert by_width.denied, "names match ignoring spaces"


def test_check_out_by_badge_and_by_phone(service):
    one = service.check_in(form())
    service.check_out_by_badge(one.visit.badge_code)
    assert service.records.visit(one.visit.id).state is VisitState.CHECKED_OUT
    with pytest.raises(NotFoundError) as info:
        service.check_out_by_badge(one.visit.badge_code)
    assert info.value.message_key == "checkout.already_out"
    with pytest.raises(NotFoundError):
        service.check_out_by_badge("VFORGED00000")
    two = service.check_in(form(phone="13812340000"))
    open_visits = service.open_visits_for_phone("13812340000")
    assert [v.visit_id for v in open_visits] == [two.visit.id]
    service.check_out(two.visit.id)
    assert service.open_visits_for_phone("13812340000") == []
    assert kinds(service, two.visit.id) == ["visit.checked_in", "visit.checked_out"]


def test_end_of_day_closes_open_visits_as_not_signed_out(service, clock):
    visit = service.check_in(form()).visit
    assert service.auto_check_out() == []  # 09:00: the cutoff was last night
    clock.advance(14 * 3600)  # 23:00 Shanghai, past the 22:00 end of day
    assert service.end_of_day_due(last_run=None)
    assert service.auto_check_out() == [visit.id]
    closed = service.records.visit(visit.id)
    assert closed.state is VisitState.CHECKED_OUT and closed.auto_checked_out
    assert [v.id for v in service.not_signed_out()] == [visit.id]
    event = service.store.outbox_after("t")[-1]
    assert event.kind == "visit.checked_out" and event.payload["auto"] is True


def test_end_of_day_runs_once_per_day(service, clock):
    service.check_in(form())
    clock.advance(14 * 3600)  # 23:00
    assert len(service.run_end_of_day_if_due()) == 1
    service.check_in(form(phone="13812340001"))
    clock.advance(1800)  # 23:30: today's run is done, the new visit stays open until tomorrow
    assert service.run_end_of_day_if_due() == []
    clock.advance(24 * 3600)
    assert len(service.run_end_of_day_if_due()) == 1


def test_flow_keeps_values_across_back_and_skips_for_a_returning_visitor(service):
    flow = CheckinFlow(service)
    flow.set(phone="13812345678")
    assert flow.lookup_returning() is None
    assert flow.next() == "name"
    flow.set(name="李雷")
    assert flow.next() == "company"
    assert flow.back() == "name"
    assert flow.form.name == "李雷"
    assert flow.back() == "phone"
    assert flow.back() is None
    service.check_in(form(name="李雷"))
    flow.reset()
    flow.set(phone="13812345678")
    assert flow.lookup_returning() is not None
    assert flow.next() == "confirm", "a returning visitor with nothing missing goes to confirm"
    assert flow.form.host_id == "h001" and flow.form.consent


def test_scanner_bursts_are_told_from_typing():
    scan = ScanDetector()
    for i, ch in enumerate("VABC12345678"):
        scan.feed(ch, 10.0 + i * 0.004)
    assert scan.enter(10.06) == "VABC12345678"
    for i, ch in enumerate("VABC1234"):
        scan.feed(ch, 20.0 + i * 0.2)
    assert scan.enter(21.8) is None
    scan.feed("AB", 30.0)
    assert scan.enter(30.01) is None  # too short to be a code


def test_end_of_day_runs_on_its_worker_driven_by_the_clock(service, clock):
    import time

    from kiosk.core.visits.end_of_day import EndOfDayWorker

    visit = service.check_in(form()).visit
    worker = EndOfDayWorker(checkin=service)
    worker.start()
    try:
        deadline = time.monotonic() + 5
        while service.store.get_value("checkin.end_of_day_last") is None:
            assert time.monotonic() < deadline, "the worker never ran its first round"
            time.sleep(0.01)
        assert service.records.visit(visit.id).state is VisitState.CHECKED_IN
        clock.advance(14 * 3600)  # 23:00 Shanghai: past the end of day, the wait is over
        while service.records.visit(visit.id).state is not VisitState.CHECKED_OUT:
            assert time.monotonic() < deadline, "the end-of-day round never came"
            time.sleep(0.01)
        assert [v.id for v in service.not_signed_out()] == [visit.id]
    finally:
        worker.stop()
    assert not worker.running


def test_no_mobile_number_checks_in_unmatched_and_the_desk_is_told(service):
    earlier = service.check_in(form(name="张伟"))  # someone else's record with a number
    assert validate_form(form(phone="", no_phone=True), service.settings) == {}
    assert "phone" in validate_form(form(phone=""), service.settings), "still required"
    result = service.check_in(form(name="张伟", phone="13812345678", no_phone=True))
    assert result.visitor.id != earlier.visitor.id, "no earlier record is matched"
    assert result.visitor.phone == "", "no number is kept, not even one left in the field"
    alerts = [a for a in open_alerts(service.store) if a.kind == "visitor_no_phone"]
    assert [(a.visit_id, a.details["name"]) for a in alerts] == [(result.visit.id, "张伟")]
    assert alerts[0].severity == "info"
    plain = service.check_in(form(phone="13812345679"))
    assert [a.visit_id for a in open_alerts(service.store) if a.kind == "visitor_no_phone"] == [
        result.visit.id
    ], "a visitor with a number raises nothing"
    assert plain.visit.id != result.visit.id


def test_flow_without_phone_skips_the_returning_lookup(service):
    flow = CheckinFlow(service)
    flow.set(phone="13812345678")
    flow.without_phone()
    assert (flow.form.phone, flow.form.no_phone, flow.returning, flow.still_in) == (
        "",
        True,
        None,
        0,
    )
    assert flow.next() == "name"


def test_a_returning_visitor_still_checked_in_is_counted(service):
    first = service.check_in(form(phone="13812340077"))
    flow = CheckinFlow(service)
    assert flow.find_returning("13812340077").still_in == 1
    service.check_out(first.visit.id)
    assert flow.find_returning("13812340077").still_in == 0
