"""The building file: loading the demo tower, and one clear error for every kind of mistake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from building_fixtures import tiny
from PIL import Image

from kiosk.core.config.errors import ConfigError
from kiosk.core.directory.demo import demo_directory
from kiosk.core.wayfinding.building import DEMO_BUILDING, building_from_dict, load_building
from kiosk.core.wayfinding.model import Kind, Restriction


def write(tmp_path: Path, data: Any, name: str = "building.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def problems(tmp_path: Path, data: Any) -> str:
    """Load ``data`` from a file and return the error message (the load must fail)."""
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as caught:
        load_building(path)
    message = str(caught.value)
    assert str(path) in message, "every error names the file"
    return message


# --- the demo tower ---------------------------------------------------------------------------


def test_demo_building_has_every_directory_room() -> None:
    building = load_building(DEMO_BUILDING)
    directory = demo_directory()
    for entry in directory["departments"] + directory["hosts"]:
        room = building.room_by_number.get(entry["room"])
        assert room is not None, f"room {entry['room']} of {entry['id']} missing"
        assert room.floor == entry["floor"]
    for department in directory["departments"]:
        assert building.departments[department["id"]] == department["room"]


def test_demo_building_shape() -> None:
    building = load_building(DEMO_BUILDING)
    assert [f.level for f in building.floors_by_level()] == [1, 2, 3, 4, 5, 6]
    kinds = [c.kind for c in building.connections]
    assert kinds.count(Kind.ELEVATOR) == 2
    assert kinds.count(Kind.ESCALATOR) == 1
    assert kinds.count(Kind.STAIRS) >= 2
    names = {c.name.zh for c in building.connections if c.name}
    assert {"1号电梯", "2号电梯"} <= names
    assert building.floor_of(building.kiosk.waypoint).level == 1
    assert 0 <= building.kiosk.facing < 360
    assert {lm.name.zh for lm in building.landmarks} >= {"前台", "咖啡厅", "洗手间"}
    assert building.warnings == ()  # every room has a step-free route
    assert all(r.centre is not None for r in building.rooms)


def test_demo_file_is_what_the_generator_writes() -> None:
    """building.json is generated: edit make_building.py, not the JSON."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_building", DEMO_BUILDING.parent / "make_building.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == json.loads(DEMO_BUILDING.read_text(encoding="utf-8"))


# --- the model --------------------------------------------------------------------------------


def test_tiny_building_loads_with_a_warning_for_the_stepped_room() -> None:
    building = building_from_dict(tiny(), source="tiny.json")
    assert building.source == "tiny.json"
    assert building.warnings == ("room '109': no step-free route from the kiosk",)
    assert building.room_by_number["105"].name is not None
    assert building.room_by_number["105"].centre == pytest.approx((15.0, 7.0))
    assert building.room_by_number["107"].centre == (23.0, 5.0)
    staff = next(c for c in building.connections if c.id == "staff")
    assert staff.restriction is Restriction.STAFF


def test_edges_elevator_joins_every_stop_and_one_way_is_one_way() -> None:
    data = tiny()
    data["waypoints"].append({"id": "s3", "floor": "3", "x": 0, "y": 0})
    data["waypoints"].append({"id": "e3", "floor": "3", "x": 20, "y": 0})
    data["floors"].append({**data["floors"][1], "id": "3", "level": 3, "label": "3"})
    elevator = next(c for c in data["connections"] if c.get("id") == "elevator-1")
    elevator["path"].append("e3")
    data["connections"].append(
        {
            "id": "esc",
            "kind": "escalator",
            "name_zh": "扶梯",
            "name_en": "Escalator",
            "path": ["s2", "s3"],
            "one_way": True,
        }
    )
    building = building_from_dict(data)
    pairs = {(a, b) for a, b, c in building.edges() if c.id == "elevator-1"}
    assert pairs == {("C", "e2"), ("e2", "C"), ("C", "e3"), ("e3", "C"), ("e2", "e3"), ("e3", "e2")}
    assert {(a, b) for a, b, c in building.edges() if c.id == "esc"} == {("s2", "s3")}


def test_floor_image_is_resolved_next_to_the_file(tmp_path: Path) -> None:
    Image.new("RGB", (60, 40), (200, 220, 240)).save(tmp_path / "floor2.png")
    data = tiny()
    data["floors"][1]["image"] = "floor2.png"
    data["floors"][1]["image_bounds"] = [-3, -3, 26, 15]
    building = load_building(write(tmp_path, data))
    assert building.floor_by_id["2"].image == tmp_path / "floor2.png"


# --- every kind of mistake --------------------------------------------------------------------


