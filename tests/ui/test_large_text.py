"""Large text makes every text larger by half (issue 22: "all text >= 1.5x"): on every visitor
screen (the courier's two delivery screens and the directions error line too: the walk of
tests/ui/test_layout.py), at the four window sizes, in both languages, each label's and
button's font size in large text is compared with the same widget's in the normal look, the
keyboards included (the name, company and host search steps in pinyin with candidates
showing, and in English)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.test_layout import SIZES, VISITOR_SCREENS, _longest, _settle

pytestmark = [pytest.mark.ui, pytest.mark.slow]

#: the least large text may be of the normal size
RATIO = 1.5
#: a font size is a whole pixel count once rendered
ROUNDING = 1.0
KEYBOARD_SCREENS = ("name", "company", "host")


def _texts(root: Any) -> dict[int, tuple[Any, float]]:
    """Every label and button drawn with text (what scrolls included), by identity."""
    from kivy.uix.label import Label

    out: dict[int, tuple[Any, float]] = {}

    def visit(w: Any) -> None:
        if w.opacity <= 0 or w.width <= 0 or w.height <= 0:
            return
        if isinstance(w, Label) and w.text.strip():
            out[id(w)] = (w, float(w.font_size))
        for child in w.children:
            visit(child)

    visit(root)
    return out


def _keyboard_states(screen: Any) -> list[tuple[str, Any]]:
    """The screen as it is, and for a keyboard's steps its pinyin candidates and English keys."""
    keyboard = screen.ids.get("keyboard")
    if keyboard is None or screen.name not in KEYBOARD_SCREENS:
        return [("", lambda: None)]

    def pinyin() -> None:
        keyboard.clear()
        keyboard.mode = "pinyin"
        for letter in "zhang":
            keyboard.press(letter)

    def english() -> None:
        keyboard.clear()
        keyboard.mode = "english"

    return [(" pinyin", pinyin), (" english", english)]


#: the least room a step's title has a line, in characters of its font size: beside Back and
#: the switch's two labelled buttons, 您要拜访谁？ once took one character a line at 1080x1920
TITLE_CHARS = 6


def _squeezed(root: Any) -> list[str]:
    """Each step header whose title has room for fewer than ``TITLE_CHARS`` characters a line."""
    out = []

    def visit(w: Any) -> None:
        title = getattr(w, "ids", {}).get("header_title")
        header = type(w).__name__ == "StepHeader" and title is not None and w.opacity > 0
        if header and title.width < title.font_size * TITLE_CHARS:
            out.append(
                f"title {title.text!r} {title.width:.0f} px wide at {title.font_size:.0f} px "
                f"(room for {title.width / title.font_size:.1f} characters a line)"
            )
        for child in w.children:
            visit(child)

    visit(root)
    return out


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_large_text_is_half_as_large_again_at(kiosk, size):

    from kiosk.tour import tour_steps

    app = kiosk.app
    settings = app.services.settings
    problems: list[str] = []
    checked = 0
    # as on a kiosk with a voice and a sound card: the speaker's labelled button beside the
    # switch's (the test app has no audio device, which takes it away)
    voice = app.speech_available
    app.speech_available = True
    try:
        with kiosk.at_size(size):
            for lang in ("zh_CN", "en"):
                app.services.settings = settings.replace("kiosk", default_language=lang)
                app.home()
                steps = dict(tour_steps(app))
                for name in VISITOR_SCREENS:
                    _settle(kiosk, steps[name]())
                    screen = app.manager.current_screen
                    for state, apply in _keyboard_states(screen):
                        app.theme.set_mode("large", False)
                        _longest(app, lang, name)
                        apply()
                        kiosk.frames(8)
                        normal = _texts(app.root)
                        app.theme.set_mode("large", True)
                        kiosk.frames(8)  # a mode's layout settles over a few frames
                        large = _texts(app.root)
                        problems.extend(f"{lang} {name}{state}: {m}" for m in _squeezed(app.root))
                        for key, (w, size_normal) in normal.items():
                            if key not in large:
                                continue
                            checked += 1
                            size_large = large[key][1]
                            if size_large < size_normal * RATIO - ROUNDING:
                                text = w.text[:20]
                                problems.append(
                                    f"{lang} {name}{state}: {w.__class__.__name__} {text!r} "
                                    f"in {w.parent.__class__.__name__}: "
                                    f"{size_large:.0f} px in large text, {size_normal:.0f} px "
                                    f"normally ({size_large / size_normal:.2f}x)"
                                )
    finally:
        app.speech_available = voice
    assert checked > 500, f"only {checked} texts compared"
    assert not problems, "\n".join(problems[:60])
