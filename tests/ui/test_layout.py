"""Every visitor screen fits (the courier's delivery screens too): four window sizes, both
languages, the longest strings, an error line showing, in the normal look and in large text
(issue 22: "all text >= 1.5x, layouts reflow, nothing cut"). A widget that leaves its parent
or the window, a text cut by its widget, or two buttons/fields on top of each other fail the
test (tests/support/layout_check.py); so do, inside a scrolling column as it shows at the
first frame, a label cut by its own box or a row's label cut beside a whole value, a step's
button or field scrolled away or cut by the column's edge, and a phone, check-out,
invite-code, name or company field that does not show its longest value whole."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.layout_check import field_problems, layout_problems

pytestmark = [pytest.mark.ui, pytest.mark.slow]

SIZES = ((1920, 1080), (1080, 1920), (1280, 800), (1366, 768))
#: the longest a visitor may type: 60 and 100 characters are the limits (validation.py)
LONG_NAME = {
    "zh_CN": ("欧阳娜娜" * 15)[:60],
    "en": "Anna-Maria Alexandra Rodriguez-Fernandez de la Cruz y Montes"[:60],
}
LONG_COMPANY = {
    "zh_CN": ("北京星辰未来智能科技发展有限公司上海分公司" * 5)[:100],
    "en": (
        "Starlight Future Intelligent Technology Development Co. Ltd, "
        "Shanghai Branch, Research and Design Centre"
    )[:100],
}
#: the longest error line of the check-in steps, in both catalogues
LONG_ERROR = "input.phone_international"
#: fields that show the longest value a visitor types whole, so they can check it: a mobile
#: number with its country code, spaced as it is written (the 11-digit form auto-advances),
#: an invitation code as long as head office issues them (8: api/invitation_routes.py), and
#: the longest name and company in either language
WHOLE_VALUE: dict[str, Any] = {
    "phone": "+86 138 0013 8000",
    "checkout": "+86 138 0013 8000",
    "invite_code": "K7PX3MQ9",
    "name": LONG_NAME,
    "company": LONG_COMPANY,
}
VISITOR_SCREENS = (
    "home",
    "phone",
    "name",
    "company",
    "purpose",
    "host",
    "consent",
    "confirm",
    "done",
    "denied",
    "invite_code",
    "invitation",
    "checkout",
    "goodbye",
    # the courier's two screens: a courier reads them standing, as a visitor does
    "delivery",
    "delivery_recipient",
    "directions",
)


def _longest(app: Any, lang: str, screen_name: str) -> None:
    """The longest strings and an error line on the screen set up by the tour's step."""
    screen = app.screen(screen_name)
    field = screen.ids.get("field")
    if field is not None and screen_name in WHOLE_VALUE:
        value = WHOLE_VALUE[screen_name]
        field.text = value[lang] if isinstance(value, dict) else value
    if screen_name == "confirm":
        app.services.flow.set(name=LONG_NAME[lang], company=LONG_COMPANY[lang])
        screen.load()
    if screen_name != "done":
        screen.error_key = LONG_ERROR


def _settle(kiosk: Any, ready: Any) -> None:
    if callable(ready):
        kiosk.wait_for(ready, timeout=15)
    kiosk.settle()
    kiosk.frames(3)


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large_text"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_visitor_screen_fits_at(kiosk, size, large):
    from kivy.core.window import Window

    from kiosk.tour import tour_steps

    app = kiosk.app
    settings = app.services.settings
    problems: list[str] = []
    with kiosk.at_size(size):
        for lang in ("zh_CN", "en"):
            # the tour's steps go home, which returns to the default language
            app.services.settings = settings.replace("kiosk", default_language=lang)
            app.home()
            steps = dict(tour_steps(app))
            for name in VISITOR_SCREENS:
                _settle(kiosk, steps[name]())
                app.theme.set_mode("large", large)  # after the step: going home resets it
                _longest(app, lang, name)
                kiosk.frames(8 if large else 3)  # a mode's layout settles over a few frames
                current = app.manager.current_screen
                found = layout_problems(app.root, Window.size)
                if name in WHOLE_VALUE:
                    found += field_problems(current.ids.field)
                mode = "large " if large else ""
                problems += [f"{mode}{lang} {current.name}: {p}" for p in found]
            # the directions search with a full list of results and its error line
            search = app.screen("directions")
            search.search_again()
            search.ids.field.text = "l"
            search.error_key = "directions.unavailable"
            kiosk.frames(8 if large else 3)
            found = layout_problems(app.root, Window.size)
            problems += [f"{mode}{lang} directions search: {p}" for p in found]
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_portrait_home_fits_in_large_text_lowered(kiosk, lang):
    """Large text and the lowered screen at once on a portrait panel: the home tiles keep
    their text whole in what the lowered gap leaves them."""
    from kivy.core.window import Window

    app = kiosk.app
    settings = app.services.settings
    with kiosk.at_size((1080, 1920)):
        app.services.settings = settings.replace("kiosk", default_language=lang)
        app.home()
        app.theme.set_mode("large", True)
        app.theme.set_mode("lowered", True)
        kiosk.frames(8)
        problems = layout_problems(app.root, Window.size)
    assert not problems, "\n".join(problems[:40])
