"""Receptionist mode's administration on the real app offscreen: the first admin made on
screen, settings written to the TOML file, the test print, the channel test, staff accounts
and the desk's console role. Services come from the app's own wiring (``build_services``)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kiosk.core.config.errors import DeniedError
from tests.ui.conftest import fresh_database, ui_settings
from tests.ui.test_reception import PIN, _hold_site_name, _sign_in, _staff

ADMIN_PIN = "864209"


def _pad(kiosk, digits):
    """Tap ``digits`` on the current form's digit keypad."""
    pad = kiosk.current().ids.keypad.ids.digits
    for digit in digits:
        key = next(
            w
            for w in pad.walk()
            if getattr(w, "text", None) == digit and w.__class__.__name__ == "Key"
        )
        kiosk.tap(key, settle=False)


def _shown(kiosk, widget):
    """Scroll the settings list until ``widget`` is on screen (as a finger would), return it."""
    from kivy.uix.scrollview import ScrollView

    parent = widget.parent
    while parent is not None and not isinstance(parent, ScrollView):
        parent = parent.parent
    if parent is not None:
        parent.scroll_to(widget, padding=20, animate=False)
        kiosk.frames(3)
    return widget


def _tap_listed(kiosk, widget):
    """A tap on a widget in a scrolling list: the list hands it on after its scroll timeout."""
    import time

    kiosk.tap(_shown(kiosk, widget), settle=False)
    deadline = time.monotonic() + 0.4
    while time.monotonic() < deadline:
        kiosk.frames(1)
    kiosk.settle()


def _type_pins(kiosk, first, second):
    screen = kiosk.current()
    kiosk.tap(screen.ids.pin, settle=False)
    _pad(kiosk, first)
    kiosk.tap(screen.ids.pin_again, settle=False)
    _pad(kiosk, second)


def _admin_signed_in(kiosk):
    app = kiosk.app
    app.services.reception.staff.add("Li Jing", "admin", ADMIN_PIN)
    _hold_site_name(kiosk)
    for digit in ADMIN_PIN:
        kiosk.key(digit)
    kiosk.tap(kiosk.current().ids.enter)
    kiosk.wait_for(lambda: kiosk.screen == "reception_board")
    kiosk.settle()


def _open_settings(kiosk):
    _admin_signed_in(kiosk)
    kiosk.tap(kiosk.current().ids.settings)
    kiosk.wait_for(lambda: kiosk.screen == "reception_settings" and kiosk.current().view)
    kiosk.settle()
    return kiosk.current()


def _audit_actions(app):
    return [r["action"] for r in app.services.store.query("SELECT action FROM audit_log")]


# -- first start ----------------------------------------------------------------------------
def test_first_start_asks_for_the_first_admin_on_screen(kiosk):
    app = kiosk.app
    _hold_site_name(kiosk)
    kiosk.wait_for(lambda: kiosk.screen == "reception_first_admin")
    screen = kiosk.current()
    screen.ids.name.text = "Li Jing"
    _type_pins(kiosk, "24681", "24681")  # too short
    kiosk.tap(screen.ids.create)
    assert screen.ids.message.text == app.t("reception.pin_too_short")
    _type_pins(kiosk, "246813", "246831")  # not the same twice
    kiosk.tap(screen.ids.create)
    assert screen.ids.message.text == app.t("console.pin_mismatch")
    assert not app.services.reception.staff.has_staff()
    _type_pins(kiosk, "246813", "246813")
    kiosk.tap(screen.ids.create)
    kiosk.wait_for(lambda: kiosk.screen == "reception_board")
    (member,) = app.services.reception.staff.members()
    assert (member.name, member.role) == ("Li Jing", "admin")
    assert app.reception.session.staff.id == member.id
    assert _audit_actions(app)[:2] == ["staff.added", "session.opened"]
    # from now on the PIN pad asks for a PIN: no second admin without one
    app.reception.lock()
    _hold_site_name(kiosk)
    kiosk.frames(5)
    kiosk.settle()
    assert kiosk.screen == "reception_pin"
    with pytest.raises(DeniedError):
        app.services.admin.first_admin("Someone", "111111", "111111")


