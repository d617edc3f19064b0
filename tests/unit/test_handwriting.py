"""Handwriting through Zinnia: real stroke sequences of known characters, and a kiosk that
still works (no pad) when the library is absent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.core.input import handwriting
from kiosk.core.input.handwriting import load_recognizer

STROKES = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "handwriting" / "strokes.json").read_text(
        encoding="utf-8"
    )
)

recognizer = load_recognizer()
needs_zinnia = pytest.mark.skipif(
    recognizer is None,
    reason="libzinnia0 and tegaki-zinnia-simplified-chinese (scripts/debian-packages.txt)",
)


@needs_zinnia
@pytest.mark.parametrize("char", sorted(STROKES))
def test_known_characters_are_recognised(char):
    assert recognizer is not None
    guesses = [g.text for g in recognizer.classify(STROKES[char])]
    assert char in guesses[:5], guesses


@needs_zinnia
def test_guesses_after_every_stroke():
    assert recognizer is not None
    strokes = STROKES["王"]
    for k in range(1, len(strokes) + 1):
        assert recognizer.classify(strokes[:k])  # something to choose after each stroke
    assert "王" in [g.text for g in recognizer.classify(strokes)][:3]
    assert recognizer.classify([]) == []


def test_absent_library_or_model_means_no_recogniser(monkeypatch, tmp_path):
    assert load_recognizer(tmp_path / "no-such.model") is None
    monkeypatch.setattr(handwriting, "_library", lambda: None)
    assert load_recognizer(tmp_path / "other.model") is None


@needs_zinnia
@pytest.mark.parametrize("n", [1, 2, 5])
def test_asking_for_fewer_guesses(n):
    assert recognizer is not None
    guesses = recognizer.classify(STROKES["十"], n=n)
    assert len(guesses) == n and guesses[0].text == "十"
