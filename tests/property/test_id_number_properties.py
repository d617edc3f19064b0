"""Properties of the ID number check (GB 11643): no text crashes it, every number made with the
right check character passes, and changing any one digit of a valid number fails it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.config.errors import ValidationError
from kiosk.core.visits.id_numbers import INVALID, check_character, mask_id_number
from kiosk.core.visits.id_numbers import validate_id_number as check

digits17 = st.text(alphabet="0123456789", min_size=17, max_size=17)


@given(st.text(max_size=200))
def test_any_text_is_a_number_or_a_calm_message(text: str) -> None:
    try:
        number = check(text)
    except ValidationError as e:
        assert e.message_key == INVALID
    else:
        assert len(number) == 18 and number[:17].isdigit()
        assert number[-1] == check_character(number[:17])


@given(digits17)
def test_the_right_check_character_passes_and_masks(head: str) -> None:
    number = head + check_character(head)
    assert check(number) == number
    masked = mask_id_number(number)
    assert masked[:4] == number[:4] and masked[-4:] == number[-4:] and masked.count("*") == 10


@given(digits17, st.integers(0, 16), st.integers(1, 9))
def test_one_digit_changed_fails(head: str, at: int, shift: int) -> None:
    number = head + check_character(head)
    changed = number[:at] + str((int(number[at]) + shift) % 10) + number[at + 1 :]
    try:
        check(changed)
    except ValidationError:
        return
    raise AssertionError(f"{changed} passed")
