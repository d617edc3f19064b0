"""Properties of routing on arbitrary buildings: optimal, allowed, and always put into words.

Buildings are drawn at random: a jittered grid of corridors on each of up to three floors, extra
diagonal corridors and doors (some stepped, some staff-only), stairs, an elevator and sometimes
an escalator between floors, rooms with centres on either side of their doors.
"""

from __future__ import annotations

import heapq
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.core.config.errors import NotFoundError
from kiosk.core.wayfinding.building import building_from_dict
from kiosk.core.wayfinding.graph import graph_for
from kiosk.core.wayfinding.model import Building, Kind, Restriction
from kiosk.core.wayfinding.phrasing import instructions, summary
from kiosk.core.wayfinding.routes import route


@st.composite
def buildings(draw: st.DrawFn) -> dict[str, Any]:
    floors = draw(st.integers(1, 3))
    cols, rows = draw(st.integers(2, 4)), draw(st.integers(1, 3))
    jitter = st.floats(-1.5, 1.5, allow_nan=False)
    data: dict[str, Any] = {
        "format": "lobby-kiosk-building/1",
        "site": "p",
        "name_zh": "楼",
        "name_en": "B",
        "kiosk": {"waypoint": "f1.0.0", "facing": draw(st.floats(0, 359.9))},
        "floors": [],
        "waypoints": [],
        "connections": [],
        "rooms": [],
    }
    for f in range(1, floors + 1):
        data["floors"].append(
            {
                "id": str(f),
                "level": f,
                "name_zh": f"{f}楼",
                "name_en": f"Floor {f}",
                "outline": [
                    [-5, -5],
                    [cols * 6 + 5, -5],
                    [cols * 6 + 5, rows * 6 + 5],
                    [-5, rows * 6 + 5],
                ],
            }
        )
        for c in range(cols):
            for r in range(rows):
                x, y = c * 6 + draw(jitter), r * 6 + draw(jitter)
                data["waypoints"].append({"id": f"f{f}.{c}.{r}", "floor": str(f), "x": x, "y": y})
                if draw(st.booleans()):
                    side = draw(st.sampled_from([-2.0, 2.0]))
                    data["rooms"].append(
                        {
                            "number": f"{f}{c}{r}",
                            "waypoint": f"f{f}.{c}.{r}",
                            "centre": [x, y + side],
                        }
                    )
        for r in range(rows):
            data["connections"].append(
                {"kind": "corridor", "path": [f"f{f}.{c}.{r}" for c in range(cols)]}
            )
        for c in range(cols):
            if rows > 1:
                data["connections"].append(
                    {"kind": "corridor", "path": [f"f{f}.{c}.{r}" for r in range(rows)]}
                )
        for _ in range(draw(st.integers(0, 3))):
            a = f"f{f}.{draw(st.integers(0, cols - 1))}.{draw(st.integers(0, rows - 1))}"
            b = f"f{f}.{draw(st.integers(0, cols - 1))}.{draw(st.integers(0, rows - 1))}"
            if a != b:
                kind = draw(st.sampled_from(["corridor", "door"]))
                restriction = draw(st.sampled_from([None, "stepped", "staff"]))
                item: dict[str, Any] = {"kind": kind, "path": [a, b]}
                if restriction:
                    item["restriction"] = restriction
                data["connections"].append(item)
    if floors > 1:
        stops = [f"f{f}.0.0" for f in range(1, floors + 1)]
        data["connections"].append(
            {
                "id": "lift",
                "kind": "elevator",
                "name_zh": "1号电梯",
                "name_en": "Elevator 1",
                "path": stops,
            }
        )
        stair_col = draw(st.integers(0, cols - 1))
        data["connections"].append(
            {
                "id": "stairs",
                "kind": "stairs",
                "name_zh": "楼梯",
                "name_en": "Stairs",
                "path": [f"f{f}.{stair_col}.{rows - 1}" for f in range(1, floors + 1)],
            }
        )
        if draw(st.booleans()):
            data["connections"].append(
                {
                    "id": "esc",
                    "kind": "escalator",
                    "name_zh": "扶梯",
                    "name_en": "the escalator",
                    "path": [f"f1.{cols - 1}.0", f"f2.{cols - 1}.0"],
                    "one_way": True,
                }
            )
    return data


def dijkstra(building: Building, start: str, goal: str, accessible: bool) -> float:
    graph = graph_for(building, accessible)
    source, target = graph.index[start], graph.index[goal]
    best = {source: 0.0}
    queue = [(0.0, source)]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == target:
            return cost
        if cost > best.get(node, math.inf):
            continue
        for nxt, seconds, _ in graph.adjacency[node]:
            if cost + seconds < best.get(nxt, math.inf):
                best[nxt] = cost + seconds
                heapq.heappush(queue, (cost + seconds, nxt))
    return math.inf


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=buildings(),
    picks=st.lists(
        st.tuples(st.integers(0), st.integers(0), st.booleans()), min_size=1, max_size=4
    ),
)
def test_routes_are_optimal_allowed_and_described(data: dict[str, Any], picks: list[Any]) -> None:
    building = building_from_dict(data)
    ids = [w.id for w in building.waypoints]
    restricted = {c.id for c in building.connections if c.restriction is not None}
    staff = {c.id for c in building.connections if c.restriction is Restriction.STAFF}
    for i, j, accessible in picks:
        start, goal = ids[i % len(ids)], ids[j % len(ids)]
        best = dijkstra(building, start, goal, accessible)
        try:
            r = route(building, start, goal, accessible=accessible)
        except NotFoundError as e:
            assert best == math.inf
            assert start in str(e) and goal in str(e)
            continue
        assert r.seconds == best or math.isclose(r.seconds, best, rel_tol=1e-9)
        assert r.waypoints[0] == start and r.waypoints[-1] == goal
        for a, b in zip(r.legs, r.legs[1:], strict=False):
            assert a.end == b.start
        used = {leg.connection for leg in r.legs}
        assert not used & staff
        if accessible:
            assert not {leg.kind for leg in r.legs} & {Kind.STAIRS, Kind.ESCALATOR}
            assert not used & restricted
        for lang in ("zh_CN", "en"):
            lines = instructions(r, lang)
            text = " ".join(lines) + summary(r, lang)
            assert lines, "a route always has words"
            assert "directions." not in text and "{" not in text, text
