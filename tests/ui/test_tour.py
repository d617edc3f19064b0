"""``kiosk tour`` renders every screen, in portrait too, and Chinese renders as glyphs."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.ui


def test_chinese_text_renders_as_distinct_glyphs_not_boxes(kiosk_app):
    from kivy.core.text import Label as CoreLabel

    def pixels(text):
        label = CoreLabel(text=text, font_size=48)
        label.refresh()
        return bytes(label.texture.pixels)

    rendered = {ch: pixels(ch) for ch in "访客登记签退"}
    assert len(set(rendered.values())) == len(rendered), "CJK glyphs are missing (tofu boxes)"
    assert any(b != 0 for b in rendered["访"])


def test_the_tour_writes_every_screen_in_portrait(tmp_path):
    from kiosk.shell.screens import SCREENS

    run = subprocess.run(
        [sys.executable, "-m", "kiosk", "tour", "--out", str(tmp_path), "--size", "1080x1920"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    from PIL import Image, ImageStat

    written = {p.stem for p in tmp_path.glob("*.png")}
    assert {name for name, _, _ in SCREENS} <= written
    for path in tmp_path.glob("*.png"):
        image = Image.open(path)
        assert image.size == (1080, 1920), path.name
        assert max(ImageStat.Stat(image.convert("L")).stddev) > 10, f"{path.name} looks blank"
