"""The name and company steps' field (KWrapField, kiosk/widgets/field.py) through the real
app: a long value wraps and its letters shrink to 28 sp at the least, a short one keeps one
line at 40 sp; Enter goes on as in a one-line field and a pasted line break is a space."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.ui]


def _on_name(kiosk):
    app = kiosk.app
    app.services.flow.set(phone="13800138000")
    app.services.flow.go("name")
    app.go("name")
    kiosk.settle()
    kiosk.frames(3)
    return app.screen("name")


def test_a_long_name_wraps_and_shrinks_to_28_sp_and_a_short_one_does_not(kiosk):
    from kivy.metrics import sp

    screen = _on_name(kiosk)
    field = screen.ids.field
    field.text = "Zhang Wei"
    kiosk.frames(4)
    assert field.lines == 1 and field.font_size == pytest.approx(sp(40))
    assert field.height == pytest.approx(field.minimum_height, abs=2)
    field.text = "Anna-Maria Alexandra Rodriguez-Fernandez de la Cruz y Montes" * 2
    kiosk.frames(4)
    assert field.lines > 1
    assert sp(28) - 0.5 <= field.font_size < sp(40)
    assert field.height >= field.minimum_height - 2  # every line shows
    field.text = ""
    kiosk.frames(4)
    assert field.lines == 1 and field.font_size == pytest.approx(sp(40))


def test_enter_goes_on_and_a_pasted_line_break_is_a_space(kiosk):
    screen = _on_name(kiosk)
    field = screen.ids.field
    field.text = ""
    field.insert_text("Zhang\nWei")
    assert field.text == "Zhang Wei"
    field.insert_text("\n")  # what Enter on a physical keyboard inserts in a multiline field
    kiosk.settle()
    kiosk.frames(3)
    assert field.text == "Zhang Wei"  # no line break typed
    assert kiosk.app.services.flow.form.name == "Zhang Wei"
    assert kiosk.app.manager.current == "company"


def test_the_letters_shrink_step_by_step_as_a_long_name_is_typed(kiosk):
    # each fit measures at the size it tries: a value a little over three lines takes a size
    # between 40 and 28 sp, and a keystroke never flips the size back and forth
    from kivy.metrics import sp

    field = _on_name(kiosk).ids.field
    field.text = ""
    kiosk.frames(2)
    sizes = []
    for word in ("Anna-Maria ", "Alexandra ", "Rodriguez-Fernandez ", "de la Cruz ") * 4:
        field.text += word
        kiosk.frames(2)
        sizes.append(round(field.font_size, 1))
    assert sizes == sorted(sizes, reverse=True), f"the size went up again: {sizes}"
    assert any(sp(28) + 0.5 < s < sp(40) - 0.5 for s in sizes), f"no size between: {sizes}"
    assert field.lines <= field.max_lines or sizes[-1] == pytest.approx(sp(28), abs=0.5)
    field.text = ""
    kiosk.frames(3)  # the field's own refresh after the last size change, before the next test
