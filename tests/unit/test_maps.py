"""Floor maps: size, the route's pixels, the heads-up turn, CJK labels, a background plan image."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from building_fixtures import tiny
from PIL import Image, ImageChops

from kiosk.core.wayfinding.building import DEMO_BUILDING, building_from_dict, load_building
from kiosk.core.wayfinding.map_style import FONT_PATH, HERE, ROUTE, font, label_glyphs
from kiosk.core.wayfinding.maps import floor_transform, render_floor
from kiosk.core.wayfinding.model import Building
from kiosk.core.wayfinding.routes import route

OUT = Path("/tmp/kiosk-maps")


@pytest.fixture(scope="module")
def demo() -> Building:
    return load_building(DEMO_BUILDING)


def count(image: Image.Image, colour: tuple[int, int, int]) -> int:
    """Pixels of exactly ``colour``."""
    mask = Image.new("RGB", image.size, colour)
    diff = ImageChops.difference(image, mask).convert("L")
    return diff.point(lambda v: 255 if v == 0 else 0).histogram()[255]


def test_size_and_mode(demo: Building) -> None:
    image = render_floor(demo, "3", size=(640, 400), lang="en")
    assert image.size == (640, 400) and image.mode == "RGB"


def test_route_is_drawn_along_its_legs(demo: Building) -> None:
    r = route(demo, None, "503")
    size = (1280, 800)
    lobby = render_floor(demo, "1", r, size=size, lang="zh_CN")
    arrival = render_floor(demo, "5", r, size=size, lang="zh_CN")
    OUT.mkdir(exist_ok=True)
    lobby.save(OUT / "demo-503-floor1.png")
    arrival.save(OUT / "demo-503-floor5.png")
    assert count(lobby, ROUTE) > 2000
    assert count(arrival, ROUTE) > 2000
    assert count(render_floor(demo, "1", None, size=size), ROUTE) == 0
    assert count(render_floor(demo, "3", r, size=size), ROUTE) == 0, "the route skips floor 3"
    # the line passes through the middle of every corridor leg on floor 5
    t = floor_transform(demo, "5", size)
    for line in r.polylines(demo, "5"):
        for (x0, y0), (x1, y1) in itertools.pairwise(line):
            x, y = t.to_pixel(((x0 + x1) / 2, (y0 + y1) / 2))
            near = [
                arrival.getpixel((round(x) + dx, round(y) + dy))
                for dx in range(-3, 4)
                for dy in range(-3, 4)
            ]
            assert ROUTE in near, f"no route pixels near {(x, y)}"


def test_you_are_here_only_on_the_kiosk_floor(demo: Building) -> None:
    assert count(render_floor(demo, "1", size=(800, 500)), HERE) > 100
    assert count(render_floor(demo, "2", size=(800, 500)), HERE) == 0


def test_map_turns_to_the_kiosk_facing() -> None:
    """In the tiny house the kiosk looks east: east must point up on the map."""
    building = building_from_dict(tiny())
    t = floor_transform(building, "1", (800, 600))
    kx, ky = t.to_pixel((0, 10))  # the kiosk
    ex, ey = t.to_pixel((10, 10))  # ten metres east of it
    assert ey < ky - 50 and abs(ex - kx) < 1
    flat = floor_transform(building, "1", (800, 600), rotate_to_kiosk_facing=False)
    fx, fy = flat.to_pixel((0, 10))
    gx, gy = flat.to_pixel((10, 10))
    assert gx > fx + 50 and abs(gy - fy) < 1
    upright = render_floor(building, "1", route(building, None, "107"), size=(800, 600))
    sideways = render_floor(
        building, "1", route(building, None, "107"), size=(800, 600), rotate_to_kiosk_facing=False
    )
    OUT.mkdir(exist_ok=True)
    upright.save(OUT / "tiny-107-heads-up.png")
    assert ImageChops.difference(upright, sideways).getbbox() is not None


def test_chinese_labels_render_as_real_glyphs(demo: Building) -> None:
    """Noto Sans SC is used: distinct characters give distinct shapes, never tofu boxes."""
    assert FONT_PATH is not None and FONT_PATH.name == "NotoSansSC-Regular.otf"
    assert FONT_PATH.is_file()
    face = font(24)
    masks = [label_glyphs(ch, face, 0)[2] for ch in "您在这里"]
    assert all(m.getbbox() is not None for m in masks)
    assert len({m.tobytes() for m in masks}) == 4
    zh = render_floor(demo, "1", size=(1024, 640), lang="zh_CN")
    en = render_floor(demo, "1", size=(1024, 640), lang="en")
    OUT.mkdir(exist_ok=True)
    zh.save(OUT / "demo-floor1-zh.png")
    assert ImageChops.difference(zh, en).getbbox() is not None


def test_background_plan_image(tmp_path: Path) -> None:
    plan = Image.new("RGB", (290, 180), (250, 240, 200))
    plan.save(tmp_path / "plan.png")
    data = tiny()
    floor = data["floors"][1]
    del floor["outline"]
    floor["image"] = "plan.png"
    floor["image_bounds"] = [-3, -3, 26, 15]
    (tmp_path / "b.json").write_text(json.dumps(data), encoding="utf-8")
    from kiosk.core.wayfinding.building import load_building as load

    building = load(tmp_path / "b.json")
    image = render_floor(building, "2", size=(600, 400), rotate_to_kiosk_facing=False)
    assert count(image, (250, 240, 200)) > 20_000
