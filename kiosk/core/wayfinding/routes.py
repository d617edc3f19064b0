"""Routing through a building and the step-by-step directions a visitor reads.

``route(building, start, goal)`` finds the quickest way (A* over walking seconds: corridors by
length, doors, stairs and escalators per floor, elevators by wait plus per floor) and describes it
as language-free ``Step`` values. ``instructions(route, lang)`` and ``summary(route, lang)`` turn
those into sentences from the ``directions`` catalogue, so the same route reads in zh_CN and en.

Left and right are relative to the walker's heading, computed from plan coordinates; at the start
the heading is the kiosk's ``facing``. Pure functions: no I/O beyond the message catalogues, no
Kivy.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kiosk.core.config.errors import NotFoundError
from kiosk.core.config.i18n import translate
from kiosk.core.models import Department, Host
from kiosk.core.wayfinding.model import Building, Connection, Kind, Name, Point, Restriction, Room

# --------------------------------------------------------------------------------------------
# Values


class Turn(StrEnum):
    AHEAD = "ahead"
    SLIGHT_LEFT = "slight_left"
    LEFT = "left"
    SLIGHT_RIGHT = "slight_right"
    RIGHT = "right"
    AROUND = "around"


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    AHEAD = "ahead"


class StepKind(StrEnum):
    START = "start"  # which way to set off from the kiosk
    TURN = "turn"  # at a corner; ``after`` set when leaving an elevator/stairs/escalator
    DOOR = "door"
    WALK = "walk"
    RIDE = "ride"  # elevator, stairs or escalator to another floor
    ARRIVE = "arrive"


@dataclass(frozen=True, slots=True)
class Place:
    """Where a route starts or ends, resolved to a waypoint."""

    waypoint: str
    floor: str
    floor_label: str
    #: room number when the place is a room (or a department's or host's room)
    room: str = ""
    name: Name | None = None

    def label(self, lang: str) -> str:
        if self.room:
            return translate("directions.place.room", lang, room=self.room)
        if self.name is not None:
            return self.name.text(lang)
        return self.waypoint


@dataclass(frozen=True, slots=True)
class Leg:
    start: str
    end: str
    kind: Kind
    connection: str
    metres: float
    seconds: float


@dataclass(frozen=True, slots=True)
class Step:
    kind: StepKind
    floor: str
    waypoint: str
    turn: Turn | None = None
    metres: float = 0.0
    #: TURN: the landmark you turn at; WALK: the landmark you pass
    landmark: Name | None = None
    #: WALK: the elevator/stairs you walk to; DOOR and RIDE: its name
    target: Name | None = None
    #: RIDE: what you ride; TURN: what you just left (elevator, stairs …)
    via: Kind | None = None
    to_floor: str = ""
    up: bool = True
    side: Side | None = None
    #: ARRIVE: the goal is the n-th door on that side since the last turn (0 = not counted)
    ordinal: int = 0
    place: Place | None = None


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


# --------------------------------------------------------------------------------------------
# Routing


class _Graph:
    """Waypoints as integers and adjacency lists of (neighbour, seconds, edge index)."""

    def __init__(self, building: Building, accessible: bool) -> None:
        costs = building.costs
        self.ids = [w.id for w in building.waypoints]
        self.index = {wid: i for i, wid in enumerate(self.ids)}
        levels = {f.id: f.level for f in building.floors}
        self.x = [w.x for w in building.waypoints]
        self.y = [w.y for w in building.waypoints]
        self.level = [levels[w.floor] for w in building.waypoints]
        self.adjacency: list[list[tuple[int, float, int]]] = [[] for _ in self.ids]
        self.edges: list[tuple[Connection, float]] = []
        per_floor = {
            Kind.STAIRS: costs.stairs_per_floor,
            Kind.ESCALATOR: costs.escalator_per_floor,
            Kind.ELEVATOR: costs.elevator_per_floor,
        }
        # the least a change of n floors can cost: min(stepped * n, wait + elevator * n);
        # consistent, so A* never has to reopen a waypoint
        kinds = {c.kind for c in building.connections}
        stepped = [per_floor[k] for k in (Kind.STAIRS, Kind.ESCALATOR) if k in kinds]
        self.stepped_per_floor = min(stepped) if stepped and not accessible else math.inf
        has_elevator = Kind.ELEVATOR in kinds
        self.elevator_wait = costs.elevator_wait if has_elevator else math.inf
        self.elevator_per_floor = costs.elevator_per_floor if has_elevator else math.inf
        for a, b, c in building.edges():
            if c.restriction is Restriction.STAFF:
                continue
            if accessible and (c.kind in (Kind.STAIRS, Kind.ESCALATOR) or c.restriction):
                continue
            i, j = self.index[a], self.index[b]
            metres = math.hypot(self.x[i] - self.x[j], self.y[i] - self.y[j])
            seconds = metres / costs.walk_speed
            floors = abs(self.level[i] - self.level[j])
            if c.kind is Kind.DOOR:
                seconds += costs.door
            elif c.kind.vertical:
                seconds += per_floor[c.kind] * floors
                if c.kind is Kind.ELEVATOR:
                    seconds += costs.elevator_wait
            self.adjacency[i].append((j, seconds, len(self.edges)))
            self.edges.append((c, metres))
        self.speed = costs.walk_speed


def _graph(building: Building, accessible: bool) -> _Graph:
    key = "wayfinding.graph.accessible" if accessible else "wayfinding.graph"
    graph = building.cache.get(key)
    if graph is None:
        graph = building.cache[key] = _Graph(building, accessible)
    return graph


def _search(graph: _Graph, source: int, goal: int) -> list[tuple[int, int, float]] | None:
    """A* from source to goal; the path as (waypoint, edge index, seconds), or None."""
    gx, gy, gl = graph.x[goal], graph.y[goal], graph.level[goal]
    xs, ys, levels, speed = graph.x, graph.y, graph.level, graph.speed
    stepped, wait, lift = graph.stepped_per_floor, graph.elevator_wait, graph.elevator_per_floor
    adjacency = graph.adjacency
    inf = math.inf
    best = [inf] * len(xs)
    best[source] = 0.0
    came: dict[int, tuple[int, int, float]] = {}
    done = bytearray(len(xs))
    queue: list[tuple[float, float, int]] = [(0.0, 0.0, source)]
    push, pop, hypot = heapq.heappush, heapq.heappop, math.hypot
    while queue:
        _, cost, node = pop(queue)
        if node == goal:
            break
        if done[node]:
            continue
        done[node] = 1
        for nxt, seconds, edge in adjacency[node]:
            total = cost + seconds
            if total < best[nxt]:
                best[nxt] = total
                came[nxt] = (node, edge, seconds)
                h = hypot(xs[nxt] - gx, ys[nxt] - gy) / speed
                floors = levels[nxt] - gl
                if floors:
                    floors = abs(floors)
                    h += min(stepped * floors, wait + lift * floors)
                push(queue, (total + h, total, nxt))
    else:
        return None
    path: list[tuple[int, int, float]] = []
    node = goal
    while node != source:
        prev, edge, seconds = came[node]
        path.append((node, edge, seconds))
        node = prev
    path.reverse()
    return path


def route(building: Building, start: Target, goal: Target, *, accessible: bool = False) -> Route:
    """The quickest way from ``start`` (None = the kiosk) to ``goal``.

    ``accessible`` avoids stairs, escalators and doors with a restriction; staff-only doors are
    never used. Raises ``NotFoundError`` for an unknown place (``directions.error.unknown_place``)
    or when no route exists (``directions.error.no_route`` / ``no_accessible_route``).
    """
    origin, target = resolve(building, start), resolve(building, goal)
    graph = _graph(building, accessible)
    path = _search(graph, graph.index[origin.waypoint], graph.index[target.waypoint])
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
        steps=_steps(building, origin, target, tuple(legs), facing),
        floors=tuple(floors),
    )


def _describe(place: Place) -> str:
    if place.room:
        return f"room {place.room} (waypoint '{place.waypoint}')"
    return f"waypoint '{place.waypoint}'"


# --------------------------------------------------------------------------------------------
# From a path to steps

TURN_AHEAD = 25.0  # degrees: less than this is "straight on"
TURN_SLIGHT = 60.0
TURN_AROUND = 150.0
EXIT_RUN = 5.0  # metres: a turn this close after an elevator is "turn right on leaving it"
MAX_ORDINAL = 5
DOOR_ON_LINE = 1.0  # metres from the walking line for a door to count


def heading(a: Point, b: Point) -> float:
    """Degrees clockwise from plan-up (y grows down the plan)."""
    return math.degrees(math.atan2(b[0] - a[0], a[1] - b[1])) % 360.0


def classify(before: float, after: float) -> Turn:
    delta = (after - before + 180.0) % 360.0 - 180.0
    size = abs(delta)
    if size < TURN_AHEAD:
        return Turn.AHEAD
    if size > TURN_AROUND:
        return Turn.AROUND
    if delta > 0:
        return Turn.SLIGHT_RIGHT if size < TURN_SLIGHT else Turn.RIGHT
    return Turn.SLIGHT_LEFT if size < TURN_SLIGHT else Turn.LEFT


@dataclass(frozen=True, slots=True)
class _Run:
    """A straight stretch between turns: waypoint indexes ``first``..``last`` of a floor segment."""

    first: int
    last: int
    turn: Turn | None  # the turn made at ``first`` (None for the first run)
    metres: float


def _steps(
    building: Building,
    origin: Place,
    target: Place,
    legs: tuple[Leg, ...],
    facing: float | None,
) -> tuple[Step, ...]:
    connections = building.connection_by_id
    # split into walks on one floor and rides between floors
    parts: list[tuple[str, list[Leg]]] = []
    for leg in legs:
        kind = "ride" if leg.kind.vertical else "walk"
        if (
            parts
            and parts[-1][0] == kind
            and (kind == "walk" or parts[-1][1][-1].connection == leg.connection)
        ):
            parts[-1][1].append(leg)
        else:
            parts.append((kind, [leg]))
    steps: list[Step] = []
    entry: Kind | None = None
    for i, (kind, part) in enumerate(parts):
        if kind == "ride":
            first, last = part[0], part[-1]
            connection = connections[first.connection]
            floor = building.floor_of(last.end)
            steps.append(
                Step(
                    StepKind.RIDE,
                    building.waypoint_by_id[first.start].floor,
                    first.start,
                    via=connection.kind,
                    target=connection.name,
                    to_floor=floor.label,
                    up=floor.level > building.floor_of(first.start).level,
                )
            )
            entry = connection.kind
            continue
        final = i == len(parts) - 1
        next_name = None if final else connections[parts[i + 1][1][0].connection].name
        steps += _walk_steps(
            building,
            part,
            entry=entry,
            facing=facing if i == 0 else None,
            walk_to=next_name,
            goal=target if final else None,
        )
        entry = None
    if not parts or parts[-1][0] == "ride":
        steps.append(Step(StepKind.ARRIVE, target.floor, target.waypoint, place=target, side=None))
    return tuple(steps)


def _walk_steps(
    building: Building,
    legs: list[Leg],
    *,
    entry: Kind | None,
    facing: float | None,
    walk_to: Name | None,
    goal: Place | None,
) -> list[Step]:
    wp = building.waypoint_by_id
    names = [legs[0].start, *(leg.end for leg in legs)]
    points = [wp[n].point for n in names]
    floor = wp[names[0]].floor
    runs = _runs(points, legs)
    steps: list[Step] = []
    if not runs:
        if goal is not None:
            steps.append(Step(StepKind.ARRIVE, floor, goal.waypoint, place=goal))
        return steps
    first_heading = heading(points[runs[0].first], points[runs[0].first + 1])
    start = 0
    if facing is not None:
        steps.append(Step(StepKind.START, floor, names[0], turn=classify(facing, first_heading)))
    elif entry is not None:
        if runs[0].metres <= EXIT_RUN and len(runs) > 1:
            second = runs[1]
            steps.append(
                Step(
                    StepKind.TURN,
                    floor,
                    names[second.first],
                    turn=second.turn,
                    via=entry,
                    landmark=_landmark(building, names[second.first]),
                )
            )
            start = 1
        else:
            steps.append(Step(StepKind.TURN, floor, names[0], turn=Turn.AHEAD, via=entry))
    for k in range(start, len(runs)):
        run = runs[k]
        if k > start:
            steps.append(
                Step(
                    StepKind.TURN,
                    floor,
                    names[run.first],
                    turn=run.turn,
                    landmark=_landmark(building, names[run.first]),
                )
            )
        seen_doors: set[str] = set()
        for leg in legs[run.first : run.last]:
            if leg.kind is Kind.DOOR and leg.connection not in seen_doors:
                seen_doors.add(leg.connection)
                door = building.connection_by_id[leg.connection]
                steps.append(Step(StepKind.DOOR, floor, leg.start, target=door.name))
        passed = None
        for n in names[run.first + 1 : run.last]:
            passed = passed or _landmark(building, n)
        last = k == len(runs) - 1
        steps.append(
            Step(
                StepKind.WALK,
                floor,
                names[run.first],
                metres=run.metres,
                landmark=passed,
                target=walk_to if last else None,
            )
        )
    if goal is not None:
        last_run = runs[-1]
        side, ordinal = _arrival(
            building, goal, points[last_run.first], points[last_run.last], floor
        )
        if ordinal and steps[-1].kind is StepKind.WALK:
            steps.pop()  # "third door on your right" says it better than a distance
        steps.append(
            Step(StepKind.ARRIVE, floor, goal.waypoint, place=goal, side=side, ordinal=ordinal)
        )
    return steps


def _runs(points: list[Point], legs: list[Leg]) -> list[_Run]:
    runs: list[_Run] = []
    first = 0
    turn: Turn | None = None
    metres = 0.0
    previous: float | None = None
    for i, leg in enumerate(legs):
        a, b = points[i], points[i + 1]
        if leg.metres < 1e-6:
            continue
        h = heading(a, b)
        if previous is not None:
            t = classify(previous, h)
            if t is not Turn.AHEAD:
                runs.append(_Run(first, i, turn, metres))
                first, turn, metres = i, t, 0.0
        metres += leg.metres
        previous = h
    if metres > 0:
        runs.append(_Run(first, len(legs), turn, metres))
    return runs


def _landmark(building: Building, waypoint: str) -> Name | None:
    landmark = building.landmark_by_waypoint.get(waypoint)
    return landmark.name if landmark else None


def _arrival(
    building: Building, goal: Place, a: Point, b: Point, floor: str
) -> tuple[Side | None, int]:
    """Which side the goal's door is on, and which door on that side it is, counted from ``a``."""
    room = building.room_by_number.get(goal.room) if goal.room else None
    if room is None or room.centre is None:
        return None, 0
    length = math.hypot(b[0] - a[0], b[1] - a[1])
    if length < 1e-6:
        return None, 0
    dx, dy = (b[0] - a[0]) / length, (b[1] - a[1]) / length

    def side_of(door: Point, centre: Point) -> Side:
        vx, vy = centre[0] - door[0], centre[1] - door[1]
        cross = dx * vy - dy * vx
        if abs(cross) < 0.3 * math.hypot(vx, vy):
            return Side.AHEAD if dx * vx + dy * vy > 0 else Side.RIGHT
        return Side.RIGHT if cross > 0 else Side.LEFT

    side = side_of(b, room.centre)
    if side is Side.AHEAD:
        return side, 0
    doors: set[Point] = set()
    for other in building.rooms_on(floor):
        if other.centre is None:
            continue
        door = building.waypoint_by_id[other.waypoint].point
        t = (door[0] - a[0]) * dx + (door[1] - a[1]) * dy
        off = abs((door[0] - a[0]) * dy - (door[1] - a[1]) * dx)
        if off <= DOOR_ON_LINE and 0.5 < t <= length + 0.01 and side_of(door, other.centre) is side:
            doors.add(door)
    ordinal = len(doors)
    return side, ordinal if 1 <= ordinal <= MAX_ORDINAL else 0


