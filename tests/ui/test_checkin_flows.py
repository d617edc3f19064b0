"""Check-in and check-out as visitors do them, on the real app offscreen."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from kiosk.core.models import Invitation, VisitState
from kiosk.core.store.database import new_id

pytestmark = pytest.mark.ui


def _visit_of(app, phone):
    records = app.services.records
    visitor = records.visitor_by_phone(phone)
    assert visitor is not None
    rows = app.services.store.query(
        "SELECT id FROM visits WHERE visitor_id = ? ORDER BY created_at DESC", (visitor.id,)
    )
    return records.visit(rows[0]["id"]), visitor


def _events(app, visit_id):
    """The visit's own events (printing and notification add theirs on their threads)."""
    return [
        r["kind"]
        for r in app.services.store.query(
            "SELECT kind FROM outbox WHERE entity_id = ? ORDER BY seq", (visit_id,)
        )
        if not r["kind"].startswith(("badge.", "notify."))
    ]


def _invite(app, *, name, phone, code):
    services = app.services
    now = services.clock.now()
    with services.store.transaction() as tx:
        services.records.add_invitation(
            tx,
            Invitation(
                id=new_id(),
                site_id=services.settings.site.id,
                code=code,
                visitor_name=name,
                phone=phone,
                host_id="h002",
                valid_from=now - timedelta(hours=1),
                valid_until=now + timedelta(hours=8),
            ),
        )


def test_new_visitor_in_chinese_with_the_pinyin_keyboard(kiosk):
    app = kiosk.app
    kiosk.tap(kiosk.current().ids.checkin)  # tap 1
    kiosk.keys("13912340001")
    kiosk.wait_for(lambda: kiosk.screen == "name")  # 11 digits move on by themselves
    kiosk.keys("zhang")
    kiosk.candidate("张")  # a surname, offered first in the name field
    kiosk.keys("wei")
    kiosk.tap_text("删除")  # a typo corrected inside the composition
    kiosk.keys("i")
    assert kiosk.current().ids.keyboard.composing == "wei"
    kiosk.tap_text("删除")
    kiosk.tap_text("删除")
    kiosk.tap_text("删除")
    kiosk.tap_text("删除")  # composition empty: now it deletes 张 from the field
    assert kiosk.current().ids.field.text == ""
    kiosk.keys("zhangwei")
    kiosk.candidate("张伟")
    assert kiosk.current().ids.field.text == "张伟"
    kiosk.tap_text("下一步")  # tap 2
    assert kiosk.screen == "company"
    kiosk.tap_text("跳过")  # tap 3
    assert kiosk.screen == "purpose"
    kiosk.tap_text("会议")  # tap 4
    assert kiosk.screen == "host"
    kiosk.keys("ln")
    kiosk.tap_text("李娜")  # tap 5
    assert kiosk.screen == "consent"
    kiosk.tap(kiosk.current().ids.agree)  # tap 6
    assert kiosk.screen == "confirm"
    assert any("张伟" in t for t in kiosk.texts())
    kiosk.tap(kiosk.current().ids.confirm)  # tap 7
    assert kiosk.screen == "done"
    visit, visitor = _visit_of(app, "13912340001")
    assert visitor.name == "张伟"
    assert visit.state is VisitState.CHECKED_IN
    assert visit.host_id == "h001"
    assert visit.purpose == "meeting"
    assert _events(app, visit.id) == ["visit.checked_in"]
    assert any("503" in t for t in kiosk.texts())
    kiosk.wait_for(lambda: kiosk.current().badge_texture is not None)
    kiosk.tap(kiosk.current().ids.show_way)
    assert kiosk.screen == "directions"
    assert any("503" in t for t in kiosk.texts())


