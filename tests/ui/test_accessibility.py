"""The accessibility modes on the real app (issue 22): the switch on home and every check-in
step, large text, high contrast and lowered through the one theme, reset at idle; contrast
and text height measured on the rendered pixels (tests/support/contrast.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.contrast import measure, ratio

pytestmark = pytest.mark.ui

#: the check-in steps, each with the switch in its header
STEPS = ("phone", "name", "company", "purpose", "host", "consent")


def _access_bar(screen: Any) -> Any:
    return next(w for w in screen.walk() if w.__class__.__name__ == "AccessBar")


def _panel(app: Any) -> Any:
    from kiosk.widgets.access import AccessPanel

    return next(w for w in app.root_window.children if isinstance(w, AccessPanel))


def _switch(kiosk: Any, mode: str) -> None:
    """Open the panel from the current screen's switch, tap ``mode``'s toggle, close it."""
    kiosk.tap(_access_bar(kiosk.current()).ids.access)
    panel = _panel(kiosk.app)
    kiosk.tap(panel.ids[mode])
    kiosk.tap(panel.ids.done)


def _texture_box(widget: Any, window_height: int) -> tuple[int, int, int, int]:
    """Where the widget's text is drawn, in screenshot pixels (left, top, right, bottom)."""
    tw, th = widget.texture_size
    cx, cy = widget.to_window(*widget.center)
    w, h = min(tw, widget.width), min(th, widget.height)
    left, right = cx - w / 2, cx + w / 2
    top, bottom = window_height - (cy + h / 2), window_height - (cy - h / 2)
    return int(left), int(top), int(right + 0.999), int(bottom + 0.999)


def _shot(kiosk: Any, path: Path) -> Any:
    from PIL import Image

    kiosk.frames(3)
    return Image.open(kiosk.screenshot(path))


@pytest.mark.slow  # builds every step's screen with its keyboard: about 15 s on its own
def test_the_switch_is_on_home_and_every_step_and_idle_resets_the_modes(kiosk):
    app = kiosk.app
    settings = app.services.settings
    bar = _access_bar(kiosk.current())
    for button in (bar.ids.access, bar.ids.speak):
        assert button.height >= 90 and button.width >= 90, "a touch target under 90 px"
    texts = [w.text for w in bar.walk() if getattr(w, "text", "")]
    assert any("无障碍" in t and "Accessibility" in t for t in texts)
    title = next(w for w in kiosk.current().walk() if getattr(w, "text", "") == "欢迎光临")
    normal_size = title.font_size
    _switch(kiosk, "large")
    _switch(kiosk, "contrast")
    theme = app.theme
    assert theme.large and theme.contrast and title.font_size == pytest.approx(normal_size * 1.5)
    kiosk.tap(kiosk.current().ids.checkin)
    for name in STEPS:  # every step shows the switch, 90 px tall, in the mode chosen
        app.go(name)
        kiosk.frames(2)
        bar = _access_bar(kiosk.current())
        assert bar.opacity == 1 and bar.ids.access.height >= 90, name
    app.go("phone")
    kiosk.frames(2)
    _switch(kiosk, "lowered")
    assert theme.lowered
    app.services.settings = settings.replace("kiosk", idle_timeout=0.5, idle_countdown=0.5)
    try:
        kiosk.wait_for(lambda: kiosk.screen == "home", timeout=15)
    finally:
        app.services.settings = settings
    assert not (theme.large or theme.contrast or theme.lowered), "the next visitor's modes"
    assert title.font_size == normal_size


def _main_texts(screen: Any) -> list[Any]:
    """The labels and buttons a visitor reads first: titles, hints, tiles, Next, the keys."""
    from kivy.uix.label import Label

    def shown(w: Any) -> bool:
        while w is not None and w is not screen:
            if w.opacity == 0:
                return False
            w = w.parent
        return True

    picked = []
    for w in screen.walk():
        # a step still to come on the progress bar is a disabled button: read all the same
        if not isinstance(w, Label) or not w.text or not shown(w):
            continue
        if w.get_root_window() is None or w.texture_size[1] < 10:
            continue
        picked.append(w)
    return picked


