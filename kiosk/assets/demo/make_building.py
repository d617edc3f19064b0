"""Regenerate the demo tower's plan: ``python kiosk/assets/demo/make_building.py``.

Six floors of 60 × 24 m around a central east-west corridor (y = 12). Odd rooms north, even rooms
south; the core north of the corridor holds 1号电梯 (floors 1–4) and 2号电梯 (all floors);
staircases A and B at the west and east ends. The lobby (floor 1, south middle) has the kiosk,
Reception and the Café, an up escalator and the open "lobby stairs" to floor 2: both are quicker
than the elevators for floor 2 but not step-free, so the accessible route visibly differs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
W, D = 60.0, 24.0
NORTH, SOUTH = 10.5, 13.5  # corridor walls
CORRIDOR_Y = 12.0
FLOORS = range(1, 7)


def rect(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def split(x0: float, x1: float, n: int) -> list[tuple[float, float]]:
    step = (x1 - x0) / n
    return [(round(x0 + i * step, 2), round(x0 + (i + 1) * step, 2)) for i in range(n)]


def rooms_of(level: int) -> list[tuple[str, float, float, bool]]:
    """(number, x0, x1, north) for every room on ``level``."""
    out = []
    north = split(4, 25, 4) + split(35, 56, 4)
    for i, (x0, x1) in enumerate(north):
        out.append((f"{level}{2 * i + 1:02d}", x0, x1, True))
    if level == 1:
        south = [(4, 12), (12, 20), (40, 48), (48, 56)]
        numbers = ["02", "04", "08", "10"]
    elif level == 2:
        south = [(4, 10), (10, 15), (15, 20), (40, 48), (48, 56)]
        numbers = ["02", "04", "06", "08", "10"]
    else:
        south = [*split(4, 25, 3), *split(35, 56, 3)]
        numbers = ["02", "04", "06", "08", "10", "12"]
    for n, (x0, x1) in zip(numbers, south, strict=True):
        out.append((f"{level}{n}", x0, x1, False))
    return out


def build() -> dict[str, Any]:
    directory = json.loads((HERE / "directory.json").read_text(encoding="utf-8"))
    floors, waypoints, connections, rooms, landmarks, areas = [], [], [], [], [], []

    def area(level: int, zh: str, en: str, outline: list[list[float]]) -> dict[str, Any]:
        return {"floor": str(level), "name_zh": zh, "name_en": en, "outline": outline}

    def wp(wid: str, level: int, x: float, y: float, **names: str) -> str:
        waypoints.append(
            {"id": wid, "floor": str(level), "x": round(x, 2), "y": round(y, 2), **names}
        )
        return wid

    for level in FLOORS:
        f = f"f{level}"
        name_zh = "1楼 大堂" if level == 1 else f"{level}楼"
        name_en = "Floor 1 · Lobby" if level == 1 else f"Floor {level}"
        floors.append(
            {
                "id": str(level),
                "level": level,
                "label": str(level),
                "name_zh": name_zh,
                "name_en": name_en,
                "outline": rect(0, 0, W, D),
            }
        )
        # corridor stations, west to east: ends, doors, elevator halls, restrooms
        stations: dict[float, str] = {}
        stations[4.5] = f"{f}.west"
        stations[55.5] = f"{f}.east"
        stations[27.5] = f"{f}.hall-1"
        stations[32.5] = f"{f}.hall-2"
        stations[30.0] = f"{f}.core"
        for number, x0, x1, north in rooms_of(level):
            x = round((x0 + x1) / 2, 2)
            wid = stations.setdefault(x, f"{f}.door-{number}")
            y0, y1 = (0, NORTH) if north else (SOUTH, D)
            rooms.append(
                {
                    "number": number,
                    "floor": str(level),
                    "waypoint": wid,
                    "outline": rect(x0, y0, x1, y1),
                }
            )
        if level == 2:
            stations[21.5] = f"{f}.escalator-top"
            stations[38.0] = f"{f}.lobby-stairs-top"
        if level == 1:
            stations[23.0] = f"{f}.gate-west"
        corridor = [wp(stations[x], level, x, CORRIDOR_Y) for x in sorted(stations)]
        connections.append({"kind": "corridor", "path": corridor})
        for name, x in (("a", 2.0), ("b", 58.0)):
            end = f"{f}.west" if name == "a" else f"{f}.east"
            connections.append(
                {"kind": "corridor", "path": [wp(f"{f}.stairs-{name}", level, x, CORRIDOR_Y), end]}
            )
        for car, x in ((1, 27.5), (2, 32.5)):
            if car == 1 and level > 4:
                continue
            connections.append(
                {
                    "kind": "corridor",
                    "path": [wp(f"{f}.elevator-{car}", level, x, 8.5), f"{f}.hall-{car}"],
                }
            )
        if level >= 3:
            areas.append(area(level, "洗手间", "Restrooms", rect(25, SOUTH, 35, D)))
            landmarks.append(
                {
                    "id": f"restrooms-{level}",
                    "waypoint": f"{f}.core",
                    "name_zh": "洗手间",
                    "name_en": "Restrooms",
                }
            )

    # the lobby
    wp("f1.kiosk", 1, 36, 19.5)
    wp("f1.reception", 1, 32.5, 18)
    wp("f1.lobby", 1, 30, 18)
    wp("f1.cafe", 1, 23, 18)
    wp("f1.entrance", 1, 30, 23, name_zh="大门", name_en="the main entrance")
    wp("f1.gate-east", 1, 32.5, 14.5)
    wp("f1.escalator", 1, 21.5, 21)
    wp("f1.lobby-stairs", 1, 39, 15.5)
    wp("f2.escalator", 2, 21.5, 15.5)
    wp("f2.lobby-stairs", 2, 38, 15.5)
    connections += [
        {"kind": "corridor", "path": ["f1.kiosk", "f1.reception", "f1.lobby", "f1.cafe"]},
        {"kind": "corridor", "path": ["f1.entrance", "f1.lobby"]},
        {"kind": "corridor", "path": ["f1.cafe", "f1.escalator"]},
        {"kind": "corridor", "path": ["f1.kiosk", "f1.lobby-stairs"]},
        {
            "kind": "door",
            "path": ["f1.reception", "f1.gate-east", "f1.hall-2"],
            "name_zh": "大堂闸机",
            "name_en": "the lobby gates",
        },
        {
            "kind": "door",
            "path": ["f1.cafe", "f1.gate-west"],
            "restriction": "staff",
            "name_zh": "员工通道",
            "name_en": "the staff door",
        },
        {"kind": "corridor", "path": ["f2.escalator", "f2.escalator-top"]},
        {"kind": "corridor", "path": ["f2.lobby-stairs", "f2.lobby-stairs-top"]},
        {
            "id": "elevator-1",
            "kind": "elevator",
            "name_zh": "1号电梯",
            "name_en": "Elevator 1",
            "path": [f"f{n}.elevator-1" for n in range(1, 5)],
        },
        {
            "id": "elevator-2",
            "kind": "elevator",
            "name_zh": "2号电梯",
            "name_en": "Elevator 2",
            "path": [f"f{n}.elevator-2" for n in FLOORS],
        },
        {
            "id": "stairs-a",
            "kind": "stairs",
            "name_zh": "A座楼梯",
            "name_en": "Stairs A",
            "path": [f"f{n}.stairs-a" for n in FLOORS],
        },
        {
            "id": "stairs-b",
            "kind": "stairs",
            "name_zh": "B座楼梯",
            "name_en": "Stairs B",
            "path": [f"f{n}.stairs-b" for n in FLOORS],
        },
        {
            "id": "escalator",
            "kind": "escalator",
            "name_zh": "扶梯",
            "name_en": "the escalator",
            "path": ["f1.escalator", "f2.escalator"],
            "one_way": True,
        },
        {
            "id": "lobby-stairs",
            "kind": "stairs",
            "name_zh": "大堂楼梯",
            "name_en": "the lobby stairs",
            "path": ["f1.lobby-stairs", "f2.lobby-stairs"],
        },
    ]
    areas += [
        area(1, "大堂", "Lobby", rect(25, SOUTH, 40, D)),
        area(1, "咖啡厅", "Café", rect(20, SOUTH, 25, D)),
        area(2, "中庭", "Atrium", rect(20, SOUTH, 40, D)),
    ]
    landmarks += [
        {"id": "reception", "waypoint": "f1.reception", "name_zh": "前台", "name_en": "Reception"},
        {"id": "cafe", "waypoint": "f1.cafe", "name_zh": "咖啡厅", "name_en": "Café"},
        # emergency mode reads these (docs/emergency.md): exits, and the assembly point outside
        {
            "id": "exit-main",
            "waypoint": "f1.entrance",
            "name_zh": "正门",
            "name_en": "Main entrance",
        },
        {
            "id": "assembly-square",
            "waypoint": "f1.entrance",
            "name_zh": "大楼南侧广场",
            "name_en": "the square south of the building",
        },
    ]
    departments = {d["id"]: d["room"] for d in directory["departments"]}
    names = {d["room"]: d for d in directory["departments"]}
    for room in rooms:
        dept = names.get(room["number"])
        if dept:
            room["name_zh"], room["name_en"] = dept["name_zh"], dept["name_en"]
    return {
        "format": "lobby-kiosk-building/1",
        "site": directory["site"]["id"],
        "name_zh": directory["site"]["name_zh"],
        "name_en": directory["site"]["name_en"],
        "kiosk": {"waypoint": "f1.kiosk", "facing": 0},
        "floors": floors,
        "waypoints": waypoints,
        "connections": connections,
        "rooms": rooms,
        "landmarks": landmarks,
        "areas": areas,
        "departments": departments,
    }


if __name__ == "__main__":
    out = HERE / "building.json"
    out.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