def test_unreadable_and_not_json(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the building file"):
        load_building(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.json: not valid JSON"):
        load_building(bad)


def test_wrong_format_tag(tmp_path: Path) -> None:
    data = tiny()
    data["format"] = "lobby-kiosk-directory/1"
    assert "'format' must be \"lobby-kiosk-building/1\"" in problems(tmp_path, data)


def test_unknown_node(tmp_path: Path) -> None:
    data = tiny()
    data["connections"][0]["path"].append("Z9")
    data["rooms"][0]["waypoint"] = "nowhere"
    data["landmarks"][0]["waypoint"] = "ghost"
    data["kiosk"]["waypoint"] = "lost"
    message = problems(tmp_path, data)
    assert "unknown waypoint 'Z9'" in message
    assert "room '101': unknown waypoint 'nowhere'" in message
    assert "landmark 'reception': unknown waypoint 'ghost'" in message
    assert "kiosk: unknown waypoint 'lost'" in message
    assert "4 problems" in message, "all problems are listed at once"


def test_unknown_floor_and_department_room(tmp_path: Path) -> None:
    data = tiny()
    data["waypoints"][0]["floor"] = "9"
    data["departments"]["legal"] = "999"
    message = problems(tmp_path, data)
    assert "waypoint 'K': unknown floor '9'" in message
    assert "department 'legal': unknown room '999'" in message


def test_duplicate_ids(tmp_path: Path) -> None:
    data = tiny()
    data["waypoints"].append({"id": "a2", "floor": "1", "x": 1, "y": 1})
    data["rooms"].append({"number": "103", "waypoint": "a3"})
    data["floors"].append(dict(data["floors"][0]))
    data["landmarks"].append(dict(data["landmarks"][0]))
    data["connections"].append(dict(data["connections"][-1]))
    message = problems(tmp_path, data)
    for what in (
        "waypoint 'a2'",
        "room '103'",
        "floor '1'",
        "landmark 'reception'",
        "connection 'elevator-1'",
    ):
        assert f"{what}: duplicate id" in message


def test_unreachable_room(tmp_path: Path) -> None:
    data = tiny()
    data["waypoints"].append({"id": "island", "floor": "2", "x": 5, "y": 10})
    data["rooms"].append({"number": "299", "waypoint": "island", "centre": [5, 12]})
    message = problems(tmp_path, data)
    assert "room '299': unreachable from the kiosk at 'K'" in message


def test_room_behind_a_staff_door_is_unreachable(tmp_path: Path) -> None:
    data = tiny()
    door = next(c for c in data["connections"] if c.get("id") == "step-109")
    door["restriction"] = "staff"
    assert "room '109': unreachable from the kiosk" in problems(tmp_path, data)


def test_missing_floor_image(tmp_path: Path) -> None:
    data = tiny()
    data["floors"][0]["image"] = "plans/floor1.png"
    data["floors"][0]["image_bounds"] = [0, 0, 10, 10]
    message = problems(tmp_path, data)
    assert "floor '1': missing floor image" in message
    assert "plans/floor1.png" in message


def test_floor_needs_outline_or_image(tmp_path: Path) -> None:
    data = tiny()
    del data["floors"][1]["outline"]
    assert "floor '2': needs an 'outline' or an 'image'" in problems(tmp_path, data)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["waypoints"][1].update(x="five"), "waypoint 'a1': bad coordinates x='five'"),
        (lambda d: d["waypoints"][1].update(y=None), "waypoint 'a1': bad coordinates"),
        (lambda d: d["waypoints"][1].update(x=float("nan")), "waypoint 'a1': bad coordinates"),
        (lambda d: d["waypoints"][1].update(x=500), "waypoint 'a1': bad coordinates (500, 10)"),
        (lambda d: d["floors"][0].update(outline=[[0, 0], [1, "x"], [2, 2]]), "floor '1': bad"),
        (lambda d: d["rooms"][0].update(centre=[1]), "room '101': bad coordinates for 'centre'"),
        (lambda d: d["kiosk"].update(facing=400), "kiosk: 'facing' must be degrees in [0, 360)"),
    ],
)
def test_bad_coordinates(tmp_path: Path, change: Any, expected: str) -> None:
    data = tiny()
    change(data)
    assert expected in problems(tmp_path, data)


def test_connection_mistakes(tmp_path: Path) -> None:
    data = tiny()
    data["connections"].append({"kind": "corridor", "path": ["K", "s2"]})
    data["connections"].append({"kind": "teleport", "path": ["K", "a1"]})
    data["connections"].append({"id": "lift-x", "kind": "elevator", "path": ["K", "a1"]})
    data["connections"].append({"kind": "door", "path": ["K", "a1"], "restriction": "vip"})
    data["connections"].append({"kind": "corridor", "path": ["K"]})
    message = problems(tmp_path, data)
    assert "a corridor must stay on one floor" in message
    assert "unknown kind 'teleport'" in message
    assert "connection 'lift-x': elevator stops must be on different floors" in message
    assert "connection 'lift-x': needs both 'name_zh' and 'name_en'" in message
    assert "unknown restriction 'vip'" in message
    assert "'path' must list at least two waypoint ids" in message


def test_costs_are_checked(tmp_path: Path) -> None:
    data = tiny()
    data["costs"] = {"walk_speed": 0, "elevator_wait": 20, "teleport": 1}
    message = problems(tmp_path, data)
    assert "'walk_speed' must be a positive number" in message
    assert "unknown key 'teleport'" in message
    data["costs"] = {"elevator_wait": 20}
    assert building_from_dict(data).costs.elevator_wait == 20


def test_not_an_object(tmp_path: Path) -> None:
    assert "must hold a JSON object" in problems(tmp_path, [1, 2])


def test_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.core.wayfinding.building import main

    good = write(tmp_path, tiny(), "good.json")
    data = tiny()
    data["rooms"][0]["waypoint"] = "nowhere"
    bad = write(tmp_path, data, "bad.json")
    assert main([str(good)]) == 0
    out = capsys.readouterr().out
    assert "good.json: ok: 2 floors, 13 waypoints, 8 rooms, 1 landmarks" in out
    assert "warning: room '109': no step-free route from the kiosk" in out
    assert main([str(good), str(bad)]) == 1
    assert "room '101': unknown waypoint 'nowhere'" in capsys.readouterr().out
    assert main([]) == 2
