"""Properties of the floor maps' label placement: apart, in the picture, off the route, and the
labels a visitor needs always there.

``place`` is tried on random rooms, route lines and markers; ``render_floor`` on random
corridor floors (rooms either side, a lift, a staircase, a landmark, the kiosk facing any way)
with the route from the kiosk to a random room upstairs or on the same floor.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.core.config.i18n import translate
from kiosk.core.wayfinding.building import DEMO_BUILDING, building_from_dict, load_building
from kiosk.core.wayfinding.label_place import Line, Wanted, box_hits_segment, overlaps, place
from kiosk.core.wayfinding.map_style import LABELS, ROUTE
from kiosk.core.wayfinding.maps import render_floor
from kiosk.core.wayfinding.routes import route


@st.composite
def layouts(draw: st.DrawFn) -> tuple[list[Wanted], list[tuple[float, float, float, float]], Any]:
    """Rooms on a grid, a label each; one of them the goal's (kept); a route line and markers."""
    cols, rows = draw(st.integers(1, 8)), draw(st.integers(1, 4))
    w, h = draw(st.floats(40, 160)), draw(st.floats(30, 140))
    wanted = []
    for c, r in itertools.product(range(cols), range(rows)):
        box = (20 + c * w, 20 + r * h, 20 + (c + 1) * w, 20 + (r + 1) * h)
        text = draw(st.sampled_from(["101", "1203", "B12", "A"]))
        size = (draw(st.floats(12, 90)), draw(st.floats(14, 40)))
        centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        wanted.append(Wanted((text,), (size,), centre, inside=box))
    bounds = (0.0, 0.0, 40 + cols * w, 40 + rows * h)
    pick = st.tuples(st.floats(bounds[0], bounds[2]), st.floats(bounds[1], bounds[3]))
    goal = draw(pick)
    keep = Wanted(
        ("room 101", "room\n101"),
        ((draw(st.floats(60, 160)), 36.0), (70.0, 70.0)),
        goal,
        gap=draw(st.floats(0, 20)),
        prefer=(0.0, -1.0),
        keep=True,
    )
    landmarks = [
        Wanted(("Main entrance", "Main\nentrance"), ((150.0, 34.0), (90.0, 70.0)), draw(pick), 6)
        for _ in range(draw(st.integers(0, 3)))
    ]
    line = Line(tuple(draw(st.lists(pick, min_size=2, max_size=5))), draw(st.floats(4, 20)))
    obstacles = [
        (x - 10, y - 10, x + 10, y + 10) for x, y in draw(st.lists(pick, min_size=0, max_size=4))
    ]
    return [keep, *wanted, *landmarks], obstacles, (bounds, line)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layouts())
def test_labels_never_overlap_and_the_goal_is_kept(layout) -> None:
    wanted, obstacles, (bounds, line) = layout
    placed = place(wanted, bounds, obstacles=obstacles, lines=[line], pad=4)
    assert [p.index for p in placed][:1] == [0], "the goal's label is always placed"
    assert [p.index for p in placed] == sorted({p.index for p in placed})
    for p in placed:
        w = wanted[p.index]
        assert p.text in w.texts
        if w.keep:
            continue  # placed where it overlaps least when nothing is free
        x0, y0, x1, y1 = p.box
        assert bounds[0] - 1e-6 <= x0 and x1 <= bounds[2] + 1e-6
        assert bounds[1] - 1e-6 <= y0 and y1 <= bounds[3] + 1e-6
        if w.inside is not None and p.centre != w.anchor:
            # moved off its anchor: only ever within its room
            assert w.inside[0] <= x0 and x1 <= w.inside[2]
            assert w.inside[1] <= y0 and y1 <= w.inside[3]
        assert not any(overlaps(p.box, o) for o in obstacles)
        if w.gap > 0:  # beside a point: nearer its own than any other point labelled so
            own = _distance(p.box, w.anchor)
            points = {v.anchor for v in wanted if v.inside is None and v.gap > 0}
            assert all(_distance(p.box, q) >= own for q in points), (p, w)
        assert not any(
            box_hits_segment(p.box, a, b, line.width / 2)
            for a, b in itertools.pairwise(line.points)
        )
        for q in placed:
            if q.index < p.index:
                assert not overlaps(p.box, q.box), (p, q)


def _distance(box: tuple[float, float, float, float], point: tuple[float, float]) -> float:
    dx = max(box[0] - point[0], 0.0, point[0] - box[2])
    dy = max(box[1] - point[1], 0.0, point[1] - box[3])
    return math.hypot(dx, dy)


def test_a_room_number_that_fits_nowhere_is_left_out_never_the_goal() -> None:
    room = (0.0, 0.0, 50.0, 40.0)
    wanted = [
        Wanted(("goal",), ((48.0, 38.0),), (25.0, 20.0), keep=True),
        Wanted(("101",), ((40.0, 30.0),), (25.0, 20.0), inside=room),
    ]
    placed = place(wanted, (0.0, 0.0, 50.0, 40.0))
    assert [p.text for p in placed] == ["goal"]


def test_a_name_goes_on_two_lines_only_when_one_fits_nowhere() -> None:
    long, two = ((200.0, 30.0), (100.0, 64.0))
    wide = [Wanted(("Main entrance", "Main\nentrance"), (long, two), (150.0, 100.0), 5)]
    assert place(wide, (0.0, 0.0, 300.0, 200.0))[0].text == "Main entrance"
    assert place(wide, (0.0, 0.0, 150.0 + 60, 200.0))[0].text == "Main\nentrance"


