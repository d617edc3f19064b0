"""Directions: routing on a big generated building, and drawing one floor with its route.

``route``: p99 ms of ``route()`` (A* plus the step-by-step description) between random rooms
on different floors of a generated 20-floor, 5,000-waypoint building (3 elevators, 2 staircases,
an escalator, corridors in a grid). Budget 20 ms. Also: the load/validation time of that file.

``map_render``: median ms of ``render_floor()`` for the demo tower's lobby with the route to room
503, at 1280 × 800, as the kiosk draws it again and again (rasterised labels cached). Budget
50 ms. Also: the same with the label cache emptied before every run (a floor never drawn before),
the route's arrival floor, and one floor of the generated building.
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from kiosk.core.wayfinding.building import DEMO_BUILDING, building_from_dict, load_building
from kiosk.core.wayfinding.map_style import label_glyphs
from kiosk.core.wayfinding.maps import render_floor
from kiosk.core.wayfinding.model import Building
from kiosk.core.wayfinding.routes import route

FLOORS = 20
COLUMNS, ROWS = 25, 10  # 250 waypoints a floor → 5,000
SPACING = 4.0  # metres between grid waypoints


def synthetic_building(
    floors: int = FLOORS, columns: int = COLUMNS, rows: int = ROWS, seed: int = 7
) -> dict[str, Any]:
    """A building file (as decoded JSON): a corridor grid on every floor, rooms on every other
    waypoint, elevators and staircases at fixed columns, a few blocked corridor stretches."""
    rng = random.Random(seed)
    width, depth = (columns - 1) * SPACING, (rows - 1) * SPACING
    data: dict[str, Any] = {
        "format": "lobby-kiosk-building/1",
        "site": "bench",
        "name_zh": "测试大楼",
        "name_en": "Bench tower",
        "floors": [],
        "waypoints": [],
        "connections": [],
        "rooms": [],
        "kiosk": {"waypoint": "f1.0.0", "facing": 90},
    }
    for f in range(1, floors + 1):
        data["floors"].append(
            {
                "id": str(f),
                "level": f,
                "name_zh": f"{f}楼",
                "name_en": f"Floor {f}",
                "outline": [[-2, -2], [width + 2, -2], [width + 2, depth + 2], [-2, depth + 2]],
            }
        )
        for c in range(columns):
            for r in range(rows):
                wid = f"f{f}.{c}.{r}"
                data["waypoints"].append(
                    {"id": wid, "floor": str(f), "x": c * SPACING, "y": r * SPACING}
                )
                if (c + r) % 2 and rng.random() < 0.8:
                    x, y = c * SPACING, r * SPACING
                    data["rooms"].append(
                        {
                            "number": f"{f}{c:02d}{r:02d}",
                            "waypoint": wid,
                            "outline": [[x, y - 1.5], [x + 1.5, y - 1.5], [x + 1.5, y], [x, y]],
                        }
                    )
        for r in range(rows):  # east-west corridors
            data["connections"].append(
                {"kind": "corridor", "path": [f"f{f}.{c}.{r}" for c in range(columns)]}
            )
        for c in range(columns):  # north-south, some stretches closed
            column = [f"f{f}.{c}.{r}" for r in range(rows)]
            if rng.random() < 0.15:
                cut = rng.randrange(2, rows - 1)
                data["connections"].append({"kind": "corridor", "path": column[:cut]})
                data["connections"].append(
                    {"kind": "door", "path": column[cut - 1 : cut + 1], "restriction": "stepped"}
                )
                data["connections"].append({"kind": "corridor", "path": column[cut:]})
            else:
                data["connections"].append({"kind": "corridor", "path": column})
    for i, c in enumerate((columns // 8, columns // 2, columns - 1 - columns // 8)):
        data["connections"].append(
            {
                "id": f"elevator-{i + 1}",
                "kind": "elevator",
                "name_zh": f"{i + 1}号电梯",
                "name_en": f"Elevator {i + 1}",
                "path": [f"f{f}.{c}.0" for f in range(1, floors + 1)],
            }
        )
    for name, c in (("A", 0), ("B", columns - 1)):
        data["connections"].append(
            {
                "id": f"stairs-{name}",
                "kind": "stairs",
                "name_zh": f"{name}座楼梯",
                "name_en": f"Stairs {name}",
                "path": [f"f{f}.{c}.{rows - 1}" for f in range(1, floors + 1)],
            }
        )
    data["connections"].append(
        {
            "id": "escalator",
            "kind": "escalator",
            "name_zh": "扶梯",
            "name_en": "the escalator",
            "path": [f"f1.{columns // 3}.{rows // 2}", f"f2.{columns // 3}.{rows // 2}"],
        }
    )
    return data


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_route() -> dict[str, Any]:
    data = synthetic_building()
    started = time.perf_counter()
    building = building_from_dict(data, source="<bench>")
    load_ms = (time.perf_counter() - started) * 1000
    rng = random.Random(1)
    rooms = [r.number for r in building.rooms]
    route(building, None, rooms[0])  # builds the routing graph once
    route(building, None, rooms[0], accessible=True)
    times: list[float] = []
    legs = 0
    for i in range(400):
        a, b = rng.choice(rooms), rng.choice(rooms)
        started = time.perf_counter()
        r = route(building, a, b, accessible=i % 4 == 0)
        times.append((time.perf_counter() - started) * 1000)
        legs += len(r.legs)
    return {
        "value": round(_percentile(times, 0.99), 3),
        "unit": "ms p99",
        "budget": 20.0,
        "median_ms": round(statistics.median(times), 3),
        "max_ms": round(max(times), 3),
        "waypoints": len(building.waypoints),
        "floors": len(building.floors),
        "mean_legs": round(legs / len(times), 1),
        "load_and_validate_ms": round(load_ms, 1),
    }


def _render_median(
    building: Building, floor_id: str, goal: str, runs: int = 30, cold_labels: bool = False
) -> float:
    r = route(building, None, goal)
    render_floor(building, floor_id, r, size=(1280, 800), lang="zh_CN")  # fonts loaded once
    times = []
    for i in range(runs):
        if cold_labels:
            label_glyphs.cache_clear()
        started = time.perf_counter()
        render_floor(building, floor_id, r, size=(1280, 800), lang="zh_CN" if i % 2 else "en")
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def bench_map_render() -> dict[str, Any]:
    demo = load_building(DEMO_BUILDING)
    lobby = _render_median(demo, "1", "503")
    lobby_cold = _render_median(demo, "1", "503", runs=10, cold_labels=True)
    arrival = _render_median(demo, "5", "503")
    big = building_from_dict(synthetic_building(), source="<bench>")
    goal = [r.number for r in big.rooms if r.floor == "1"][-1]
    big_floor = _render_median(big, "1", goal, runs=10)
    return {
        "value": round(lobby, 2),
        "unit": "ms median",
        "budget": 50.0,
        "labels_not_cached_ms": round(lobby_cold, 2),
        "arrival_floor_ms": round(arrival, 2),
        "generated_250_waypoint_floor_ms": round(big_floor, 2),
        "size": "1280x800",
    }


BENCHMARKS = {"route": bench_route, "map_render": bench_map_render}
