"""Routing through a building: ``route(building, start, goal)`` finds the quickest way (A* over
walking seconds, ``graph.py``) and describes it as language-free ``Step`` values (``steps.py``);
``resolve`` turns a room, department, host, landmark or waypoint into a ``Place``.
``phrasing.py`` turns a ``Route`` into sentences.

Pure functions: no I/O beyond the message catalogues, no Kivy.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.config.errors import NotFoundError
from kiosk.core.models import Department, Host
from kiosk.core.wayfinding.graph import graph_for, search
from kiosk.core.wayfinding.model import Building, Point, Room
from kiosk.core.wayfinding.steps import Leg, Place, Step, StepKind, build_steps


@dataclass(frozen=True)
class Route:
    start: Place
    goal: Place
    accessible: bool
    waypoints: tuple[str, ...]
    legs: tuple[Leg, ...]
    metres: float
    seconds: float
    steps: tuple[Step, ...]
    #: floor ids in the order the walker is on them
    floors: tuple[str, ...]

    def polylines(self, building: Building, floor_id: str) -> list[list[Point]]:
        """The parts of the route on one floor, as point lists in plan metres."""
        lines: list[list[Point]] = []
        current: list[Point] = []
        for leg in self.legs:
            a, b = building.waypoint_by_id[leg.start], building.waypoint_by_id[leg.end]
            if leg.kind.vertical or a.floor != floor_id:
                if current:
                    lines.append(current)
                current = []
                continue
            if not current:
                current = [a.point]
            current.append(b.point)
        if current:
            lines.append(current)
        return lines

    def rides(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.kind is StepKind.RIDE)


Target = str | Host | Department | Place | None

# --------------------------------------------------------------------------------------------
# Places


def resolve(building: Building, where: Target) -> Place:
    """A waypoint id, room number, department id, landmark id, Host, Department or None (the kiosk).

    Raises ``NotFoundError`` (key ``directions.error.unknown_place``) naming what was asked for.
    """
    if isinstance(where, Place):
        return where
    if where is None:
        return _waypoint_place(building, building.kiosk.waypoint)
    if isinstance(where, Host | Department):
        room = where.room
        if isinstance(where, Department):
            room = building.departments.get(where.id, room)
        if room in building.room_by_number:
            return _room_place(building, building.room_by_number[room])
        raise NotFoundError(
            f"{building.source}: room {room!r} of {where.id} is not in the building",
            key="directions.error.unknown_place",
            place=room or where.id,
        )
    if where in building.waypoint_by_id:
        return _waypoint_place(building, where)
    if where in building.room_by_number:
        return _room_place(building, building.room_by_number[where])
    if where in building.departments:
        return _room_place(building, building.room_by_number[building.departments[where]])
    for landmark in building.landmarks:
        if landmark.id == where:
            return _waypoint_place(building, landmark.waypoint)
    raise NotFoundError(
        f"{building.source}: no waypoint, room, department or landmark called {where!r}",
        key="directions.error.unknown_place",
        place=where,
    )


def _room_place(building: Building, room: Room) -> Place:
    floor = building.floor_by_id[room.floor]
    return Place(room.waypoint, floor.id, floor.label, room.number, room.name)


def _waypoint_place(building: Building, waypoint: str) -> Place:
    floor = building.floor_of(waypoint)
    landmark = building.landmark_by_waypoint.get(waypoint)
    name = landmark.name if landmark else building.waypoint_by_id[waypoint].name
    return Place(waypoint, floor.id, floor.label, "", name)


def route(building: Building, start: Target, goal: Target, *, accessible: bool = False) -> Route:
    """The quickest way from ``start`` (None = the kiosk) to ``goal``.

    ``accessible`` avoids stairs, escalators and doors with a restriction; staff-only doors are
    never used. Raises ``NotFoundError`` for an unknown place (``directions.error.unknown_place``)
    or when no route exists (``directions.error.no_route`` / ``no_accessible_route``).
    """
    origin, target = resolve(building, start), resolve(building, goal)
    graph = graph_for(building, accessible)
    path = search(graph, graph.index[origin.waypoint], graph.index[target.waypoint])
    if path is None:
        key = "directions.error.no_accessible_route" if accessible else "directions.error.no_route"
        what = "step-free route" if accessible else "route"
        raise NotFoundError(
            f"{building.source}: no {what} from {_describe(origin)} to {_describe(target)}",
            key=key,
            start=origin.room or origin.waypoint,
            goal=target.room or target.waypoint,
        )
    legs = []
    previous = origin.waypoint
    for node, edge, seconds in path:
        connection, metres = graph.edges[edge]
        legs.append(Leg(previous, graph.ids[node], connection.kind, connection.id, metres, seconds))
        previous = graph.ids[node]
    waypoints = (origin.waypoint, *(leg.end for leg in legs))
    floors: list[str] = []
    for wid in waypoints:
        floor = building.waypoint_by_id[wid].floor
        if not floors or floors[-1] != floor:
            floors.append(floor)
    facing = building.kiosk.facing if origin.waypoint == building.kiosk.waypoint else None
    return Route(
        start=origin,
        goal=target,
        accessible=accessible,
        waypoints=waypoints,
        legs=tuple(legs),
        metres=sum(leg.metres for leg in legs),
        seconds=sum(leg.seconds for leg in legs),
        steps=build_steps(building, origin, target, tuple(legs), facing),
        floors=tuple(floors),
    )


def _describe(place: Place) -> str:
    if place.room:
        return f"room {place.room} (waypoint '{place.waypoint}')"
    return f"waypoint '{place.waypoint}'"
