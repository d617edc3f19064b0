"""The alert dot on the visitor screens, the desk's "unattended" switch on the console and the
Help screen's "ask a person", on the real app offscreen (issue 15, items 4 and 5)."""

from __future__ import annotations

from kiosk.core.alerts import open_alerts, raise_alert
from kiosk.core.reception.desk import desk_status
from tests.ui.test_reception import PIN, _sign_in, _staff


def _raise(app):
    settings = app.services.settings
    with app.services.store.transaction() as tx:
        return raise_alert(
            tx,
            "disk_low",
            severity="warning",
            message_key="alert.disk_low",
            details={"free_mb": "180"},
            site_id=settings.site.id,
            kiosk_id=settings.kiosk.id,
        )


def _dot(app):
    """The dot's colour instruction in the top bar (kiosk.kv)."""
    from kivy.graphics import Color

    bar = app.root.ids.top_bar
    [color] = [i for i in bar.canvas.after.children if isinstance(i, Color)]
    return color.rgba


def test_an_unacknowledged_alert_shows_a_dot_without_text_until_acknowledged(kiosk):
    app = kiosk.app
    _staff(app)
    kiosk.wait_for(lambda: not app.alerts_open, timeout=5)
    assert _dot(app)[3] == 0

    def readable() -> tuple[list[str], list[str]]:
        """The screen's and the top bar's texts, but the clock (a minute may turn meanwhile)."""
        clock = app.root.ids.top_bar.walk()
        bar = [w.text for w in clock if hasattr(w, "text") and w.text != app.now_text]
        return sorted(t for t in kiosk.texts() if t != app.now_text), sorted(bar)

    before = readable()
    _raise(app)
    kiosk.wait_for(lambda: app.alerts_open, timeout=5)
    assert _dot(app)[3] == 1
    # nothing a visitor could read: the screen's and the bar's texts are as they were
    assert readable() == before
    for name in ("help", "phone", "checkout"):  # on every visitor screen: it is the top bar
        app.go(name)
        kiosk.frames(2)
        assert _dot(app)[3] == 1
    app.home()
    _sign_in(kiosk)
    kiosk.tap(kiosk.current().ids.alerts)
    kiosk.settle()
    kiosk.tap(kiosk.current().ids.rows.children[0].ids.ack)
    kiosk.settle()
    assert open_alerts(app.services.store) == []
    kiosk.wait_for(lambda: not app.alerts_open, timeout=5)
    assert _dot(app)[3] == 0
    actions = [r["action"] for r in app.services.store.query("SELECT action FROM audit_log")]
    assert "alert.acknowledged" in actions


def _with_backup(app):
    settings = app.services.settings
    app.services.settings = settings.replace(
        "reception",
        backup_contact="Security office, ext. 8110",
        backup_channels=("json://127.0.0.1:9/backup",),
    )


def _console_alerts(kiosk):
    _sign_in(kiosk)
    kiosk.tap(kiosk.current().ids.alerts)
    kiosk.settle()
    assert kiosk.screen == "reception_alerts"
    return kiosk.current()


def test_the_unattended_switch_and_what_the_visitor_sees_on_help(kiosk):
    app = kiosk.app
    _staff(app)
    _with_backup(app)
    screen = _console_alerts(kiosk)
    assert screen.ids.desk_status.text == app.t("reception.desk_attended")
    assert screen.ids.desk_back.disabled
    kiosk.tap(screen.ids.leave_15)
    store = app.services.store
    desk = desk_status(store)
    assert desk.unattended and desk.backup_contact == "Security office, ext. 8110"
    assert desk.return_at is not None
    assert "Security office, ext. 8110" in screen.ids.desk_status.text
    # laid out, not clipped to nothing
    kiosk.wait_for(lambda: screen.ids.desk_status.texture_size[1] > 10, timeout=5)
    assert not screen.ids.desk_back.disabled
    actions = [r["action"] for r in store.query("SELECT action FROM audit_log")]
    assert "desk.unattended" in actions
    _lock(kiosk)
    # the visitor: Help says when the desk is back, "ask a person" tells the backup
    kiosk.tap(app.root.ids.sm.get_screen("home").ids.help)
    kiosk.settle()
    help_screen = kiosk.current()
    when = desk.return_at.astimezone(_zone(app)).strftime("%H:%M")
    assert help_screen.ids.desk.text == app.t("help.desk_back_at", time=when)
    kiosk.tap(help_screen.ids.ask)
    assert help_screen.ids.answer.text == app.t(
        "help.asked_backup", contact="Security office, ext. 8110"
    )
    assert help_screen.ids.ask.disabled  # asked: once is enough
    assert [a.kind for a in open_alerts(store)] == ["help_requested"]
    # back at the desk: the visitor sees nothing about it any more
    app.home()
    screen = _console_alerts(kiosk)
    kiosk.tap(screen.ids.desk_back)
    assert not desk_status(store).unattended
    assert screen.ids.desk_status.text == app.t("reception.desk_attended")
    _lock(kiosk)
    kiosk.tap(app.root.ids.sm.get_screen("home").ids.help)
    kiosk.settle()
    assert kiosk.current().ids.desk.text == ""
    kiosk.tap(kiosk.current().ids.ask)
    assert kiosk.current().ids.answer.text == app.t("help.asked")


def test_leaving_the_desk_without_a_configured_backup_says_why(kiosk):
    app = kiosk.app
    _staff(app)
    screen = _console_alerts(kiosk)
    kiosk.tap(screen.ids.leave)
    assert not desk_status(app.services.store).unattended
    assert app.t("reception.no_backup_channel") in kiosk.texts()


def _lock(kiosk):
    """Back to the board, and its lock button."""
    kiosk.tap_text(kiosk.app.t("nav.back"))
    assert kiosk.screen == "reception_board"
    kiosk.tap(kiosk.current().ids.lock)
    assert kiosk.screen == "home"


def _zone(app):
    from zoneinfo import ZoneInfo

    return ZoneInfo(app.services.settings.site.timezone)


assert PIN  # the console's PIN comes from test_reception