def test_new_visitor_in_english(kiosk):
    app = kiosk.app
    kiosk.tap(app.root.ids.lang_toggle)
    kiosk.tap(kiosk.current().ids.checkin)
    kiosk.tap_text("+")
    kiosk.keys("447700900123")
    kiosk.tap_text("Next")
    assert kiosk.screen == "name"
    assert kiosk.current().ids.keyboard.mode == "english"
    kiosk.keys("anna")
    kiosk.tap_text("Space")
    kiosk.keys("smith")
    assert kiosk.current().ids.field.text == "anna smith"
    kiosk.tap_text("Next")
    kiosk.keys("acme")
    kiosk.tap_text("Next")
    kiosk.tap_text("Interview")
    kiosk.keys("miller")
    kiosk.tap_text("David Miller")
    kiosk.tap_text("I have read this and agree")
    kiosk.tap_text("Check in")
    assert kiosk.screen == "done"
    assert any("checked in" in t.lower() for t in kiosk.texts())
    visit, visitor = _visit_of(app, "+447700900123")
    assert (visitor.name, visitor.company, visit.purpose) == ("anna smith", "acme", "interview")


def test_returning_visitor_needs_eleven_digits_and_two_taps(kiosk):
    app = kiosk.app
    phone = "13912340002"
    result = app.services.checkin.check_in(
        app.services.checkin.__class__.__module__
        and __import__("kiosk.core.visits.checkin", fromlist=["CheckinForm"]).CheckinForm(
            name="王芳",
            phone=phone,
            company="星辰科技",
            purpose="meeting",
            host_id="h003",
            consent=True,
        )
    )
    app.services.checkin.check_out(result.visit.id)
    kiosk.tap(kiosk.current().ids.checkin)  # tap 1
    kiosk.keys(phone)
    kiosk.wait_for(lambda: kiosk.screen == "confirm")
    texts = kiosk.texts()
    assert "王*" in texts and "星***" in texts
    assert "王芳" not in texts, "a returning visitor's name is shown masked"
    kiosk.tap(kiosk.current().ids.confirm)  # tap 2
    assert kiosk.screen == "done"
    visit, visitor = _visit_of(app, phone)
    assert visitor.id == result.visitor.id, "the earlier record is reused, not duplicated"
    assert visit.host_id == "h003" and visit.state is VisitState.CHECKED_IN


def test_invited_visitor_by_scan_is_one_scan_and_one_tap(kiosk):
    app = kiosk.app
    _invite(app, name="周星", phone="13912340003", code="SCAN0001")
    kiosk.scan("SCAN0001")
    assert kiosk.screen == "invitation"
    assert "预约访客：周*（为保护隐私，只显示部分姓名）" in kiosk.texts()
    kiosk.tap(kiosk.current().ids.confirm)
    assert kiosk.screen == "done"
    visit, _ = _visit_of(app, "13912340003")
    assert visit.invitation_id is not None
    assert _events(app, visit.id) == ["visit.checked_in", "invitation.used"]
    kiosk.app.home()
    kiosk.scan("SCAN0001")
    assert kiosk.screen == "invitation"
    assert "该预约码已经使用过" in kiosk.texts()


def test_invited_visitor_by_typing_the_code(kiosk):
    app = kiosk.app
    _invite(app, name="Anna Schmidt", phone="+4915112340004", code="TYPE0002")
    kiosk.tap(kiosk.current().ids.checkin)
    kiosk.tap(kiosk.current().ids.have_code)
    assert kiosk.screen == "invite_code"
    kiosk.keys("type0002")
    kiosk.tap(kiosk.current().ids.find)
    assert kiosk.screen == "invitation"
    texts = kiosk.texts()
    assert "欢迎您，请确认预约" in texts
    assert any("A*** S******" in t and "保护隐私" in t for t in texts), texts
    kiosk.tap(kiosk.current().ids.confirm)
    assert kiosk.screen == "done"


def test_planned_guest_using_the_walk_in_form_is_matched_not_duplicated(kiosk):
    app = kiosk.app
    _invite(app, name="刘备", phone="13912340005", code="WALK0003")
    from kiosk.core.visits.checkin import CheckinForm

    result = app.services.checkin.check_in(
        CheckinForm(
            name="刘备", phone="13912340005", purpose="meeting", host_id="h002", consent=True
        )
    )
    assert result.invitation is not None and result.invitation.code == "WALK0003"
    assert app.services.records.invitation_by_code("WALK0003").state.value == "used"


