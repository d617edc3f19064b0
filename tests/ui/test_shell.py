"""The kiosk shell on the real app: navigation, language switch, idle reset, lock-down."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.ui


@pytest.mark.parametrize(
    ("tile", "screen"),
    [
        ("checkin", "phone"),
        ("checkout", "checkout"),
        ("directions", "directions"),
        ("help", "help"),
    ],
)
def test_each_home_button_opens_its_screen(kiosk, tile, screen):
    home = kiosk.current()
    kiosk.tap(home.ids[tile])
    assert kiosk.screen == screen


def test_language_switch_changes_every_visible_text_at_once(kiosk):
    app = kiosk.app
    assert app.lang == "zh_CN"
    tile = kiosk.current().ids.checkin
    assert tile.text.startswith("访客登记")
    kiosk.tap(app.root.ids.lang_toggle)
    assert app.lang == "en"
    assert tile.text.startswith("Check in")
    assert "Welcome" in kiosk.texts()
    kiosk.tap(kiosk.current().ids.checkin)
    assert kiosk.screen == "phone"
    assert "Your mobile number" in kiosk.texts()
    kiosk.tap(app.root.ids.lang_toggle)
    assert "您的手机号" in kiosk.texts()


def test_idle_countdown_returns_home_and_clears_what_was_typed(kiosk):
    app = kiosk.app
    app.services.settings = app.services.settings.replace(
        "kiosk", idle_timeout=0.6, idle_countdown=0.6
    )
    kiosk.tap(kiosk.current().ids.checkin)
    kiosk.keys("1391234")
    assert kiosk.current().ids.field.text == "1391234"
    kiosk.wait_for(lambda: app.idle.overlay is not None, timeout=15)
    overlay_texts = [w.text for w in app.idle.overlay.walk() if getattr(w, "text", "")]
    assert any("您还在吗" in t for t in overlay_texts)
    kiosk.wait_for(lambda: kiosk.screen == "home", timeout=15)
    assert app.screen("phone").ids.field.text == ""
    assert app.services.flow.form.phone == ""
    assert app.idle.overlay is None


def test_continue_keeps_the_visitor_where_they_were(kiosk):
    app = kiosk.app
    app.services.settings = app.services.settings.replace(
        "kiosk", idle_timeout=0.5, idle_countdown=5
    )
    kiosk.tap(kiosk.current().ids.checkin)
    kiosk.keys("139")
    kiosk.wait_for(lambda: app.idle.overlay is not None, timeout=15)
    kiosk.tap(app.idle.overlay.ids.continue_button)
    assert app.idle.overlay is None
    assert kiosk.screen == "phone"
    assert kiosk.current().ids.field.text == "139"


def test_escape_close_request_and_alt_f4_do_not_leave_the_kiosk(kiosk):
    from kivy.core.window import Window

    app = kiosk.app
    kiosk.tap(kiosk.current().ids.help)
    assert kiosk.press_key(27) is True
    assert kiosk.press_key(285, ["alt"]) is True
    assert Window.dispatch("on_request_close") is True
    kiosk.frames(2)
    assert app.test_stopped == []
    assert kiosk.screen == "help"


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)])
def test_touch_targets_are_at_least_90_px_tall(kiosk, size):
    from kivy.core.window import Window
    from kivy.uix.button import Button

    app = kiosk.app
    before = Window.size
    Window.size = size
    try:
        kiosk.frames(3)
        for name in (
            "home",
            "phone",
            "name",
            "company",
            "purpose",
            "host",
            "consent",
            "confirm",
            "checkout",
            "invite_code",
            "directions",
            "help",
            "delivery",
            "delivery_recipient",
        ):
            app.go(name)
            kiosk.frames(3)
            assert tuple(Window.size) == size
            small = [
                (w.text, w.height)
                for root in app.root_window.children
                for w in root.walk(restrict=False)
                if isinstance(w, Button) and w.opacity > 0 and w.text and w.height < 90
            ]
            assert not small, f"{name} at {size}: {small}"
    finally:
        Window.size = before
        kiosk.frames(3)


def test_a_physical_keyboard_types_into_the_focused_field(kiosk):
    kiosk.tap(kiosk.current().ids.checkin)
    kiosk.type_slowly("13912345")
    assert kiosk.current().ids.field.text == "13912345"


def test_a_scan_while_a_field_has_focus_leaves_no_trace_in_it(kiosk):
    from kiosk.core.visits.checkin import CheckinForm

    services = kiosk.app.services
    result = services.checkin.check_in(
        CheckinForm(
            name="韩信", phone="13912349876", purpose="meeting", host_id="h005", consent=True
        )
    )
    kiosk.tap(kiosk.current().ids.checkout)
    kiosk.type_slowly("139")
    kiosk.scan(result.visit.badge_code)
    assert kiosk.screen == "goodbye"
    assert kiosk.app.screen("checkout").ids.field.text == "139"


def test_the_top_bar_names_the_site_as_head_office_last_renamed_it(kiosk):
    from kiosk.core.events import SiteUpdated
    from sync.apply import apply_change
    from sync.protocol import ChangeOut

    app = kiosk.app
    services = app.services
    site_id = services.settings.site.id
    assert app.site_name == services.settings.site.name_zh
    renamed = SiteUpdated(
        site_id=site_id, name_zh="东方大厦", name_en="Orient Tower", timezone="America/New_York"
    )
    change = ChangeOut(
        cursor=1, kind=renamed.kind, entity_id=site_id, hlc="", payload=renamed.payload()
    )
    # what the sync worker does with a pulled page: apply it, commit, then tell its listeners
    with services.store.transaction() as tx:
        assert apply_change(services.records, tx, change, site_id=site_id, kiosk_id="k")
    app.status_bar.pulled(frozenset({"site.updated"}))
    kiosk.wait_for(lambda: app.site_name == "东方大厦")
    kiosk.tap(app.root.ids.lang_toggle)
    assert app.site_name == "Orient Tower"
    zone = services.clock.now().astimezone(ZoneInfo("America/New_York"))
    kiosk.wait_for(lambda: app.now_text == zone.strftime("%H:%M"))
    kiosk.tap(app.root.ids.lang_toggle)
    assert app.site_name == "东方大厦"
