"""The building model: floors, waypoints, connections, rooms, landmarks and the kiosk's place.

A site's building is one JSON file (format ``lobby-kiosk-building/1``, see
``docs/building-format.md``). ``load_building`` reads and validates it and returns frozen values;
every problem found is reported at once in a single ``ConfigError`` that names the file and the
offending ids, because a half-valid building would send visitors the wrong way.

Plan coordinates are metres: ``x`` grows to the right and ``y`` grows *down* the plan, as in an
image. Headings and the kiosk's ``facing`` are degrees clockwise from plan-up.

This module does no routing and no drawing (see ``wayfinding.py`` and ``maps.py``), and never
imports Kivy.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from kiosk.core.config.assets import ASSETS_DIR
from kiosk.core.config.errors import ConfigError

FORMAT = "lobby-kiosk-building/1"
DEMO_BUILDING = ASSETS_DIR / "demo" / "building.json"

Point = tuple[float, float]


class Kind(StrEnum):
    """How one waypoint leads to the next."""

    CORRIDOR = "corridor"
    DOOR = "door"
    STAIRS = "stairs"
    ELEVATOR = "elevator"
    ESCALATOR = "escalator"

    @property
    def vertical(self) -> bool:
        return self in (Kind.STAIRS, Kind.ELEVATOR, Kind.ESCALATOR)


class Restriction(StrEnum):
    """Who may not use a connection.

    ``STEPPED`` (a step, a heavy door, a turnstile) is avoided by accessible routes; ``STAFF`` by
    every visitor route.
    """

    STEPPED = "stepped"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class Name:
    zh: str
    en: str

    def text(self, lang: str) -> str:
        if lang.startswith("zh"):
            return self.zh or self.en
        return self.en or self.zh


@dataclass(frozen=True, slots=True)
class Floor:
    id: str
    name: Name
    #: storey number: 1 = ground; used for "per floor" costs and up/down
    level: int
    #: short label as signs show it: "5", "B1"
    label: str
    #: vector outline of the floor, plan metres
    outline: tuple[Point, ...] = ()
    #: background plan image (absolute path) and the plan rectangle it covers
    image: Path | None = None
    image_bounds: tuple[float, float, float, float] | None = None


@dataclass(frozen=True, slots=True)
class Waypoint:
    id: str
    floor: str
    x: float
    y: float
    #: optional, for waypoints people ask for by name: "大门 / the main entrance"
    name: Name | None = None

    @property
    def point(self) -> Point:
        return (self.x, self.y)


@dataclass(frozen=True, slots=True)
class Connection:
    """A corridor or door along ``path``, or stairs/elevator/escalator through stops on floors.

    Corridors, doors, stairs and escalators join consecutive waypoints of ``path``; an elevator
    joins every pair of its stops (one ride, one wait). ``one_way`` allows only the listed order.
    """

    id: str
    kind: Kind
    path: tuple[str, ...]
    name: Name | None = None
    restriction: Restriction | None = None
    one_way: bool = False


@dataclass(frozen=True, slots=True)
class Room:
    number: str
    floor: str
    #: the waypoint at the room's door, on the corridor centre line
    waypoint: str
    name: Name | None = None
    outline: tuple[Point, ...] = ()
    #: where the room is (centroid of the outline unless given); decides left/right of its door
    centre: Point | None = None


@dataclass(frozen=True, slots=True)
class Area:
    """A named part of a floor that is drawn but not routed to: lobby, restrooms, atrium."""

    floor: str
    name: Name
    outline: tuple[Point, ...]


@dataclass(frozen=True, slots=True)
class Landmark:
    id: str
    name: Name
    waypoint: str


@dataclass(frozen=True, slots=True)
class KioskPlace:
    waypoint: str
    #: the direction a visitor reading the screen looks, degrees clockwise from plan-up
    facing: float


@dataclass(frozen=True, slots=True)
class Costs:
    """Seconds a walker spends, the currency of routing."""

    walk_speed: float = 1.2  # metres per second
    door: float = 3.0
    stairs_per_floor: float = 20.0
    escalator_per_floor: float = 15.0
    elevator_wait: float = 30.0
    elevator_per_floor: float = 4.0


@dataclass(frozen=True, eq=False)
class Building:
    """The whole building, validated. Compared and hashed by identity: it is loaded once and
    routing caches its graph on it."""

    site: str
    name: Name
    floors: tuple[Floor, ...]
    waypoints: tuple[Waypoint, ...]
    connections: tuple[Connection, ...]
    rooms: tuple[Room, ...]
    kiosk: KioskPlace
    landmarks: tuple[Landmark, ...] = ()
    areas: tuple[Area, ...] = ()
    #: department id → room number
    departments: Mapping[str, str] = field(default_factory=dict)
    costs: Costs = Costs()
    source: str = "<memory>"
    #: problems that do not stop the kiosk (a room that has no step-free route)
    warnings: tuple[str, ...] = ()
    # lookups, derived once
    floor_by_id: Mapping[str, Floor] = field(init=False, repr=False, compare=False)
    waypoint_by_id: Mapping[str, Waypoint] = field(init=False, repr=False, compare=False)
    room_by_number: Mapping[str, Room] = field(init=False, repr=False, compare=False)
    landmark_by_waypoint: Mapping[str, Landmark] = field(init=False, repr=False, compare=False)
    connection_by_id: Mapping[str, Connection] = field(init=False, repr=False, compare=False)
    rooms_by_floor: Mapping[str, tuple[Room, ...]] = field(init=False, repr=False, compare=False)
    #: scratch space for derived structures (the routing graph); never part of equality
    cache: dict[str, Any] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "floor_by_id", {f.id: f for f in self.floors})
        object.__setattr__(self, "waypoint_by_id", {w.id: w for w in self.waypoints})
        object.__setattr__(self, "room_by_number", {r.number: r for r in self.rooms})
        object.__setattr__(self, "landmark_by_waypoint", {lm.waypoint: lm for lm in self.landmarks})
        object.__setattr__(self, "connection_by_id", {c.id: c for c in self.connections})
        by_floor: dict[str, list[Room]] = {}
        for room in self.rooms:
            by_floor.setdefault(room.floor, []).append(room)
        object.__setattr__(self, "rooms_by_floor", {f: tuple(r) for f, r in by_floor.items()})

    def floor_of(self, waypoint_id: str) -> Floor:
        return self.floor_by_id[self.waypoint_by_id[waypoint_id].floor]

    def floors_by_level(self) -> tuple[Floor, ...]:
        return tuple(sorted(self.floors, key=lambda f: f.level))

    def rooms_on(self, floor_id: str) -> tuple[Room, ...]:
        return self.rooms_by_floor.get(floor_id, ())

    def areas_on(self, floor_id: str) -> tuple[Area, ...]:
        return tuple(a for a in self.areas if a.floor == floor_id)

    def waypoints_on(self, floor_id: str) -> tuple[Waypoint, ...]:
        return tuple(w for w in self.waypoints if w.floor == floor_id)

    def edges(self) -> Iterable[tuple[str, str, Connection]]:
        """Every (from, to, connection) a walker may take, in both directions unless one-way."""
        for c in self.connections:
            pairs: Iterable[tuple[str, str]]
            if c.kind is Kind.ELEVATOR:
                pairs = [(a, b) for i, a in enumerate(c.path) for b in c.path[i + 1 :]]
            else:
                pairs = zip(c.path, c.path[1:], strict=False)
            for a, b in pairs:
                yield a, b, c
                if not c.one_way:
                    yield b, a, c


def centroid(points: tuple[Point, ...]) -> Point:
    """Area centroid of a simple polygon (vertex mean when degenerate)."""
    area2 = cx = cy = 0.0
    n = len(points)
    for i in range(n):
        x0, y0 = points[i]
        x1, y1 = points[(i + 1) % n]
        cross = x0 * y1 - x1 * y0
        area2 += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area2) < 1e-9:
        return (sum(p[0] for p in points) / n, sum(p[1] for p in points) / n)
    return (cx / (3 * area2), cy / (3 * area2))


# --------------------------------------------------------------------------------------------
# Loading and validation


class _Problems:
    """Collects every problem so the author fixes the file in one go."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")


