"""The building model: floors, waypoints, connections, rooms, landmarks and the kiosk's place,
as frozen values (``Building`` and its parts). ``building.py`` loads and checks them from a file.

Plan coordinates are metres: ``x`` grows to the right and ``y`` grows *down* the plan, as in an
image. Headings and the kiosk's ``facing`` are degrees clockwise from plan-up.

This module does no loading, no routing and no drawing, and never imports Kivy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

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
