"""Routing (shortest, accessible, unreachable, multi-floor); golden directions in zh_CN and en."""

from __future__ import annotations

import heapq
import json
import math
import random
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from building_fixtures import tiny

from kiosk.core.config.errors import ConfigError, NotFoundError
from kiosk.core.config.i18n import LOCALE_DIR
from kiosk.core.models import Department, Host, Visit, VisitState
from kiosk.core.wayfinding.building import DEMO_BUILDING, building_from_dict, load_building
from kiosk.core.wayfinding.directions import Directions, find_building
from kiosk.core.wayfinding.graph import graph_for
from kiosk.core.wayfinding.model import Building, Kind
from kiosk.core.wayfinding.phrasing import instructions, summary
from kiosk.core.wayfinding.routes import resolve, route
from kiosk.core.wayfinding.steps import Side, StepKind, Turn, classify, heading

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo() -> Building:
    return load_building(DEMO_BUILDING)


@pytest.fixture(scope="module")
def small() -> Building:
    return building_from_dict(tiny(), source="tiny.json")


def both(r: object) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return instructions(r, "zh_CN"), instructions(r, "en")  # type: ignore[arg-type]


# --- geometry ---------------------------------------------------------------------------------


def test_heading_is_clockwise_from_plan_up() -> None:
    assert heading((0, 0), (0, -1)) == pytest.approx(0)
    assert heading((0, 0), (1, 0)) == pytest.approx(90)
    assert heading((0, 0), (0, 1)) == pytest.approx(180)
    assert heading((0, 0), (-1, 0)) == pytest.approx(270)


@pytest.mark.parametrize(
    ("before", "after", "turn"),
    [
        (0, 0, Turn.AHEAD),
        (0, 90, Turn.RIGHT),
        (0, 270, Turn.LEFT),
        (350, 80, Turn.RIGHT),
        (90, 130, Turn.SLIGHT_RIGHT),
        (90, 50, Turn.SLIGHT_LEFT),
        (0, 180, Turn.AROUND),
        (180, 90, Turn.LEFT),  # walking south, east is on your left
    ],
)
def test_classify(before: float, after: float, turn: Turn) -> None:
    assert classify(before, after) is turn


# --- routing ----------------------------------------------------------------------------------


def test_shortest_route_on_one_floor(small: Building) -> None:
    r = route(small, None, "107")
    assert r.waypoints == ("K", "a1", "a2", "a3", "B", "c1")
    assert r.metres == pytest.approx(25.0)
    assert r.seconds == pytest.approx(25.0 / 1.2)
    assert r.floors == ("1",)
    assert r.start.waypoint == "K" and r.goal.room == "107"


def test_staff_door_is_never_used(small: Building) -> None:
    """K–C through the staff door is 22 m shorter, but visitors may not take it."""
    for accessible in (False, True):
        r = route(small, None, "C", accessible=accessible)
        assert "staff" not in {leg.connection for leg in r.legs}


def test_multi_floor_takes_the_stairs_and_accessible_takes_the_elevator(small: Building) -> None:
    quick = route(small, None, "201")
    assert quick.waypoints == ("K", "n", "s1", "s2", "m")
    assert [leg.kind for leg in quick.legs].count(Kind.STAIRS) == 1
    assert quick.floors == ("1", "2")
    step_free = route(small, None, "201", accessible=True)
    assert step_free.waypoints == ("K", "a1", "a2", "a3", "B", "c1", "C", "e2", "m")
    assert {leg.kind for leg in step_free.legs} == {Kind.CORRIDOR, Kind.ELEVATOR}
    assert step_free.seconds > quick.seconds
    # elevator: wait + per floor on top of the walk
    walk = sum(leg.metres for leg in step_free.legs) / 1.2
    assert step_free.seconds == pytest.approx(walk + 30 + 4)


def test_stepped_door_is_avoided_when_accessible(small: Building) -> None:
    r = route(small, None, "109")
    assert [leg.kind for leg in r.legs][-1] is Kind.DOOR
    with pytest.raises(NotFoundError) as caught:
        route(small, None, "109", accessible=True)
    error = caught.value
    assert error.message_key == "directions.error.no_accessible_route"
    assert "no step-free route from waypoint 'K' to room 109" in str(error)
    assert "tiny.json" in str(error)
    assert error.params == {"start": "K", "goal": "109"}