# -- settings -------------------------------------------------------------------------------
def test_a_setting_changed_on_screen_is_in_the_toml_file_and_in_effect(
    kiosk, tmp_path, monkeypatch
):
    config = tmp_path / "kiosk.toml"
    config.write_text('[printer]\nbackend = "file"\n\n[notify]\nescalate_after = 60.0\n')
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    app = kiosk.app
    screen = _open_settings(kiosk)
    assert screen.ids.idle_value.text == app.t("console.seconds", n=45)
    _tap_listed(kiosk, screen.ids.idle_more)
    _tap_listed(kiosk, screen.ids.idle_more)
    _tap_listed(kiosk, screen.ids.default_en)
    _tap_listed(kiosk, screen.ids.eod_less)
    assert screen.ids.idle_value.text == app.t("console.seconds", n=75)
    kiosk.tap(screen.ids.save)
    assert screen.ids.saved.text == app.t("console.saved")
    data = tomllib.loads(config.read_text())
    assert data["kiosk"] == {"idle_timeout": 75.0, "default_language": "en"}
    assert data["checkin"] == {"end_of_day": "21:30"}
    assert data["notify"] == {"escalate_after": 60.0}  # what nobody changed stays
    # in effect without a restart (put in force off the UI thread): the idle reset and the
    # next visitor read them
    kiosk.settle()
    settings = app.services.settings
    assert settings.kiosk.idle_timeout == 75.0
    assert app.services.checkin.settings.checkin.end_of_day == "21:30"
    assert "settings.changed" in _audit_actions(app)
    app.reception.lock()
    assert app.lang == "en"
    assert app.bilingual and not app.root.ids.lang_toggle.disabled


def test_one_visitor_language_hides_the_language_switch(kiosk, tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "kiosk.toml"))
    app = kiosk.app
    screen = _open_settings(kiosk)
    _tap_listed(kiosk, screen.ids.default_en)
    _tap_listed(kiosk, screen.ids.offer_zh)  # English only
    kiosk.tap(screen.ids.save)
    assert screen.ids.saved.text == app.t("console.saved")
    kiosk.settle()  # the saved settings are put in force off the UI thread
    assert app.services.settings.kiosk.languages == ("en",)
    app.reception.lock()
    kiosk.frames(2)
    assert app.lang == "en" and app.root.ids.lang_toggle.disabled
    app.apply_settings(app.services.settings.replace("kiosk", languages=("zh_CN", "en")))
    kiosk.settle()
    assert not app.root.ids.lang_toggle.disabled


def test_a_bad_combination_is_refused_and_the_file_untouched(kiosk, tmp_path, monkeypatch):
    config = tmp_path / "kiosk.toml"
    config.write_text("[kiosk]\nidle_timeout = 45.0\n")
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    app = kiosk.app
    screen = _open_settings(kiosk)
    _tap_listed(kiosk, screen.ids.offer_zh)  # English only, but the default is Chinese
    kiosk.tap(screen.ids.save)
    assert screen.error_key == "console.bad_default", (screen.error_key, screen.values)
    assert app.t("console.bad_default") in kiosk.texts()
    assert config.read_text() == "[kiosk]\nidle_timeout = 45.0\n"


def test_settings_and_staff_are_for_admins_only(kiosk):
    app = kiosk.app
    member = _staff(app)
    _sign_in(kiosk)
    assert kiosk.current().ids.settings.disabled
    for name in ("reception_settings", "reception_staff"):
        app.go(name)
        kiosk.frames(3)
        kiosk.settle()
        assert kiosk.screen == "reception_board"
    with pytest.raises(DeniedError):
        app.services.admin.save(member, {"kiosk.idle_timeout": 60}, app.settings)
    with pytest.raises(DeniedError):
        app.services.admin.add_staff(member, "X", "admin", "111111", "111111")


def test_the_test_print_comes_out_of_the_file_printer(kiosk):
    from PIL import Image

    app = kiosk.app
    screen = _open_settings(kiosk)
    _tap_listed(kiosk, screen.ids.test_print)
    kiosk.wait_for(lambda: screen.print_key == "console.test_print_done", timeout=20)
    assert screen.ids.print_result.text == app.t("console.test_print_done")
    out = Path(app.services.settings.printer.out_dir)
    pngs = sorted(out.glob("*test-print*.png"))
    assert pngs, list(out.iterdir())
    with Image.open(pngs[0]) as image:
        # a real badge was drawn: not blank, with dark text and the QR code
        dark = sum(image.convert("L").histogram()[:80])
        assert dark > 2000
    assert "printer.test_print" in _audit_actions(app)
    # no visit: nothing about it goes to head office
    kinds = [e.kind for e in app.services.store.outbox_after("test-reader", limit=1000)]
    assert "badge.printed" not in kinds


def test_the_channel_test_reaches_a_real_smtp_server(kiosk, tmp_path):
    from tests.integration.notify_servers import SmtpServer

    smtp = SmtpServer().start()
    try:
        settings = ui_settings(tmp_path / "desk").replace(
            "notify", front_desk_urls=(smtp.url("desk@example.com"),)
        )
        # the alert channels of [reception] are tested too, a channel named twice once
        settings = settings.replace(
            "reception",
            desk_channels=(smtp.url("desk@example.com"),),
            security_channels=(smtp.url("guard@example.com"),),
        )
        fresh_database(kiosk.app, tmp_path / "desk", settings=settings)
        screen = _open_settings(kiosk)
        _tap_listed(kiosk, screen.ids.test_channels)
        kiosk.wait_for(lambda: kiosk.app.t("console.channel_ok") in screen.channel_text, 20)
        (message,) = smtp.mailbox.wait_for("desk@example.com")
        (_guard,) = smtp.mailbox.wait_for("guard@example.com")
        site = "示范大厦" if kiosk.app.lang == "zh_CN" else "Demo Tower"
        assert str(message["Subject"]) == kiosk.app.t("console.test_subject", site=site)
        assert "kiosk-1" in message.get_body().get_content()
        assert screen.channel_text.startswith(f"mailto://127.0.0.1:{smtp.port}")
        assert "notify.channel_test" in _audit_actions(kiosk.app)
    finally:
        smtp.stop()