# --------------------------------------------------------------------------------------------
# Words


def _metres(m: float) -> int:
    whole = max(1, round(m))
    return whole if whole <= 20 else 5 * round(whole / 5)


def _floor(label: str, lang: str) -> str:
    return translate("directions.floor", lang, label=label)


def _clause(step: Step, lang: str) -> str:
    t = translate
    if step.kind is StepKind.START:
        return t(f"directions.start.{step.turn}", lang)
    if step.kind is StepKind.TURN:
        text = t(f"directions.turn.{step.turn}", lang)
        if step.landmark is not None:
            text = t("directions.turn_at", lang, turn=text, landmark=step.landmark.text(lang))
        if step.via is not None:
            text = t(f"directions.after.{step.via}", lang, action=text)
        return text
    if step.kind is StepKind.DOOR:
        if step.target is None:
            return t("directions.door", lang)
        return t("directions.door_named", lang, door=step.target.text(lang))
    if step.kind is StepKind.WALK:
        params: dict[str, Any] = {"metres": _metres(step.metres)}
        key = "directions.walk"
        if step.landmark is not None:
            key += "_past"
            params["landmark"] = step.landmark.text(lang)
        if step.target is not None:
            key += "_to"
            params["target"] = step.target.text(lang)
        return t(key, lang, **params)
    if step.kind is StepKind.RIDE:
        way = "" if step.via is Kind.ELEVATOR else (".up" if step.up else ".down")
        name = step.target.text(lang) if step.target else ""
        return t(
            f"directions.ride.{step.via}{way}", lang, name=name, floor=_floor(step.to_floor, lang)
        )
    # ARRIVE
    assert step.place is not None
    place = step.place.label(lang)
    if step.side is None:
        return t("directions.arrive", lang, place=place)
    if step.ordinal:
        nth = t(f"directions.nth.{step.ordinal}", lang)
        return t(f"directions.arrive.{step.side}_nth", lang, nth=nth, place=place)
    return t(f"directions.arrive.{step.side}", lang, place=place)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def instructions(route: Route, lang: str) -> tuple[str, ...]:
    """One sentence per stretch, a new one at each elevator/stairs/escalator ride.

    "乘2号电梯到5楼，出电梯后右转，右手第三间：503室" /
    "Take Elevator 2 to floor 5, turn right, third door on your right: room 503".
    """
    comma = translate("directions.comma", lang)
    sentences: list[list[str]] = [[]]
    for step in route.steps:
        if step.kind is StepKind.RIDE and sentences[-1]:
            sentences.append([])
        sentences[-1].append(_clause(step, lang))
    return tuple(_capitalise(comma.join(s)) for s in sentences if s)


def summary(route: Route, lang: str) -> str:
    """One line for the badge.

    "5楼 503室 · 2号电梯 右转" / "Floor 5, room 503 · Elevator 2, turn right".
    """
    place = translate(
        "directions.summary.place",
        lang,
        floor=route.goal.floor_label,
        place=route.goal.label(lang),
    )
    rides = route.rides()
    turn = next(
        (
            s.turn
            for s in route.steps
            if s.kind in (StepKind.START, StepKind.TURN)
            and (not rides or route.steps.index(s) > route.steps.index(rides[-1]))
        ),
        None,
    )
    turn_text = translate(f"directions.turn.{turn}", lang) if turn else ""
    via = ""
    if rides and rides[-1].target is not None:
        name = rides[-1].target.text(lang)
        via = (
            translate("directions.summary.via", lang, name=name, turn=turn_text)
            if turn_text
            else name
        )
    text = translate("directions.summary", lang, place=place, via=via) if via else place
    return _capitalise(text)