def _corridor_floor(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(2, 9))
    widths = draw(st.lists(st.floats(3.5, 9.0), min_size=n, max_size=n))
    depth = draw(st.floats(5.0, 11.0))
    # the kiosk stands at the first stretch of corridor, the lift and the stairs elsewhere
    lift_at = draw(st.integers(1, n - 1))
    data: dict[str, Any] = {
        "format": "lobby-kiosk-building/1",
        "site": "p",
        "name_zh": "楼",
        "name_en": "B",
        "kiosk": {"waypoint": "f1.0", "facing": draw(st.sampled_from([0, 90, 180, 270, 35]))},
        "floors": [],
        "waypoints": [],
        "connections": [],
        "rooms": [],
        "landmarks": [],
    }
    xs = list(itertools.accumulate([0.0, *widths]))
    for f in (1, 2):
        data["floors"].append(
            {
                "id": str(f),
                "level": f,
                "name_zh": f"{f}楼",
                "name_en": f"Floor {f}",
                "outline": [[0, -depth], [xs[-1], -depth], [xs[-1], depth + 3], [0, depth + 3]],
            }
        )
        path = []
        for i in range(n):
            wid = f"f{f}.{i}"
            mid = (xs[i] + xs[i + 1]) / 2
            data["waypoints"].append({"id": wid, "floor": str(f), "x": mid, "y": 1.5})
            path.append(wid)
            for side, (y0, y1) in (("a", (-depth, 0)), ("b", (3, depth + 3))):
                number = f"{f}{i:02d}{side}" if draw(st.booleans()) else f"{f}{i:02d}"
                if any(r["number"] == number for r in data["rooms"]):
                    number += side
                data["rooms"].append(
                    {
                        "number": number,
                        "waypoint": wid,
                        "outline": [[xs[i], y0], [xs[i + 1], y0], [xs[i + 1], y1], [xs[i], y1]],
                    }
                )
        data["connections"].append({"kind": "corridor", "path": path})
        data["landmarks"].append(
            {
                "id": f"wc-{f}",
                "waypoint": f"f{f}.{draw(st.integers(0, n - 1))}",
                "name_zh": "洗手间",
                "name_en": "Restrooms",
            }
        )
    data["connections"].append(
        {
            "id": "lift",
            "kind": "elevator",
            "name_zh": "1号电梯",
            "name_en": "Elevator 1",
            "path": [f"f1.{lift_at}", f"f2.{lift_at}"],
        }
    )
    data["connections"].append(
        {
            "id": "stairs",
            "kind": "stairs",
            "name_zh": "A座楼梯",
            "name_en": "Stairs A",
            "path": [f"f1.{n - 1}", f"f2.{n - 1}"],
        }
    )
    return data


@st.composite
def floors(draw: st.DrawFn) -> tuple[dict[str, Any], str, str]:
    data = _corridor_floor(draw)
    goal = draw(st.sampled_from([r["number"] for r in data["rooms"]]))
    return data, goal, draw(st.sampled_from(["zh_CN", "en"]))


def _labels_apart(image: Any) -> list[tuple[str, tuple[int, int, int, int]]]:
    labels = list(image.info[LABELS])
    for (a, box), (b, other) in itertools.combinations(labels, 2):
        assert not overlaps(box, other), f"{a!r} {box} overlaps {b!r} {other}"
    for text, (x0, y0, x1, y1) in labels:
        assert x0 >= 0 and y0 >= 0 and x1 <= image.width and y1 <= image.height, text
    return labels


def _no_route_on(image: Any, labels: list[tuple[str, tuple[int, int, int, int]]]) -> None:
    """Not one pixel of the route's blue inside a label (the arrows are under no word)."""
    for text, box in labels:
        colours = image.crop(box).getcolors(1 << 16) or []
        assert all(c != ROUTE for _, c in colours), f"the route is drawn over {text!r}"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(floors())
def test_drawn_maps_keep_every_needed_label_apart(found) -> None:
    data, goal, lang = found
    building = building_from_dict(data, source="<property>")
    r = route(building, None, goal)
    for floor_id in r.floors:
        image = render_floor(building, floor_id, r, size=(1200, 800), lang=lang, title=False)
        labels = _labels_apart(image)
        _no_route_on(image, labels)
        texts = [t for t, _ in labels]
        flat = [t.replace("\n", " ") for t in texts]
        assert r.goal.label(lang) in flat or floor_id != r.goal.floor
        assert "1号电梯" in flat or "Elevator 1" in flat
        if floor_id == "1":
            assert translate("directions.map.you_are_here", lang) in flat


def test_the_demo_towers_maps_in_both_languages() -> None:
    """Every floor on the way to a few rooms: apart, off the route, every room numbered."""
    demo = load_building(DEMO_BUILDING)
    for goal, lang in itertools.product(("503", "101", "210", "612"), ("zh_CN", "en")):
        r = route(demo, None, goal)
        for floor_id in r.floors:
            image = render_floor(demo, floor_id, r, size=(1200, 800), lang=lang, title=False)
            labels = _labels_apart(image)
            _no_route_on(image, labels)
            texts = {t for t, _ in labels}
            numbers = {room.number for room in demo.rooms_on(floor_id)} - {goal}
            assert numbers <= texts, f"{goal} {lang} {floor_id}: {sorted(numbers - texts)}"
