"""What a first-time visitor meets on the visitor screens (issue 22), on the real app."""

from __future__ import annotations

import pytest

from kiosk.core.visits.checkin import CheckinForm

pytestmark = pytest.mark.ui


def _part(screen, segment):
    bar = next(w for w in screen.walk() if w.__class__.__name__ == "CheckinProgress")
    return next(p for p in bar.children if p.segment == segment)


def _to_host(kiosk, phone):
    kiosk.tap(kiosk.current().ids.checkin)
    kiosk.keys(phone)
    kiosk.wait_for(lambda: kiosk.screen == "name")
    kiosk.current().ids.field.text = "张伟"
    kiosk.tap_text("下一步")
    kiosk.current().ids.field.text = "星辰科技"
    kiosk.tap_text("下一步")
    kiosk.tap_text("会议")
    assert kiosk.screen == "host"


def test_progress_bar_back_keeps_everything_and_the_host_stays_chosen(kiosk):
    app = kiosk.app
    _to_host(kiosk, "13912342201")
    kiosk.keys("ln")
    kiosk.tap_text("李娜")
    assert kiosk.screen == "consent"
    screen = kiosk.current()
    assert _part(screen, "confirm").state_name == "current"
    assert _part(screen, "purpose").state_name == "done"
    kiosk.tap(_part(screen, "name"))  # a step done is a button back to it
    assert kiosk.screen == "name" and kiosk.current().ids.field.text == "张伟"
    assert _part(kiosk.current(), "host").disabled, "a step to come cannot be jumped to"
    kiosk.tap_text("下一步")
    assert kiosk.screen == "company" and kiosk.current().ids.field.text == "星辰科技"
    kiosk.tap_text("下一步")
    kiosk.tap_text("会议")
    host = kiosk.current()
    assert host.ids.field.text == "ln", "the search typed is still there"
    assert "李娜" in host.chosen_text and not host.ids.next.disabled
    kiosk.tap(app.root.ids.lang_toggle)  # English: results and the chosen host relabelled
    assert "Li Na" in host.chosen_text
    assert all("Li Na" in b.text or "李" not in b.text for b in host.ids.results.children)
    kiosk.tap(host.ids.next)
    assert kiosk.screen == "consent"


def test_confirm_shows_a_new_number_in_full_and_tells_who_is_still_checked_in(kiosk):
    app = kiosk.app
    _to_host(kiosk, "13912342202")
    kiosk.keys("ln")
    kiosk.tap_text("李娜")
    kiosk.tap(kiosk.current().ids.agree)
    assert "13912342202" in kiosk.texts(), "what was just typed is shown so it can be checked"
    kiosk.tap(kiosk.current().ids.confirm)
    assert kiosk.screen == "done"
    app.home()
    kiosk.frames(2)
    # the same number again, never checked out: welcomed back, masked, and told
    kiosk.tap(kiosk.current().ids.checkin)
    kiosk.keys("13912342202")
    kiosk.wait_for(lambda: kiosk.screen == "confirm")
    texts = kiosk.texts()
    assert "张*" in texts and "张伟" not in texts, "a record read back stays masked"
    assert "13912342202" in texts, "the number was typed on this visit"
    assert any("还没有签退" in t for t in texts) and "再次登记" in texts


def test_no_mobile_number_checks_in_and_the_desk_is_told(kiosk):
    from kiosk.core.alerts import open_alerts

    app = kiosk.app
    kiosk.tap(kiosk.current().ids.checkin)
    kiosk.tap(kiosk.current().ids.no_mobile)
    assert kiosk.screen == "name"
    kiosk.current().ids.field.text = "Hans Müller"
    kiosk.tap_text("下一步")
    kiosk.tap_text("跳过")
    kiosk.tap_text("会议")
    kiosk.keys("ln")
    kiosk.tap_text("李娜")
    kiosk.tap(kiosk.current().ids.agree)
    assert any("前台会收到提醒" in t for t in kiosk.texts())
    kiosk.tap(kiosk.current().ids.confirm)
    assert kiosk.screen == "done"
    alerts = [a for a in open_alerts(app.services.store) if a.kind == "visitor_no_phone"]
    assert alerts and alerts[0].details["name"] == "Hans Müller"
    visit = app.services.records.visit(alerts[0].visit_id)
    assert visit is not None and visit.host_id == "h001"


def test_check_out_moves_on_at_eleven_digits_and_explains_a_short_number(kiosk):
    app = kiosk.app
    app.services.checkin.check_in(
        CheckinForm(
            name="林小雨", phone="13912342203", purpose="meeting", host_id="h002", consent=True
        )
    )
    kiosk.tap(kiosk.current().ids.checkout)
    kiosk.keys("123")
    kiosk.tap(kiosk.current().ids.find)
    assert "请输入以1开头的11位手机号" in kiosk.texts(), "the format, not 'no visit found'"
    kiosk.current().ids.field.text = ""
    kiosk.keys("13912342203")  # no Find: it looks itself up
    kiosk.wait_for(lambda: kiosk.screen == "goodbye")


def test_done_says_the_desk_first_and_back_from_the_way_returns_to_done(kiosk):
    app = kiosk.app
    result = app.services.checkin.check_in(
        CheckinForm(
            name="林小雨", phone="13912342204", purpose="meeting", host_id="h001", consent=True
        )
    )
    app.show_result(result)
    done = app.screen("done")
    kiosk.wait_for(lambda: done.shown is not None and done.steps_text != "")
    if done.to_desk:  # the demo has no channel: the host cannot be told
        assert done.title.startswith("已登记") and "前台" in done.notify_text
    else:
        assert done.title.startswith("登记成功")
    assert "1.\u00a0" in done.steps_text and "2号电梯" in done.steps_text
    kiosk.tap(done.ids.show_way)
    assert kiosk.screen == "directions"
    kiosk.tap(kiosk.current().ids.get("back") or _back(kiosk))
    assert kiosk.screen == "done"


def _back(kiosk):
    for w in kiosk.current().walk():
        if w.__class__.__name__ == "StepHeader":
            return w.ids.back
    raise AssertionError("no back button")