def test_unreachable_names_start_and_goal() -> None:
    data = tiny()
    data["waypoints"].append({"id": "island", "floor": "2", "x": 5, "y": 10})
    building = building_from_dict(data, source="island.json")  # no room there: loads
    with pytest.raises(NotFoundError) as caught:
        route(building, "105", "island")
    assert caught.value.message_key == "directions.error.no_route"
    assert "no route from room 105 (waypoint 'a3') to waypoint 'island'" in str(caught.value)


def test_unknown_place(small: Building) -> None:
    with pytest.raises(NotFoundError) as caught:
        route(small, None, "room of requirement")
    assert caught.value.message_key == "directions.error.unknown_place"
    assert "'room of requirement'" in str(caught.value)
    host = Host("h9", "tiny", "sales", "某人", "Someone", floor="7", room="777")
    with pytest.raises(NotFoundError, match="room '777' of h9"):
        route(small, None, host)


def test_goals_by_room_department_host_landmark_and_waypoint(small: Building) -> None:
    by_room = resolve(small, "105")
    assert resolve(small, "sales") == by_room
    assert resolve(small, Department("sales", "tiny", "销售部", "Sales")) == by_room
    # a Department whose directory record names the room directly
    assert resolve(small, Department("x", "tiny", "X", "X", floor="1", room="107")).room == "107"
    host = Host("h1", "tiny", "sales", "李娜", "Li Na", floor="1", room="103")
    assert resolve(small, host).room == "103"
    assert resolve(small, "reception").waypoint == "B"
    lift = resolve(small, "e2")
    assert lift.floor == "2" and lift.name is not None and lift.name.en == "the lift hall"
    assert resolve(small, None).waypoint == "K"


def _dijkstra(building: Building, start: str, goal: str, accessible: bool) -> float:
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


def test_a_star_finds_the_same_cost_as_plain_dijkstra() -> None:
    """The floor-change heuristic must never overestimate, or A* returns worse routes."""
    sys.path.insert(0, str(ROOT))
    from bench.bench_directions import synthetic_building

    building = building_from_dict(synthetic_building(floors=6, columns=12, rows=6))
    rng = random.Random(3)
    rooms = [r for r in building.rooms]
    for i in range(60):
        a, b = rng.choice(rooms), rng.choice(rooms)
        accessible = i % 3 == 0
        try:
            found = route(building, a.number, b.number, accessible=accessible).seconds
        except NotFoundError:
            found = math.inf
        assert found == pytest.approx(_dijkstra(building, a.waypoint, b.waypoint, accessible))


# --- golden directions: the tiny house ----------------------------------------------------------


def test_golden_one_floor_with_a_landmark_turn(small: Building) -> None:
    zh, en = both(route(small, None, "107"))
    assert zh == ("直行，走20米，在前台左转，右手第一间：107室",)
    assert en == (
        "Go straight ahead, walk 20 m, turn left at Reception, first door on your right: room 107",
    )


def test_golden_door_counting_on_the_left(small: Building) -> None:
    r = route(small, None, "105")
    assert both(r) == (
        ("直行，左手第三间：105室",),
        ("Go straight ahead, third door on your left: room 105",),
    )
    arrive = r.steps[-1]
    assert (arrive.kind, arrive.side, arrive.ordinal) == (StepKind.ARRIVE, Side.LEFT, 3)


def test_golden_stairs_then_elevator(small: Building) -> None:
    assert both(route(small, None, "201")) == (
        ("向左转，走10米到A座楼梯", "走A座楼梯上到2楼，出楼梯间后直行，右手第一间：201室"),
        (
            "Turn left, walk 10 m to Stairs A",
            "Take Stairs A up to floor 2, go straight ahead, first door on your right: room 201",
        ),
    )
    assert both(route(small, None, "201", accessible=True)) == (
        (
            "直行，走20米，在前台左转，走10米到1号电梯",
            "乘1号电梯到2楼，出电梯后直行，左手第一间：201室",
        ),
        (
            "Go straight ahead, walk 20 m, turn left at Reception, walk 10 m to Elevator 1",
            "Take Elevator 1 to floor 2, go straight ahead, first door on your left: room 201",
        ),
    )