@pytest.mark.slow  # four screenshots measured: about 6 s each
@pytest.mark.parametrize("contrast", [False, True], ids=["normal", "high_contrast"])
def test_text_contrast_measured_on_the_pixels(kiosk, tmp_path, contrast):
    from kivy.core.window import Window

    app = kiosk.app
    need = 7.0 if contrast else 4.5
    problems: list[str] = []
    checked = 0
    for name in ("home", "phone", "name", "purpose"):
        if name == "home":
            app.home()
        else:
            app.go(name)
        app.theme.set_mode("contrast", contrast)
        image = _shot(kiosk, tmp_path / f"{name}.png")
        for widget in _main_texts(kiosk.current()):
            found = measure(image, _texture_box(widget, Window.height))
            checked += 1
            if found.ratio < need:
                problems.append(f"{name} {widget.text[:24]!r}: {found.ratio:.1f}:1 {found}")
    assert checked >= 40, f"only {checked} texts measured"
    assert not problems, "\n".join(problems)


#: the least ratio of a text's ink height in large text to its height in the normal look:
#: 1.5x, less one pixel of each height's rounding to whole rows
def _half_again(normal: int) -> int:
    return round(normal * 1.5) - 2


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)], ids=["1920x1080", "1280x800"])
def test_large_text_is_half_again_as_tall_on_the_pixels(kiosk, tmp_path, size):
    """1.5x on the big panel and on the small one too (issue 22: "all text >= 1.5x"), each
    text measured from the screenshot's rows of ink."""
    from kivy.core.window import Window

    app = kiosk.app
    heights: dict[str, list[int]] = {}
    Window.size = size
    try:
        for large in (False, True):
            for name in ("home", "phone"):
                if name == "home":
                    app.home()
                else:
                    app.go(name)
                app.theme.set_mode("large", large)
                image = _shot(kiosk, tmp_path / f"{name}-{large}.png")
                screen = kiosk.current()
                ids = screen.ids
                if name == "home":
                    picked = {"check-in tile": ids.checkin, "check-out tile": ids.checkout}
                else:
                    picked = {"Next": ids.next}
                wanted = ("欢迎光临", "您的手机号")  # the titles (no wrapping at any size)
                picked |= {w.text: w for w in screen.walk() if getattr(w, "text", "") in wanted}
                for what, widget in picked.items():
                    # the first line: a small panel's large tile drops its second language's
                    lines = measure(image, _texture_box(widget, Window.height)).lines
                    heights.setdefault(what, []).append(lines[0] if lines else 0)
    finally:
        app.theme.reset()
        Window.size = (1920, 1080)
        app.home()
        kiosk.frames(3)
    assert len(heights) == 5, heights
    for what, (normal, large) in heights.items():
        assert normal >= 20, f"{what}: {normal} px tall in normal mode"
        assert large >= _half_again(normal), f"{what}: {normal} px -> {large} px in large text"
    print("ink heights (normal, large):", heights)


def test_lowered_puts_keys_and_next_in_the_lower_half_of_a_portrait_screen(kiosk):
    from kivy.core.window import Window

    app = kiosk.app
    Window.size = (1080, 1920)
    try:
        for name in ("phone", "name"):
            app.go(name)
            app.theme.set_mode("lowered", True)
            kiosk.frames(4)
            screen = kiosk.current()
            keys = [w for w in screen.ids.keyboard.walk() if w.__class__.__name__ == "Key"]
            assert keys
            for widget in (*keys, screen.ids.next, screen.ids.field):
                _, y = widget.to_window(*widget.center)
                assert y < Window.height / 2, f"{name}: {widget} centred {y:.0f} px up"
            back = screen.walk()
            back = next(w for w in back if getattr(w, "text", "") == "‹ 返回")
            _, top = back.to_window(back.x, back.top)
            assert top < Window.height * 0.7, "Back stays out of reach"
    finally:
        Window.size = (1920, 1080)
        app.home()
        kiosk.frames(3)


