"""No way into the console without a PIN (issue 15, "Bad input and faults"), on the real app
offscreen: on every visitor screen, long presses on the corners, the centre and the site name,
a corner pattern, and the physical keyboard (digits of a real PIN, Enter, Escape, function
keys, shortcuts); and 1,000 random taps on the PIN pad neither unlock it nor crash it."""

from __future__ import annotations

import random
import time

import pytest

from kiosk.core.reception import audit
from kiosk.shell import reception as reception_shell
from kiosk.shell.reception import CONSOLE
from kiosk.shell.screens import SCREENS
from tests.ui.test_reception import PIN, _staff

# the console's screens (emergency_rollcall among them) open only behind the PIN
VISITOR_SCREENS = [
    name
    for name, _, _ in SCREENS
    if not name.startswith("reception_") and name not in reception_shell.CONSOLE
]
#: the hold that opens the PIN pad, shortened for the test (the same code path, read at touch)
HOLD = 0.15


def _press(kiosk, points, seconds):
    """Fingers down at ``points`` (window coordinates) together, held for ``seconds``."""
    from kivy.tests.common import UnitTestTouch

    touches = [UnitTestTouch(x, y) for x, y in points]
    for touch in touches:
        touch.touch_down()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        kiosk.frames(1)
        time.sleep(0.01)
    for touch in touches:
        touch.touch_up()
    kiosk.frames(2)


def _dismiss_messages(kiosk):
    """Tap away the calm messages the keys left ("not a badge"), as a visitor would."""
    from kivy.core.window import Window
    from kivy.uix.modalview import ModalView

    while any(isinstance(w, ModalView) for w in Window.children):
        _press(kiosk, [(Window.width / 2, Window.height / 2)], 0.02)


def _not_in(kiosk):
    app = kiosk.app
    assert kiosk.screen not in CONSOLE, kiosk.screen
    assert not app.reception.signed_in()


def _corners(app):
    from kivy.core.window import Window

    w, h = Window.size
    return [(4, 4), (w - 4, 4), (w - 4, h - 4), (4, h - 4)]


@pytest.mark.slow
def test_no_gesture_on_any_visitor_screen_opens_the_console(kiosk, monkeypatch):
    from kivy.core.window import Window

    app = kiosk.app
    _staff(app)
    monkeypatch.setattr(reception_shell, "HOLD_SECONDS", HOLD)
    label = app.root.ids.site_name
    for name in VISITOR_SCREENS:
        app.go(name)
        kiosk.frames(2)
        w, h = Window.size
        # long presses: every corner and the centre at once (five fingers, each its own
        # touch down, hold and up)
        _press(kiosk, [*_corners(app), (w / 2, h / 2)], HOLD * 3)
        _not_in(kiosk)
        # a corner pattern: quick taps round the corners
        for corner in _corners(app):
            _press(kiosk, [corner], 0.02)
        _not_in(kiosk)
        # the documented entry, held: it opens the PIN pad and nothing more
        _press(kiosk, [label.to_window(*label.center)], HOLD * 3)
        assert kiosk.screen == "reception_pin", name
        _not_in(kiosk)
        app.home()
        kiosk.frames(2)


#: Enter, Escape, Tab, Backspace, F1-F12, and keys a kiosk's maintainer might try
_KEYS = [13, 27, 9, 8, *range(282, 294), 127, 278, 279]
_SHORTCUTS = [["ctrl"], ["alt"], ["ctrl", "alt"], ["ctrl", "shift"], ["meta"]]


@pytest.mark.slow
def test_the_physical_keyboard_gives_no_way_in_on_any_visitor_screen(kiosk):
    from kivy.core.window import Window

    app = kiosk.app
    _staff(app)
    for name in VISITOR_SCREENS:
        app.go(name)
        kiosk.frames(2)
        # the staff PIN typed on a physical keyboard, slowly and as a burst, then Enter
        kiosk.type_slowly(PIN, gap=0.01)
        kiosk.press_key(13)
        kiosk.frames(2)
        kiosk.settle()
        _not_in(kiosk)
        for ch in PIN:
            Window.dispatch("on_textinput", ch)
        kiosk.press_key(13)
        kiosk.frames(2)
        kiosk.settle()
        _not_in(kiosk)
        for key in _KEYS:
            kiosk.press_key(key)
            for mods in _SHORTCUTS:
                kiosk.press_key(key, mods)
        for letter in "rspk":  # ctrl+r, alt+s, ... as letters
            for mods in _SHORTCUTS:
                kiosk.press_key(ord(letter), mods)
        kiosk.frames(2)
        kiosk.settle()
        _not_in(kiosk)
        assert kiosk.screen != "reception_pin"  # the keyboard does not even open the pad
        _dismiss_messages(kiosk)
        app.home()
        kiosk.frames(2)


@pytest.mark.slow
def test_a_thousand_random_taps_on_the_pin_pad_never_unlock_and_never_crash(kiosk, monkeypatch):
    from kivy.tests.common import UnitTestTouch

    app = kiosk.app
    _staff(app)
    monkeypatch.setattr(reception_shell, "HOLD_SECONDS", HOLD)
    label = app.root.ids.site_name
    _dismiss_messages(kiosk)
    _press(kiosk, [label.to_window(*label.center)], HOLD * 3)
    kiosk.settle()
    assert kiosk.screen == "reception_pin"
    pad = kiosk.current()
    buttons = [w for w in pad.ids.keyboard.walk() if w.__class__.__name__ == "Key" and w.text != ""]
    buttons.append(pad.ids.enter)
    x0, y0 = pad.ids.keyboard.to_window(*pad.ids.keyboard.pos)
    width, height = pad.ids.keyboard.size
    rng = random.Random(15)
    enters = 0
    for i in range(1000):
        if rng.random() < 0.8:
            target = rng.choice(buttons)
            if target.disabled:
                continue
            x, y = target.to_window(*target.center)
            enters += target is pad.ids.enter
        else:  # anywhere on the pad, between keys too
            x, y = x0 + rng.random() * width, y0 + rng.random() * height
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        if i % 10 == 0:
            kiosk.frames(1)
        if i % 50 == 0:
            kiosk.settle()
            _not_in(kiosk)
            assert kiosk.screen == "reception_pin"
    kiosk.settle()
    _not_in(kiosk)
    assert kiosk.screen == "reception_pin"
    assert enters > 20  # Enter taps while a check ran found it disabled
    store = app.services.store
    failed = store.query("SELECT count(*) FROM audit_log WHERE action = 'pin.failed'")[0][0]
    assert failed >= 5  # the tries were checked, and the lockout took over
    assert [a.kind for a in app.services.reception.actions.alerts()].count("pin_lockout") >= 1
    assert audit.verify(store).ok
    # still alive and well: the pad is empty and the visitor screens answer
    assert pad.ids.field.text == "" or pad.ids.field.text.isdigit()
    app.home()
    kiosk.frames(2)
    kiosk.tap(app.root.ids.sm.get_screen("home").ids.help)
    assert kiosk.screen == "help"