def load_building(path: Path | str) -> Building:
    """Read, validate and return the building in ``path``.

    Raises ``ConfigError`` naming the file and listing every problem (unknown waypoint or floor,
    duplicate id, bad coordinates, missing floor image, room unreachable from the kiosk …).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the building file: {e}") from e
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}: not valid JSON: {e}") from e
    return building_from_dict(data, source=str(path), base_dir=path.parent)


def building_from_dict(
    data: Any, *, source: str = "<memory>", base_dir: Path | None = None
) -> Building:
    """Validate the decoded JSON of a building file; ``base_dir`` resolves floor images."""
    p = _Problems()
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a building file must hold a JSON object")
    if data.get("format") != FORMAT:
        raise ConfigError(f"{source}: 'format' must be \"{FORMAT}\", got {data.get('format')!r}")

    floors = _floors(data.get("floors"), p, base_dir)
    floor_ids = {f.id for f in floors}
    waypoints = _waypoints(data.get("waypoints"), p, floor_ids)
    wp = {w.id: w for w in waypoints}
    connections = _connections(data.get("connections"), p, wp)
    rooms = _rooms(data.get("rooms"), p, wp, floor_ids)
    landmarks = _landmarks(data.get("landmarks"), p, wp)
    areas = _areas(data.get("areas"), p, floor_ids)
    kiosk = _kiosk(data.get("kiosk"), p, wp)
    room_numbers = {r.number for r in rooms}
    departments: dict[str, str] = {}
    raw_departments = data.get("departments", {})
    if not isinstance(raw_departments, dict):
        p.add("departments", "must be an object of department id → room number")
    else:
        for dept, room in raw_departments.items():
            if not isinstance(room, str) or room not in room_numbers:
                p.add(f"department '{dept}'", f"unknown room {room!r}")
            else:
                departments[dept] = room
    costs = _costs(data.get("costs", {}), p)
    _check_bounds(floors, waypoints, p)

    if p.items:
        raise _error(source, p.items)

    name = _name(data, "building", p) or Name("", "")
    building = Building(
        site=str(data.get("site", "")),
        name=name,
        floors=floors,
        waypoints=waypoints,
        connections=connections,
        rooms=rooms,
        kiosk=kiosk if kiosk is not None else KioskPlace("", 0.0),
        landmarks=landmarks,
        areas=areas,
        departments=departments,
        costs=costs,
        source=source,
    )
    unreachable, not_step_free = _reachability(building)
    problems = [
        f"room '{r.number}': unreachable from the kiosk at '{building.kiosk.waypoint}'"
        for r in unreachable
    ]
    if problems:
        raise _error(source, problems)
    warnings = tuple(f"room '{r.number}': no step-free route from the kiosk" for r in not_step_free)
    object.__setattr__(building, "warnings", warnings)
    return building


def _error(source: str, problems: list[str]) -> ConfigError:
    lines = "\n".join(f"  - {item}" for item in problems)
    noun = "problem" if len(problems) == 1 else "problems"
    return ConfigError(f"{source}: {len(problems)} {noun} in the building file:\n{lines}")


def _list(raw: Any, what: str, p: _Problems) -> list[dict[str, Any]]:
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


def _id(item: dict[str, Any], key: str, where: str, p: _Problems) -> str | None:
    value = item.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        p.add(where, f"'{key}' must be a non-empty string, got {value!r}")
        return None
    return value


def _name(item: dict[str, Any], where: str, p: _Problems, required: bool = True) -> Name | None:
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


def _polygon(value: Any, where: str, p: _Problems) -> tuple[Point, ...]:
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


def _unique(ids: list[str], what: str, p: _Problems) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            p.add(f"{what} '{i}'", "duplicate id")
        seen.add(i)


def _floors(raw: Any, p: _Problems, base_dir: Path | None) -> tuple[Floor, ...]:
    floors = []
    for i, item in enumerate(_list(raw, "floors", p)):
        fid = _id(item, "id", f"floors[{i}]", p)
        if fid is None:
            continue
        where = f"floor '{fid}'"
        name = _name(item, where, p)
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


def _waypoints(raw: Any, p: _Problems, floor_ids: set[str]) -> tuple[Waypoint, ...]:
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
            out.append(Waypoint(wid, floor, x, y, _name(item, where, p, required=False)))
    _unique([w.id for w in out], "waypoint", p)
    return tuple(out)


def _connections(raw: Any, p: _Problems, wp: dict[str, Waypoint]) -> tuple[Connection, ...]:
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
        name = _name(item, where, p, required=kind.vertical)
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


def _rooms(
    raw: Any, p: _Problems, wp: dict[str, Waypoint], floor_ids: set[str]
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
        out.append(Room(number, floor, waypoint, _name(item, where, p, False), outline, centre))
    _unique([r.number for r in out], "room", p)
    return tuple(out)


def _landmarks(raw: Any, p: _Problems, wp: dict[str, Waypoint]) -> tuple[Landmark, ...]:
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
        name = _name(item, where, p)
        if name is not None and waypoint is not None:
            out.append(Landmark(lid, name, waypoint))
    _unique([lm.id for lm in out], "landmark", p)
    return tuple(out)


def _areas(raw: Any, p: _Problems, floor_ids: set[str]) -> tuple[Area, ...]:
    out = []
    for i, item in enumerate(_list(raw if raw is not None else [], "areas", p)):
        where = f"areas[{i}]"
        floor = _id(item, "floor", where, p)
        if floor is not None and floor not in floor_ids:
            p.add(where, f"unknown floor '{floor}'")
            continue
        name = _name(item, where, p)
        outline = _polygon(item.get("outline"), where, p)
        if floor is not None and name is not None and outline:
            out.append(Area(floor, name, outline))
    return tuple(out)


def _kiosk(raw: Any, p: _Problems, wp: dict[str, Waypoint]) -> KioskPlace | None:
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


def _costs(raw: Any, p: _Problems) -> Costs:
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


def _check_bounds(floors: tuple[Floor, ...], waypoints: tuple[Waypoint, ...], p: _Problems) -> None:
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


def _reachability(building: Building) -> tuple[list[Room], list[Room]]:
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


def main(argv: list[str] | None = None) -> int:
    """``python -m kiosk.core.wayfinding.building FILE …``: check building files before
    installing them."""
    import sys

    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print("usage: python -m kiosk.core.wayfinding.building FILE [FILE ...]")
        return 2
    failed = 0
    for path in paths:
        try:
            b = load_building(path)
        except ConfigError as e:
            print(e)
            failed += 1
            continue
        print(
            f"{path}: ok: {len(b.floors)} floors, {len(b.waypoints)} waypoints, "
            f"{len(b.rooms)} rooms, {len(b.landmarks)} landmarks"
        )
        for warning in b.warnings:
            print(f"  warning: {warning}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
