"""From a path to language-free steps: the ``Step`` values (start, turn, door, walk, ride,
arrive), the places a route joins (``Place``) and its legs, and the geometry of turning.

Left and right are relative to the walker's heading, computed from plan coordinates; at the start
the heading is the kiosk's ``facing``. ``phrasing.py`` turns steps into sentences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from kiosk.core.config.i18n import translate
from kiosk.core.wayfinding.model import Building, Kind, Name, Point


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


def build_steps(
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