def test_check_out_by_scanning_the_badge_on_any_screen(kiosk):
    app = kiosk.app
    from kiosk.core.visits.checkin import CheckinForm

    result = app.services.checkin.check_in(
        CheckinForm(
            name="赵云", phone="13912340006", purpose="meeting", host_id="h004", consent=True
        )
    )
    kiosk.tap(kiosk.current().ids.help)
    kiosk.scan(result.visit.badge_code)
    assert kiosk.screen == "goodbye"
    assert app.services.records.visit(result.visit.id).state is VisitState.CHECKED_OUT
    assert _events(app, result.visit.id)[-1] == "visit.checked_out"


def test_check_out_by_mobile_number(kiosk):
    app = kiosk.app
    from kiosk.core.visits.checkin import CheckinForm

    result = app.services.checkin.check_in(
        CheckinForm(
            name="马超", phone="13912340007", purpose="delivery", department_id="rnd", consent=True
        )
    )
    kiosk.tap(kiosk.current().ids.checkout)
    kiosk.keys("13912340007")  # 11 digits look themselves up, as on check-in: no Find
    kiosk.wait_for(lambda: kiosk.screen == "goodbye")
    assert app.services.records.visit(result.visit.id).state is VisitState.CHECKED_OUT


def test_watchlist_match_sends_the_visitor_to_the_desk_without_saying_why(kiosk):
    app = kiosk.app
    kiosk.tap(kiosk.current().ids.checkin)
    kiosk.keys("13000000000")
    kiosk.wait_for(lambda: kiosk.screen == "name")
    kiosk.tap_text("英文")
    kiosk.keys("li")
    kiosk.tap_text("下一步")
    kiosk.tap_text("跳过")
    kiosk.tap_text("其他")  # not "delivery": a courier leaves the visitor flow
    kiosk.keys("ln")
    kiosk.tap_text("李娜")
    kiosk.tap(kiosk.current().ids.agree)
    kiosk.tap(kiosk.current().ids.confirm)
    assert kiosk.screen == "denied"
    texts = " ".join(kiosk.texts())
    assert "请到前台办理" in texts
    assert "watch" not in texts.lower() and "黑名单" not in texts
    visit, _ = _visit_of(app, "13000000000")
    assert visit.state is VisitState.DENIED
    assert _events(app, visit.id) == ["visit.denied"]
    # the alert is an entity of its own that names the visit it is about
    alerts = [
        json.loads(r["payload"])
        for r in app.services.store.query(
            "SELECT open_field(payload, 'outbox', 'payload') AS payload "
            "FROM outbox WHERE kind = 'alert.raised' ORDER BY seq"
        )
    ]
    assert [a["visit_id"] for a in alerts] == [visit.id]


def test_back_keeps_everything_already_typed(kiosk):
    kiosk.tap(kiosk.current().ids.checkin)
    kiosk.keys("13912340008")
    kiosk.wait_for(lambda: kiosk.screen == "name")
    kiosk.tap_text("英文")
    kiosk.keys("sun")
    kiosk.tap_text("下一步")
    kiosk.tap_text("英文")
    kiosk.keys("abc")
    kiosk.tap_text("下一步")
    assert kiosk.screen == "purpose"
    kiosk.tap(kiosk.current().ids.get("back") or _back(kiosk))
    assert kiosk.screen == "company"
    assert kiosk.current().ids.field.text == "abc"
    kiosk.tap(_back(kiosk))
    assert kiosk.screen == "name"
    assert kiosk.current().ids.field.text == "sun"
    kiosk.tap(_back(kiosk))
    assert kiosk.screen == "phone"
    assert kiosk.current().ids.field.text == "13912340008"


def _back(kiosk):
    for w in kiosk.current().walk():
        if w.__class__.__name__ == "StepHeader":
            return w.ids.back
    raise AssertionError("no back button")