def test_the_high_contrast_palette_pairs_reach_7_to_1():
    """The palette's own text/background pairs (what the pixel test measures on screens)."""
    from kiosk.shell.theme import PALETTES

    pairs = (
        ("text", "bg"),
        ("muted", "bg"),
        ("error", "bg"),
        ("ok", "bg"),
        ("warn", "bg"),
        ("accent", "bg"),
        ("primary_text", "primary"),
        ("text", "quiet"),
        ("text", "key"),
        ("text", "surface"),
        ("accent", "done_bg"),
        ("todo_text", "todo_bg"),
        ("primary", "bg"),
    )
    for palette, need in (("normal", 4.5), ("contrast", 7.0)):
        colours = PALETTES[palette]
        for fg, bg in pairs:
            if palette == "normal" and (fg, bg) == ("primary", "bg"):
                continue  # normal: primary is a button colour, never text on the background
            assert ratio(colours[fg], colours[bg]) >= need, (palette, fg, bg)


class HeldSpeaker:
    """A speaker that records what it is asked to say and holds each utterance until the test
    lets it go, so the test sees whether the UI thread waits for it."""

    def __init__(self) -> None:
        import threading

        self.said: list[tuple[str, str, str]] = []
        self.stops = 0
        self.release = threading.Event()

    def say(self, text: str, lang: str) -> None:
        import threading

        self.said.append((text, lang, threading.current_thread().name))
        self.release.wait(10)

    def stop(self) -> None:
        self.stops += 1


def test_the_speaker_button_reads_the_instruction_off_the_ui_thread(kiosk):
    from kiosk.core.config.i18n import translate

    app = kiosk.app
    speaker = HeldSpeaker()
    app.services.speaker = speaker
    app.rewire()  # the app's own wiring: the button shows once there is a voice
    try:
        kiosk.frames(2)
        kiosk.tap(_access_bar(kiosk.current()).ids.speak)
        kiosk.wait_for(lambda: len(speaker.said) == 1)
        text, lang, thread = speaker.said[0]
        assert (text, lang) == (
            translate("home.welcome", "zh_CN") + " " + translate("home.prompt", "zh_CN"),
            "zh_CN",
        )
        assert thread == "speech"
        kiosk.frames(3)  # frames go on while the voice still speaks: nothing waits for it
        speaker.release.set()
        app.go("phone")
        app.set_language("en")
        kiosk.frames(2)
        speaker.release.clear()
        kiosk.tap(_access_bar(kiosk.current()).ids.speak)
        kiosk.wait_for(lambda: len(speaker.said) == 2)
        expected = translate("phone.title", "en") + " " + translate("phone.hint", "en")
        assert speaker.said[1][:2] == (expected, "en")
        stops = speaker.stops
        app.home()  # the next visitor hears nothing of the last one's screen
        assert speaker.stops > stops
    finally:
        speaker.release.set()


def test_without_a_voice_the_speaker_button_is_not_shown(kiosk):
    app = kiosk.app
    app.services.speaker = None
    app.rewire()
    kiosk.frames(2)
    speak = _access_bar(kiosk.current()).ids.speak
    assert speak.opacity == 0 and speak.disabled and speak.width == 0
    assert _access_bar(kiosk.current()).ids.access.opacity == 1


@pytest.mark.slow  # 16 screens twice at two sizes: about 35 s
@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)], ids=["1920x1080", "1080x1920"])
def test_large_text_and_lowered_fit_the_home_screen_and_the_steps(kiosk, size):
    """Nothing cut, nothing outside its parent, no two buttons on top of each other
    (tests/support/layout_check.py) in large text and lowered, both languages."""
    from kivy.core.window import Window

    from kiosk.tour import tour_steps
    from kiosk.tour_access import ACCESS_SCREENS
    from tests.support.layout_check import layout_problems
    from tests.ui.test_layout import _settle

    app = kiosk.app
    settings = app.services.settings
    Window.size = size
    problems: list[str] = []
    try:
        for lang in ("zh_CN", "en"):
            app.services.settings = settings.replace("kiosk", default_language=lang)
            app.home()
            steps = dict(tour_steps(app))
            for mode in ("large", "lowered"):
                for name in ACCESS_SCREENS:
                    _settle(kiosk, steps[name]())
                    app.theme.set_mode(mode, True)
                    kiosk.frames(8)  # the layout settles over a few frames after a mode
                    found = layout_problems(app.root, Window.size)
                    problems += [f"{mode} {lang} {name}: {p}" for p in found]
                    app.theme.reset()
    finally:
        app.services.settings = settings
        Window.size = (1920, 1080)
        app.home()
        kiosk.frames(3)
    assert not problems, "\n".join(problems[:40])
