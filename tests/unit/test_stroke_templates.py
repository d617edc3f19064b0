"""The template matcher: encoding round trip, and ranking of characters written with the
mistakes people make (neighbouring strokes swapped, two strokes joined, one split, a
character half written) against the real templates in kiosk/assets/ime."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.core.input.stroke_features import prepare
from kiosk.core.input.stroke_templates import TemplateMatcher, decode, encode

STROKES = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "handwriting" / "strokes.json").read_text(
        encoding="utf-8"
    )
)


@pytest.fixture(scope="module")
def matcher() -> TemplateMatcher:
    return TemplateMatcher.load()


def first(matcher: TemplateMatcher, strokes, n: int = 30) -> list[str]:
    written = prepare(strokes)
    return [text for _, text in matcher.rank(written, matcher.coarse(written, n))]


def test_encode_decode_round_trip_within_a_quantum():
    strokes = [[(0.0, 0.0), (300.0, 0.0)], [(150.0, -20.0), (150.0, 280.0)]]
    decoded = decode(encode(strokes))
    assert len(decoded) == 2 and all(len(s) == 8 for s in decoded)
    expected = prepare(strokes)
    for got, want in zip(decoded, expected, strict=True):
        for (gx, gy), (wx, wy) in zip(got, want, strict=True):
            assert abs(gx - wx) <= 1 / 126 and abs(gy - wy) <= 1 / 126


def test_the_templates_cover_the_common_characters(matcher):
    assert len(matcher) > 3500
    for char in "十人大口王李婕曦钰昕祎":
        assert char in matcher


@pytest.mark.parametrize("char", sorted(STROKES))
def test_a_shifted_smaller_character_is_first(matcher, char):
    strokes = [[(x * 0.6 + 40, y * 0.7 + 25) for x, y in s] for s in STROKES[char]]
    assert first(matcher, strokes)[0] == char


def test_swapped_neighbouring_strokes_still_match(matcher):
    strokes = list(STROKES["王"])
    strokes[1], strokes[2] = strokes[2], strokes[1]
    assert first(matcher, strokes)[0] == "王"


def test_two_strokes_joined_still_match(matcher):
    # 口's second and third strokes (the hooked right side and the bottom) in one go
    s = STROKES["口"]
    assert len(s) == 3
    assert "口" in first(matcher, [s[0], [*s[1], *s[2]]])[:5]


def test_a_stroke_written_in_two_parts_still_matches(matcher):
    s = STROKES["十"]
    half = len(s[0]) // 2
    split = [s[0][: half + 1], s[0][half:], s[1]]
    assert "十" in first(matcher, split)[:5]


def test_a_half_written_character_matches_its_own_first_strokes(matcher):
    written = prepare(STROKES["李"][:3])
    assert matcher.distance(written, "李") < matcher.distance(written, "王")
    # and a complete character of that stroke count ranks before longer ones
    assert matcher.distance(prepare(STROKES["十"]), "十") < matcher.distance(
        prepare(STROKES["十"]), "李"
    )


def test_nothing_written_or_unknown_text(matcher):
    assert matcher.coarse([], 10) == []
    assert matcher.rank([], ["十"]) == []
    assert matcher.distance(prepare(STROKES["十"]), "no such") is None
