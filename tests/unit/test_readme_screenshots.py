"""README.md and docs/screenshots agree: every image README.md shows exists, and every kiosk
shot's name says a tour screen, a language and a size that scripts/readme-screenshots can
render it from."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location(
        "readme_screenshots", ROOT / "scripts" / "readme_screenshots.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_image_the_readme_shows_exists():
    script = _script()
    shown = script.referenced()
    assert len(shown) >= 10, f"README.md shows only {shown}"
    assert script.missing() == []


def test_the_readme_kiosk_shots_name_a_tour_screen():
    script = _script()
    files = [Path(p).name for p in script.referenced()]
    others = [f for f in files if script.kiosk_shot(f) is None]
    # the phone-sized route page comes from tests/integration/test_building_sync_http.py
    assert others == ["route-mobile.png"]
    tour = (ROOT / "kiosk" / "tour.py").read_text(encoding="utf-8")
    tour += "".join(p.read_text(encoding="utf-8") for p in (ROOT / "kiosk").glob("tour_*.py"))
    for f in files:
        shot = script.kiosk_shot(f)
        if shot is not None:
            assert f'("{shot.screen}", ' in tour, f"{f}: no tour step {shot.screen!r}"


def test_names_map_to_screens(tmp_path):
    script = _script()
    shot = script.kiosk_shot("name-pinyin-zh_CN-1920x1080.png")
    assert (shot.screen, shot.lang, shot.size) == ("name", "zh_CN", "1920x1080")
    shot = script.kiosk_shot("reception_tickets_detail-en-1080x1920.png")
    assert (shot.screen, shot.lang, shot.size) == ("reception_tickets_detail", "en", "1080x1920")
    assert script.kiosk_shot("name-cursive-zh_CN-1920x1080.png") is None  # no such variant
    readme = tmp_path / "README.md"
    readme.write_text(
        "![a](docs/screenshots/home-zh_CN-1920x1080.png) ![b](docs/screenshots/gone-en-1x1.png)\n"
        "![a again](docs/screenshots/home-zh_CN-1920x1080.png)\n",
        encoding="utf-8",
    )
    assert script.referenced(readme) == [
        "docs/screenshots/home-zh_CN-1920x1080.png",
        "docs/screenshots/gone-en-1x1.png",
    ]
    assert script.missing(readme) == ["docs/screenshots/gone-en-1x1.png"]