# -- staff accounts --------------------------------------------------------------------------
def test_staff_added_disabled_and_a_pin_reset_from_the_screen(kiosk):
    app = kiosk.app
    staff = app.services.reception.staff
    _open_settings(kiosk)
    kiosk.tap(kiosk.current().ids.staff)
    kiosk.wait_for(lambda: kiosk.screen == "reception_staff" and kiosk.current().members)
    screen = kiosk.current()
    screen.ids.name.text = "Chen Chen"
    kiosk.tap(screen.ids.role_supervisor, settle=False)
    kiosk.tap(screen.ids.lang_en, settle=False)
    _type_pins(kiosk, PIN, PIN)
    kiosk.tap(screen.ids.submit)
    assert screen.done_key == "console.staff_added"
    added = next(m for m in staff.members() if m.name == "Chen Chen")
    assert (added.role, added.language) == ("supervisor", "en")
    # disable: the PIN no longer opens the console
    row = next(r for r in screen.ids.rows.children if r.staff_id == added.id)
    _tap_listed(kiosk, row)
    kiosk.tap(screen.ids.disable)
    assert next(m for m in staff.members(include_disabled=True) if m.id == added.id).disabled
    with pytest.raises(DeniedError):
        staff.enter(PIN)
    # enable again and give a new PIN
    row = next(r for r in screen.ids.rows.children if r.staff_id == added.id)
    if row.state != "down":
        _tap_listed(kiosk, row)
    kiosk.tap(screen.ids.disable)
    kiosk.tap(screen.ids.reset_pin, settle=False)
    _type_pins(kiosk, "975310", "975310")
    kiosk.tap(screen.ids.submit)
    assert screen.done_key == "console.pin_was_reset"
    assert staff.enter("975310").staff.id == added.id
    actions = _audit_actions(app)
    for action in ("staff.added", "staff.disabled", "staff.enabled", "staff.pin_reset"):
        assert action in actions


def test_staff_keep_their_console_language_apart_from_the_visitors(kiosk):
    app = kiosk.app
    member = _staff(app)
    _sign_in(kiosk)
    assert app.lang == "zh_CN"
    kiosk.tap(app.root.ids.lang_toggle)
    assert app.lang == "en"
    assert (
        next(m for m in app.services.reception.staff.members() if m.id == member.id).language
        == "en"
    )
    app.reception.lock()
    assert app.lang == "zh_CN"  # the visitors' default
    assert app.services.settings.kiosk.default_language == "zh_CN"
    _sign_in(kiosk)
    assert app.lang == "en"  # the staff member's own
    assert "staff.language" in _audit_actions(app)


# -- the desk's console ----------------------------------------------------------------------
def test_the_desk_role_starts_at_the_pin_pad_and_returns_to_it(kiosk, tmp_path):
    app = kiosk.app
    settings = ui_settings(tmp_path / "desk").replace("kiosk", role="desk")
    fresh_database(app, tmp_path / "desk", settings=settings)
    _staff(app)
    app.home()
    kiosk.frames(3)
    kiosk.settle()
    assert kiosk.screen == "reception_pin"
    # no visitor screen is offered
    for name in ("home", "phone", "checkout", "help"):
        app.go(name)
        kiosk.frames(2)
        assert kiosk.screen == "reception_pin"
    for digit in PIN:
        kiosk.key(digit)
    kiosk.tap(kiosk.current().ids.enter)
    kiosk.wait_for(lambda: kiosk.screen == "reception_board")
    app.reception.session.idle_seconds = 0.5  # the real session, its 2 minutes made short
    kiosk.wait_for(lambda: kiosk.screen == "reception_pin", timeout=5)
    assert not app.reception.signed_in()
    kiosk.settle()
    assert "session.locked" in _audit_actions(app)


def test_a_console_language_that_cannot_be_kept_says_so(kiosk, monkeypatch):
    from kiosk.core.config.errors import KioskError

    app = kiosk.app
    _staff(app)
    _sign_in(kiosk)

    def refused(*_args, **_kw):
        raise KioskError("database is locked", key="error.storage_corrupt")

    monkeypatch.setattr(app.services.admin, "set_language", refused)
    kiosk.tap(app.root.ids.lang_toggle)
    assert app.lang == "en"  # this screen switches at once
    kiosk.wait_for(lambda: getattr(app, "_message", None) is not None)
    assert app._message.text == app.t("console.language_not_saved")