def test_golden_door_and_room_straight_ahead(small: Building) -> None:
    zh, en = both(route(small, None, "109"))
    assert zh == ("直行，走20米，在前台左转，走5米，左转，穿过侧门，走3米，109室在正前方",)
    assert en[0].endswith(
        "turn left, go through the side door, walk 3 m, room 109 is straight ahead"
    )


def test_golden_arrive_at_a_named_waypoint(small: Building) -> None:
    zh, en = both(route(small, None, "e2", accessible=True))
    assert zh[-1] == "乘1号电梯到2楼，到达电梯厅"
    assert en[-1] == "Take Elevator 1 to floor 2, arrive at the lift hall"


def test_route_from_a_room_has_no_kiosk_facing(small: Building) -> None:
    r = route(small, "101", "105")
    assert StepKind.START not in {s.kind for s in r.steps}
    assert instructions(r, "en") == ("Second door on your left: room 105",)
    r = route(small, "101", "107")
    assert instructions(r, "en") == (
        "Walk 15 m, turn left at Reception, first door on your right: room 107",
    )


# --- golden directions: the demo tower ----------------------------------------------------------


def test_golden_demo_room_503(demo: Building) -> None:
    r = route(demo, None, "503")
    assert instructions(r, "zh_CN") == (
        "向左转，走4米，在前台右转，穿过大堂闸机，走10米到2号电梯",
        "乘2号电梯到5楼，出电梯后右转，右手第三间：503室",
    )
    assert instructions(r, "en") == (
        "Turn left, walk 4 m, turn right at Reception, go through the lobby gates, "
        "walk 10 m to Elevator 2",
        "Take Elevator 2 to floor 5, turn right, third door on your right: room 503",
    )
    assert summary(r, "zh_CN") == "5楼 503室 · 2号电梯 右转"
    assert summary(r, "en") == "Floor 5, room 503 · Elevator 2, turn right"
    assert r.floors == ("1", "5")
    assert route(demo, None, "rnd") == r  # the department's room


def test_golden_demo_accessible_route_differs(demo: Building) -> None:
    quick = route(demo, None, "201")
    step_free = route(demo, None, "201", accessible=True)
    assert {leg.kind for leg in quick.legs} & {Kind.STAIRS, Kind.ESCALATOR}
    assert not {leg.kind for leg in step_free.legs} & {Kind.STAIRS, Kind.ESCALATOR}
    assert instructions(quick, "zh_CN")[-1] == "乘扶梯上到2楼，下扶梯后左转，右手第三间：201室"
    assert summary(quick, "en") == "Floor 2, room 201 · the escalator, turn left"
    assert instructions(step_free, "en")[-1] == (
        "Take Elevator 1 to floor 2, turn right, fourth door on your right: room 201"
    )
    assert summary(step_free, "zh_CN") == "2楼 201室 · 1号电梯 右转"
    # the lobby stairs are the quick way to the east end of floor 2
    east = route(demo, None, "208")
    assert "lobby-stairs" in {leg.connection for leg in east.legs}


def test_golden_demo_same_floor(demo: Building) -> None:
    r = route(demo, None, "108")
    assert instructions(r, "zh_CN") == (
        "向左转，走4米，在前台右转，穿过大堂闸机，走6米，右转，右手第一间：108室",
    )
    assert summary(r, "zh_CN") == "1楼 108室"
    assert summary(r, "en") == "Floor 1, room 108"


def test_every_directory_room_has_a_route_and_words(demo: Building) -> None:
    from kiosk.core.directory.demo import demo_directory

    for host in demo_directory()["hosts"]:
        for accessible in (False, True):
            r = route(demo, None, host["room"], accessible=accessible)
            for lang in ("zh_CN", "en"):
                lines = instructions(r, lang)
                assert lines and all("directions." not in line for line in lines), lines
                assert "directions." not in summary(r, lang)


