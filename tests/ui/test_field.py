"""The kiosk's text field (``kiosk.widgets.field.KField``) through the real app offscreen."""

from __future__ import annotations

import gc

import pytest

pytestmark = pytest.mark.ui


def _textures() -> int:
    from kivy.graphics.texture import Texture

    gc.collect()
    # type(), not isinstance: a weak proxy among the objects raises once its referent is gone
    return sum(1 for o in gc.get_objects() if issubclass(type(o), Texture))


def test_emptied_fields_share_one_blank_line_texture_for_good(kiosk):
    # Kivy's TextInput draws an empty line as a 1x1 texture it keeps in its 60-second
    # ``textinput.label`` cache: a field emptied after that expiry made another, while a field
    # not emptied since kept the old one, one texture more for as long as the app runs (the
    # soak's 475th texture)
    from kivy.cache import Cache

    from kiosk.shell.screens import AHEAD
    from kiosk.widgets.field import KField

    # the check-in's screens, built while home waits, are in place first (their textures are
    # what the app holds from then on, not the fields')
    app = kiosk.app
    app.home()
    kiosk.wait_for(lambda: set(AHEAD) <= {s.name for s in app.screens()}, timeout=30)
    fields = [KField(), KField()]
    for field in fields:
        field.text = "x"
        field.text = ""
    kiosk.frames(2)
    Cache.remove("textinput.label")  # what its timeout does a minute later
    before = _textures()
    fields[0].text = "y"
    fields[0].text = ""
    kiosk.frames(2)
    Cache.remove("textinput.label")  # "y" is no longer drawn: its texture goes
    assert _textures() == before


def test_the_kiosk_fields_hold_no_blank_line_texture_of_their_own(kiosk):
    from kivy.core.text import Label as CoreLabel

    from kiosk.widgets.field import KField

    kiosk.tap(kiosk.current().ids.checkin)  # the phone step: an empty field
    kiosk.keys("139")
    kiosk.app.home()  # its reset empties it
    kiosk.frames(2)
    screens = kiosk.app.screens()
    fields = [w for s in screens for w in s.walk(restrict=True) if isinstance(w, KField)]
    assert fields
    blank = CoreLabel().texture_1px
    for field in fields:
        for texture in field._lines_labels:
            assert texture.size != (1, 1) or texture is blank, field
