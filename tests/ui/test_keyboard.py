"""The on-screen keyboard in the real app, offscreen: English and mixed text (Shift, caps lock,
digits, hyphen, apostrophe, period), Title Case, candidate paging and the "more" view, the
writing pad, and Next never committing a composition the visitor did not choose."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

STROKES = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "handwriting" / "strokes.json").read_text(
        encoding="utf-8"
    )
)


def _to_name_screen(kiosk, english: bool):
    if english:
        kiosk.tap(kiosk.app.root.ids.lang_toggle)
    kiosk.tap(kiosk.current().ids.checkin)
    kiosk.keys("13912340077")
    kiosk.wait_for(lambda: kiosk.screen == "name")
    return kiosk.current()


def test_shift_caps_digits_and_punctuation_in_english(kiosk):
    screen = _to_name_screen(kiosk, english=True)
    board = screen.ids.keyboard
    assert board.mode == "english"
    kiosk.tap(board.ids.shift_key)
    kiosk.keys("A")  # the keys show capitals while Shift is on
    kiosk.keys("nna")  # Shift was for one letter
    kiosk.key("-")
    kiosk.tap(board.ids.shift_key)
    kiosk.keys("Maria")
    kiosk.tap_text("Space")
    kiosk.keys("o")
    kiosk.key("'")
    kiosk.tap(board.ids.caps_key)
    kiosk.keys("NEILL")
    kiosk.tap(board.ids.caps_key)
    kiosk.keys(".3")
    assert screen.ids.field.text == "Anna-Maria o'NEILL.3"


def test_title_case_is_offered_for_a_name_typed_in_lower_case(kiosk):
    screen = _to_name_screen(kiosk, english=True)
    kiosk.keys("anna")
    kiosk.tap_text("Space")
    kiosk.keys("o'neill")
    assert screen.ids.field.text == "anna o'neill"  # as typed
    kiosk.candidate("Anna O'Neill")
    assert screen.ids.field.text == "Anna O'Neill"


def test_digits_and_capitals_mix_with_pinyin(kiosk):
    screen = _to_name_screen(kiosk, english=False)
    kiosk.tap_text("下一步")  # nothing typed: the name step asks for a name
    kiosk.keys("zhangwei")
    kiosk.candidate("张伟")
    kiosk.tap_text("下一步")
    assert kiosk.screen == "company"
    screen = kiosk.current()
    kiosk.keys("58")
    kiosk.keys("tong")
    kiosk.candidate("同")
    kiosk.keys("cheng")
    kiosk.candidate("城")
    kiosk.tap(screen.ids.keyboard.ids.shift_key)
    kiosk.keys("M")
    assert screen.ids.field.text == "58同城M"


def test_next_with_an_open_composition_asks_instead_of_guessing(kiosk):
    screen = _to_name_screen(kiosk, english=False)
    kiosk.keys("zhangwei")
    kiosk.tap_text("下一步")
    assert kiosk.screen == "name"
    assert screen.ids.field.text == ""  # nothing committed behind the visitor's back
    assert screen.error_key == "keyboard.choose_first"
    kiosk.candidate("张伟")
    kiosk.tap_text("下一步")
    assert kiosk.screen == "company"
    assert kiosk.app.services.flow.form.name == "张伟"


def test_paging_and_the_more_view_reach_every_character(kiosk):
    screen = _to_name_screen(kiosk, english=False)
    board = screen.ids.keyboard
    bar = board.ids.candidate_bar
    kiosk.keys("wang")
    kiosk.candidate("王")
    kiosk.keys("jie")
    first_page = [c.text for c in bar.visible]
    assert bar.count_text.startswith("1/")
    kiosk.tap(bar.ids.next)
    assert bar.count_text.startswith("2/")
    assert [c.text for c in bar.visible] != first_page
    kiosk.tap(bar.ids.previous)
    assert [c.text for c in bar.visible] == first_page
    kiosk.tap(bar.ids.more)
    view = bar.more_view
    assert view is not None and view.count >= 60  # every character read "jie"
    listed = [c.text for c in view.items]
    view.pick(listed.index("婕"))
    kiosk.frames(2)
    assert screen.ids.field.text == "王婕"
    assert board.composing == ""


def test_handwriting_types_a_character(kiosk):
    screen = _to_name_screen(kiosk, english=False)
    board = screen.ids.keyboard
    if board.recognizer is None:
        pytest.skip("libzinnia0 / tegaki-zinnia-simplified-chinese not installed")
    kiosk.tap(board.ids.write_key)
    assert board.writing
    for stroke in STROKES["王"]:
        board.ids.pad.add_stroke([tuple(p) for p in stroke])
        assert board.candidates  # guesses after every stroke
    guesses = board.candidates
    assert "王" in guesses[:3], guesses
    kiosk.frames(2)  # the bar lays out its new buttons
    kiosk.candidate("王")
    assert screen.ids.field.text == "王"
    assert board.ids.pad.strokes == []


def test_without_zinnia_there_is_no_write_key(kiosk):
    screen = _to_name_screen(kiosk, english=False)
    board = screen.ids.keyboard
    saved = board.recognizer
    board.recognizer = None
    try:
        kiosk.frames(2)
        assert board.ids.write_key.opacity == 0 and board.ids.write_key.disabled
        kiosk.keys("li")
        kiosk.candidate("李")
        assert screen.ids.field.text == "李"
    finally:
        board.recognizer = saved


def test_large_text_on_a_small_panel_puts_the_digits_on_a_second_page(kiosk):
    """1280x800 in large text: three rows of keys, the digits behind 123, Shift for capitals,
    and every key and candidate 1.5x (tests/ui/test_large_text.py measures them)."""
    screen = _to_name_screen(kiosk, english=True)
    board = screen.ids.keyboard
    with kiosk.at_size((1280, 800)):
        kiosk.app.theme.set_mode("large", True)
        kiosk.frames(8)
        assert len(board.ids["keys"].children) == 3
        with pytest.raises(AssertionError, match="no key '3'"):
            kiosk.key("3")  # not on the letters' page
        kiosk.tap(board.ids.shift_key)
        kiosk.keys("Anna-")
        kiosk.tap(board.ids.numbers_key)
        kiosk.keys("30")
        kiosk.tap(board.ids.numbers_key)  # abc: back to the letters
        kiosk.keys("m.")
        assert screen.ids.field.text == "Anna-30m."
        assert board.ids.caps_key.disabled and board.ids.caps_key.width == 0
    kiosk.frames(8)
    assert len(board.ids["keys"].children) == 4  # normal text: the digits row is back
    assert not board.numbers
    assert board.ids.numbers_key.width == 0 and board.ids.caps_key.width > 0
