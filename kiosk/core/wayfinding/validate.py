"""Checking a building file section by section: each ``parse_*`` reads one section of the
decoded JSON into model values and records every problem it finds in ``Problems`` (so the author
fixes the file in one go); ``check_bounds`` and ``reachability`` check the whole.
"""

from __future__ import annotations

import math
from collections import deque
from pathlib import Path
from typing import Any

from kiosk.core.wayfinding.model import (
    Area,
    Building,
    Connection,
    Costs,
    Floor,
    Kind,
    KioskPlace,
    Landmark,
    Name,
    Point,
    Restriction,
    Room,
    Waypoint,
    centroid,
)


class Problems:
    """Collects every problem so the author fixes the file in one go."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")


def _list(raw: Any, what: str, p: Problems) -> list[dict[str, Any]]:
    if raw is None:
        p.add(what, "missing")
        return []
    if not isinstance(raw, list):
        p.add(what, "must be a list")
        return []
    out = []
    for i, item in enumerate(raw):
        if isinstance(item, dict):
            out.append(item)
        else:
            p.add(f"{what}[{i}]", "must be an object")
    return out


def _id(item: dict[str, Any], key: str, where: str, p: Problems) -> str | None:
    value = item.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        p.add(where, f"'{key}' must be a non-empty string, got {value!r}")
        return None
    return value


def parse_name(item: dict[str, Any], where: str, p: Problems, required: bool = True) -> Name | None:
    zh, en = item.get("name_zh"), item.get("name_en")
    if zh is None and en is None and not required:
        return None
    if not isinstance(zh, str) or not isinstance(en, str) or not zh or not en:
        p.add(where, "needs both 'name_zh' and 'name_en' as non-empty strings")
        return None
    return Name(zh, en)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def _point(value: Any) -> Point | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        x, y = _number(value[0]), _number(value[1])
        if x is not None and y is not None:
            return (x, y)
    return None


def _polygon(value: Any, where: str, p: Problems) -> tuple[Point, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) < 3:
        p.add(where, "an outline needs at least 3 [x, y] points")
        return ()
    points = []
    for i, raw in enumerate(value):
        pt = _point(raw)
        if pt is None:
            p.add(where, f"bad coordinates at outline point {i}: {raw!r} (want [x, y] in metres)")
            return ()
        points.append(pt)
    return tuple(points)


def _unique(ids: list[str], what: str, p: Problems) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            p.add(f"{what} '{i}'", "duplicate id")
        seen.add(i)


def parse_floors(raw: Any, p: Problems, base_dir: Path | None) -> tuple[Floor, ...]:
    floors = []
    for i, item in enumerate(_list(raw, "floors", p)):
        fid = _id(item, "id", f"floors[{i}]", p)
        if fid is None:
            continue
        where = f"floor '{fid}'"
        name = parse_name(item, where, p)
        level = item.get("level")
        if isinstance(level, bool) or not isinstance(level, int):
            p.add(where, f"'level' must be an integer, got {level!r}")
            level = 0
        outline = _polygon(item.get("outline"), where, p)
        image: Path | None = None
        bounds: tuple[float, float, float, float] | None = None
        if item.get("image") is not None:
            rel = item["image"]
            if not isinstance(rel, str):
                p.add(where, f"'image' must be a file name, got {rel!r}")
            else:
                image = (base_dir / rel) if base_dir else Path(rel)
                if not image.is_file():
                    p.add(where, f"missing floor image {str(image)!r}")
            raw_bounds = item.get("image_bounds")
            nums = [_number(v) for v in raw_bounds] if isinstance(raw_bounds, list) else []
            if len(nums) != 4 or any(v is None for v in nums):
                p.add(where, "'image_bounds' must be [x0, y0, x1, y1] in metres")
            else:
                x0, y0, x1, y1 = (float(v) for v in nums if v is not None)
                if x1 <= x0 or y1 <= y0:
                    p.add(where, "'image_bounds' must have x1 > x0 and y1 > y0")
                bounds = (x0, y0, x1, y1)
        if not outline and image is None:
            p.add(where, "needs an 'outline' or an 'image'")
        label = str(item.get("label", fid))
        if name is not None:
            floors.append(Floor(fid, name, level, label, outline, image, bounds))
    _unique([f.id for f in floors], "floor", p)
    return tuple(floors)


def parse_waypoints(raw: Any, p: Problems, floor_ids: set[str]) -> tuple[Waypoint, ...]:
    out = []
    for i, item in enumerate(_list(raw, "waypoints", p)):
        wid = _id(item, "id", f"waypoints[{i}]", p)
        if wid is None:
            continue
        where = f"waypoint '{wid}'"
        floor = _id(item, "floor", where, p)
        if floor is not None and floor not in floor_ids:
            p.add(where, f"unknown floor '{floor}'")
        x, y = _number(item.get("x")), _number(item.get("y"))
        if x is None or y is None:
            p.add(where, f"bad coordinates x={item.get('x')!r}, y={item.get('y')!r} (metres)")
            continue
        if floor is not None:
            out.append(Waypoint(wid, floor, x, y, parse_name(item, where, p, required=False)))
    _unique([w.id for w in out], "waypoint", p)
    return tuple(out)


def parse_connections(raw: Any, p: Problems, wp: dict[str, Waypoint]) -> tuple[Connection, ...]:
    out = []
    for i, item in enumerate(_list(raw, "connections", p)):
        cid = str(item.get("id") or f"connections[{i}]")
        where = f"connection '{cid}'"
        try:
            kind = Kind(str(item.get("kind")))
        except ValueError:
            p.add(where, f"unknown kind {item.get('kind')!r} (one of {', '.join(Kind)})")
            continue
        path = item.get("path")
        if not isinstance(path, list) or len(path) < 2 or not all(isinstance(s, str) for s in path):
            p.add(where, "'path' must list at least two waypoint ids")
            continue
        bad = [s for s in path if s not in wp]
        for s in bad:
            p.add(where, f"unknown waypoint '{s}'")
        if bad:
            continue
        floors = [wp[s].floor for s in path]
        if kind.vertical:
            if "id" not in item:
                p.add(where, f"{kind} needs an 'id'")
            if len(set(floors)) != len(floors):
                p.add(where, f"{kind} stops must be on different floors, got {floors}")
        elif len(set(floors)) != 1:
            p.add(where, f"a {kind} must stay on one floor, got floors {sorted(set(floors))}")
        name = parse_name(item, where, p, required=kind.vertical)
        restriction = None
        if item.get("restriction") is not None:
            try:
                restriction = Restriction(item["restriction"])
            except ValueError:
                p.add(
                    where,
                    f"unknown restriction {item['restriction']!r} "
                    f"(one of {', '.join(Restriction)})",
                )
        out.append(
            Connection(cid, kind, tuple(path), name, restriction, bool(item.get("one_way", False)))
        )
    _unique([c.id for c in out if not c.id.startswith("connections[")], "connection", p)
    return tuple(out)


def parse_rooms(
    raw: Any, p: Problems, wp: dict[str, Waypoint], floor_ids: set[str]
) -> tuple[Room, ...]:
    out = []
    for i, item in enumerate(_list(raw, "rooms", p)):
        number = _id(item, "number", f"rooms[{i}]", p)
        if number is None:
            continue
        where = f"room '{number}'"
        waypoint = _id(item, "waypoint", where, p)
        if waypoint is None:
            continue
        if waypoint not in wp:
            p.add(where, f"unknown waypoint '{waypoint}'")
            continue
        floor = wp[waypoint].floor
        if "floor" in item and str(item["floor"]) != floor:
            p.add(where, f"says floor '{item['floor']}' but its waypoint is on floor '{floor}'")
        outline = _polygon(item.get("outline"), where, p)
        centre = _point(item["centre"]) if "centre" in item else None
        if "centre" in item and centre is None:
            p.add(where, f"bad coordinates for 'centre': {item['centre']!r}")
        if centre is None and outline:
            centre = centroid(outline)
        out.append(
            Room(number, floor, waypoint, parse_name(item, where, p, False), outline, centre)
        )
    _unique([r.number for r in out], "room", p)
    return tuple(out)


def parse_landmarks(raw: Any, p: Problems, wp: dict[str, Waypoint]) -> tuple[Landmark, ...]:
    out = []
    for i, item in enumerate(_list(raw if raw is not None else [], "landmarks", p)):
        lid = _id(item, "id", f"landmarks[{i}]", p)
        if lid is None:
            continue
        where = f"landmark '{lid}'"
        waypoint = _id(item, "waypoint", where, p)
        if waypoint is not None and waypoint not in wp:
            p.add(where, f"unknown waypoint '{waypoint}'")
            continue
        name = parse_name(item, where, p)
        if name is not None and waypoint is not None:
            out.append(Landmark(lid, name, waypoint))
    _unique([lm.id for lm in out], "landmark", p)
    return tuple(out)


def parse_areas(raw: Any, p: Problems, floor_ids: set[str]) -> tuple[Area, ...]:
    out = []
    for i, item in enumerate(_list(raw if raw is not None else [], "areas", p)):
        where = f"areas[{i}]"
        floor = _id(item, "floor", where, p)
        if floor is not None and floor not in floor_ids:
            p.add(where, f"unknown floor '{floor}'")
            continue
        name = parse_name(item, where, p)
        outline = _polygon(item.get("outline"), where, p)
        if floor is not None and name is not None and outline:
            out.append(Area(floor, name, outline))
    return tuple(out)


def parse_kiosk(raw: Any, p: Problems, wp: dict[str, Waypoint]) -> KioskPlace | None:
    if not isinstance(raw, dict):
        p.add("kiosk", "missing: needs 'waypoint' and 'facing'")
        return None
    waypoint = _id(raw, "waypoint", "kiosk", p)
    if waypoint is not None and waypoint not in wp:
        p.add("kiosk", f"unknown waypoint '{waypoint}'")
    facing = _number(raw.get("facing"))
    if facing is None or not 0 <= facing < 360:
        p.add("kiosk", f"'facing' must be degrees in [0, 360), got {raw.get('facing')!r}")
        facing = 0.0
    return KioskPlace(waypoint or "", facing)


def parse_costs(raw: Any, p: Problems) -> Costs:
    if not isinstance(raw, dict):
        p.add("costs", "must be an object")
        return Costs()
    known = set(Costs.__dataclass_fields__)
    values: dict[str, float] = {}
    for key, value in raw.items():
        if key not in known:
            p.add("costs", f"unknown key '{key}' (known: {', '.join(sorted(known))})")
            continue
        number = _number(value)
        if number is None or number < 0 or (key == "walk_speed" and number == 0):
            p.add("costs", f"'{key}' must be a positive number, got {value!r}")
            continue
        values[key] = number
    return Costs(**values)


def check_bounds(floors: tuple[Floor, ...], waypoints: tuple[Waypoint, ...], p: Problems) -> None:
    """A waypoint far outside its floor's outline is almost always a typo in x or y."""
    margin = 2.0
    boxes: dict[str, tuple[float, float, float, float]] = {}
    for f in floors:
        if f.outline:
            xs = [pt[0] for pt in f.outline]
            ys = [pt[1] for pt in f.outline]
            boxes[f.id] = (min(xs), min(ys), max(xs), max(ys))
        elif f.image_bounds:
            boxes[f.id] = f.image_bounds
    for w in waypoints:
        box = boxes.get(w.floor)
        if box is None:
            continue
        x0, y0, x1, y1 = box
        if not (x0 - margin <= w.x <= x1 + margin and y0 - margin <= w.y <= y1 + margin):
            p.add(
                f"waypoint '{w.id}'",
                f"bad coordinates ({w.x:g}, {w.y:g}): outside floor '{w.floor}' "
                f"({x0:g}..{x1:g}, {y0:g}..{y1:g})",
            )


def reachability(building: Building) -> tuple[list[Room], list[Room]]:
    """Rooms no visitor can reach from the kiosk, and rooms reachable only by steps."""

    def reach(step_free: bool) -> set[str]:
        adjacency: dict[str, list[str]] = {}
        for a, b, c in building.edges():
            if c.restriction is Restriction.STAFF:
                continue
            if step_free and (c.kind in (Kind.STAIRS, Kind.ESCALATOR) or c.restriction):
                continue
            adjacency.setdefault(a, []).append(b)
        seen = {building.kiosk.waypoint}
        queue = deque(seen)
        while queue:
            for nxt in adjacency.get(queue.popleft(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        return seen

    anyway, step_free = reach(False), reach(True)
    unreachable = [r for r in building.rooms if r.waypoint not in anyway]
    stepped = [r for r in building.rooms if r.waypoint in anyway and r.waypoint not in step_free]
    return unreachable, stepped