def test_idle_timeout_mid_flow_clears_everything(kiosk):
    app = kiosk.app
    kiosk.tap(kiosk.current().ids.checkin)
    kiosk.keys("13912340009")
    kiosk.wait_for(lambda: kiosk.screen == "name")
    kiosk.tap_text("英文")
    kiosk.keys("secret")
    kiosk.tap_text("下一步")
    app.services.settings = app.services.settings.replace(
        "kiosk", idle_timeout=0.3, idle_countdown=0.3
    )
    kiosk.wait_for(lambda: kiosk.screen == "home", timeout=15)
    assert app.services.flow.form.name == "" and app.services.flow.form.phone == ""
    for name in ("phone", "name", "company"):
        assert app.screen(name).ids.field.text == ""
    kiosk.tap(kiosk.current().ids.checkin)
    assert kiosk.current().ids.field.text == ""


def test_a_person_typing_is_not_taken_for_a_scanner(kiosk):
    _invite(kiosk.app, name="慢慢", phone="13912340010", code="SLOW0004")
    kiosk.type_slowly("SLOW0004")
    kiosk.press_key(13)
    kiosk.frames(2)
    assert kiosk.screen == "home"


def _checked_in(app, phone: str):
    from kiosk.core.visits.checkin import CheckinForm

    return app.services.checkin.check_in(
        CheckinForm(name="林小雨", phone=phone, purpose="meeting", host_id="h002", consent=True)
    )


def _run_timers(kiosk, seconds: float = 0.6) -> None:
    """Frames for ``seconds`` of real time: the app's idle check runs every 0.25 s."""
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        kiosk.frames(1)


def test_the_done_screen_counts_down_and_goes_home_with_no_idle_prompt(kiosk):
    from kiosk.core.config.clock import FakeClock

    app = kiosk.app
    clock, real_clock = FakeClock(), app.services.clock
    app.services.clock = clock  # the clock the app and the done screen time themselves by
    app.services.settings = app.services.settings.replace(
        "kiosk", idle_timeout=3, idle_countdown=3, done_timeout=20
    )
    try:
        app.show_result(_checked_in(app, "13912340021"))
        kiosk.frames(3)
        assert kiosk.screen == "done"
        assert "20 秒后返回首页" in kiosk.texts()
        app.toggle_language()
        kiosk.frames(2)
        assert "This screen closes in 20 s" in kiosk.texts()
        # past the idle prompt's 3 + 3 s: no prompt over done, still counting down
        clock.advance(12)
        _run_timers(kiosk)
        assert kiosk.screen == "done" and app.idle.overlay is None
        assert kiosk.current().remaining == 8
        assert "This screen closes in 8 s" in kiosk.texts()
        clock.advance(8.1)
        kiosk.wait_for(lambda: kiosk.screen == "home", timeout=5)
        assert app.idle.overlay is None
        done = app.screen("done")
        assert done.visit_id == "" and done.badge_texture is None, "the visitor is forgotten"
        assert app.lang == "zh_CN"
    finally:
        app.services.clock = real_clock


def test_show_me_the_way_from_done_leaves_the_countdown_behind(kiosk):
    from kiosk.core.config.clock import FakeClock

    app = kiosk.app
    clock, real_clock = FakeClock(), app.services.clock
    app.services.clock = clock
    app.services.settings = app.services.settings.replace(
        "kiosk", idle_timeout=30, idle_countdown=10, done_timeout=20
    )
    try:
        app.show_result(_checked_in(app, "13912340022"))
        kiosk.wait_for(lambda: kiosk.current().route != "", timeout=10)
        kiosk.tap(kiosk.current().ids.show_way)
        assert kiosk.screen == "directions"
        clock.advance(25)  # past the done screen's time, within the directions idle time
        _run_timers(kiosk)
        assert kiosk.screen == "directions" and app.idle.overlay is None
        clock.advance(10)  # the directions screen has the app's idle prompt
        kiosk.wait_for(lambda: app.idle.overlay is not None, timeout=5)
        assert kiosk.screen == "directions"
    finally:
        app.services.clock = real_clock