# --- catalogues ---------------------------------------------------------------------------------


def _keys(lang: str) -> dict[str, str]:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "directions.po"
    with path.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id}


def test_catalogues_have_the_same_non_empty_keys() -> None:
    zh, en = _keys("zh_CN"), _keys("en")
    assert set(zh) == set(en)
    assert all(zh.values()) and all(en.values())
    for key in zh:
        placeholders = {p for p in ("{" + x.split("}")[0] + "}" for x in zh[key].split("{")[1:])}
        assert placeholders == {
            p for p in ("{" + x.split("}")[0] + "}" for x in en[key].split("{")[1:])
        }, key


def test_every_key_the_code_can_ask_for_exists() -> None:
    zh = _keys("zh_CN")
    wanted = [f"directions.start.{t}" for t in Turn] + [f"directions.turn.{t}" for t in Turn]
    wanted += [f"directions.after.{k}" for k in (Kind.ELEVATOR, Kind.STAIRS, Kind.ESCALATOR)]
    wanted += ["directions.ride.elevator"] + [
        f"directions.ride.{k}.{way}" for k in ("stairs", "escalator") for way in ("up", "down")
    ]
    wanted += [f"directions.arrive.{s}" for s in Side]
    wanted += [f"directions.arrive.{s}_nth" for s in (Side.LEFT, Side.RIGHT)]
    wanted += [f"directions.nth.{n}" for n in range(1, 6)]
    wanted += [f"directions.walk{a}{b}" for a in ("", "_past") for b in ("", "_to")]
    wanted += [
        f"directions.error.{e}" for e in ("unknown_place", "no_route", "no_accessible_route")
    ]
    missing = [k for k in wanted if k not in zh]
    assert not missing


# --- the directions service -------------------------------------------------------------------


class _Directory:
    def __init__(self) -> None:
        self.hosts = {"h001": Host("h001", "demo", "rnd", "李娜", "Li Na", floor="5", room="503")}
        self.departments = {"hr": Department("hr", "demo", "人力资源部", "HR", "2", "205")}

    def host(self, host_id: str) -> Host | None:
        return self.hosts.get(host_id)

    def department(self, department_id: str) -> Department | None:
        return self.departments.get(department_id)


def _visit(host_id: str | None, department_id: str | None = None) -> Visit:
    return Visit("v1", "demo", "p1", VisitState.CHECKED_IN, "meeting", host_id, department_id)


def test_summary_for_a_visit_goes_to_the_host_then_the_department(demo: Building) -> None:
    directions = Directions(demo, directory=_Directory())
    assert directions.summary_for_visit(_visit("h001"), "zh_CN") == "5楼 503室 · 2号电梯 右转"
    assert directions.summary_for_visit(_visit("nobody", "hr"), "en").startswith(
        "Floor 2, room 205"
    )
    with pytest.raises(NotFoundError) as caught:
        directions.summary_for_visit(_visit(None), "en")
    assert caught.value.message_key == "directions.error.unknown_place"


def test_where_the_building_comes_from(tmp_path: Path) -> None:
    assert find_building(tmp_path, "demo") == DEMO_BUILDING
    assert find_building(tmp_path, "head-office") is None
    (tmp_path / "building.json").write_text(json.dumps(tiny()), encoding="utf-8")
    assert find_building(tmp_path, "head-office") == tmp_path / "building.json"

    class Settings:
        data_dir = tmp_path

        class site:
            id = "head-office"

    loaded = Directions.for_site(Settings())
    assert loaded is not None and loaded.building.site == "tiny"
    (tmp_path / "building.json").write_text('{"format": "lobby-kiosk-building/1"}', "utf-8")
    with pytest.raises(ConfigError, match=r"building\.json: \d+ problems"):
        Directions.for_site(Settings())


def test_rooms_a_visitor_types(demo: Building) -> None:
    directions = Directions(demo)
    assert [r.number for r in directions.rooms_starting("50")] == [f"50{n}" for n in range(1, 7)]
    assert directions.rooms_starting(" ") == []
    image = directions.render(directions.route("503"), "5", size=(400, 300), lang="en")
    assert image.size == (400, 300)
