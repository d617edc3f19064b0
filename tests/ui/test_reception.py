"""Receptionist mode on the real app offscreen: the hidden entry, the PIN pad, the board and
the alerts, with a staff account made by the core (``app.services.reception``)."""

from __future__ import annotations

import time

from kiosk.core.alerts import open_alerts, raise_alert
from kiosk.core.models import VisitState
from kiosk.core.visits.checkin import CheckinForm

PIN = "582947"


def _staff(app, name="Wang Fang", role="receptionist"):
    return app.services.reception.staff.add(name, role, PIN)


def _hold_site_name(kiosk, seconds=2.2):
    """A finger on the site name in the top bar for ``seconds``."""
    from kivy.tests.common import UnitTestTouch

    label = kiosk.app.root.ids.site_name
    touch = UnitTestTouch(*label.to_window(*label.center))
    touch.touch_down()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        kiosk.frames(1)
        time.sleep(0.02)
    touch.touch_up()
    kiosk.frames(2)
    kiosk.settle()


def _type_pin(kiosk, pin):
    for digit in pin:
        kiosk.key(digit)
    kiosk.tap(kiosk.current().ids.enter)


def _sign_in(kiosk):
    _hold_site_name(kiosk)
    assert kiosk.screen == "reception_pin"
    _type_pin(kiosk, PIN)
    kiosk.wait_for(lambda: kiosk.screen == "reception_board")
    kiosk.settle()


def test_long_press_opens_the_pin_pad_and_the_right_pin_the_board(kiosk):
    _staff(kiosk.app)
    _sign_in(kiosk)
    assert any("Wang Fang" in t for t in kiosk.texts())
    assert kiosk.app.reception.signed_in()


def test_a_wrong_pin_says_so_and_stays_on_the_pad(kiosk):
    app = kiosk.app
    _staff(app)
    _hold_site_name(kiosk)
    _type_pin(kiosk, "135792")
    assert kiosk.screen == "reception_pin"
    assert kiosk.current().ids.message.text == app.t("reception.pin_wrong")
    assert kiosk.current().ids.field.text == ""
    assert not app.reception.signed_in()


def test_no_way_into_the_console_without_a_pin(kiosk):
    app = kiosk.app
    _staff(app)
    # a short tap on the site name does nothing
    kiosk.tap(app.root.ids.site_name)
    assert kiosk.screen == "home"
    # the long press only opens the pad
    _hold_site_name(kiosk)
    assert kiosk.screen == "reception_pin"
    # going to the console's screens directly lands on the pad too
    for name in ("reception_board", "reception_alerts"):
        app.go(name)
        kiosk.frames(2)
        assert kiosk.screen == "reception_pin"
    assert not app.reception.signed_in()


def test_check_out_from_the_board(kiosk):
    app = kiosk.app
    _staff(app)
    result = app.services.checkin.check_in(
        CheckinForm(
            name="赵云", phone="13912340006", purpose="meeting", host_id="h004", consent=True
        )
    )
    _sign_in(kiosk)
    board = kiosk.current()
    assert board.counts["on_site"] == 1
    kiosk.tap_text("赵云")
    kiosk.tap(board.ids.check_out)
    kiosk.settle()
    assert app.services.records.visit(result.visit.id).state is VisitState.CHECKED_OUT
    assert board.counts["on_site"] == 0
    assert app.t("reception.done_check_out", name="赵云") in kiosk.texts()


def test_acknowledge_an_alert(kiosk):
    app = kiosk.app
    _staff(app)
    store, settings = app.services.store, app.services.settings
    with store.transaction() as tx:
        alert = raise_alert(
            tx,
            "disk_low",
            severity="warning",
            message_key="alert.disk_low",
            details={"free_mb": "180"},
            site_id=settings.site.id,
            kiosk_id=settings.kiosk.id,
        )
    _sign_in(kiosk)
    assert kiosk.current().alerts == 1
    kiosk.tap(kiosk.current().ids.alerts)
    kiosk.settle()
    assert kiosk.screen == "reception_alerts"
    row = kiosk.current().ids.rows.children[0]
    assert "180" in row.text
    kiosk.tap(row.ids.ack)
    kiosk.settle()
    assert [a.id for a in open_alerts(store)] == []
    assert kiosk.current().ids.rows.children == []
    assert alert.id


def test_the_lock_button_ends_the_session(kiosk):
    _staff(kiosk.app)
    _sign_in(kiosk)
    kiosk.tap(kiosk.current().ids.lock)
    assert kiosk.screen == "home"
    assert not kiosk.app.reception.signed_in()


def test_five_wrong_pins_lock_entry_and_the_pad_shows_the_wait(kiosk):
    app = kiosk.app
    _staff(app)
    _hold_site_name(kiosk)
    for _ in range(5):
        _type_pin(kiosk, "135792")
    message = kiosk.current().ids.message.text
    assert message == app.t("reception.locked", seconds=30)
    # the right PIN does not open it while locked, and coming back shows the wait again
    _type_pin(kiosk, PIN)
    assert kiosk.screen == "reception_pin" and not app.reception.signed_in()
    app.home()
    _hold_site_name(kiosk)
    waits = {app.t("reception.locked", seconds=n) for n in range(15, 31)}
    assert kiosk.current().ids.message.text in waits


def test_the_console_locks_itself_when_nobody_touches_it(kiosk):
    app = kiosk.app
    _staff(app)
    _sign_in(kiosk)
    app.reception.session.idle_seconds = 0.5  # the real session, its 2 minutes made short
    kiosk.wait_for(lambda: kiosk.screen == "home", timeout=5)
    assert not app.reception.signed_in()
    kiosk.settle()
    actions = [r["action"] for r in app.services.store.query("SELECT action FROM audit_log")]
    assert "session.locked" in actions


def test_a_held_watchlist_visit_approved_and_one_denied(kiosk):
    app = kiosk.app
    _staff(app)
    checkin = app.services.checkin

    def held(name):
        form = CheckinForm(
            name=name, phone="13000000000", purpose="meeting", host_id="h001", consent=True
        )
        return checkin.check_in(form).visit.id

    first, second = held("黑名单测试"), held("黑名单测试")
    _sign_in(kiosk)
    board = kiosk.current()
    assert board.counts["held"] == 2
    kiosk.tap(board.ids.tab_held)
    rows = list(reversed(board.ids.rows.children))
    kiosk.tap(next(r for r in rows if r.entry.visit_id == first))
    kiosk.tap(board.ids.approve)
    kiosk.settle()
    assert app.services.records.visit(first).state is VisitState.CHECKED_IN
    rows = list(reversed(board.ids.rows.children))
    kiosk.tap(next(r for r in rows if r.entry.visit_id == second))
    board.ids.reason.text = "not expected today"
    kiosk.tap(board.ids.deny)
    kiosk.settle()
    assert app.services.records.visit(second).state is VisitState.DENIED
    assert board.counts["held"] == 0 and board.counts["on_site"] == 1
