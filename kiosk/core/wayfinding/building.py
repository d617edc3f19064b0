"""Loading a building file: ``load_building`` and ``building_from_dict``, and the command that
checks building files before they are installed (``python -m kiosk.core.wayfinding.building``).

A site's building is one JSON file (format ``lobby-kiosk-building/1``, see
``docs/building-format.md``). ``load_building`` reads and validates it (``validate.py``) and
returns frozen values (``model.py``); every problem found is reported at once in a single
``ConfigError`` that names the file and the offending ids, because a half-valid building would
send visitors the wrong way.

This module does no routing and no drawing (see ``routes.py`` and ``maps.py``), and never
imports Kivy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kiosk.core.config.assets import ASSETS_DIR
from kiosk.core.config.errors import ConfigError
from kiosk.core.wayfinding.model import Building, KioskPlace, Name
from kiosk.core.wayfinding.validate import (
    Problems,
    check_bounds,
    parse_areas,
    parse_connections,
    parse_costs,
    parse_floors,
    parse_kiosk,
    parse_landmarks,
    parse_name,
    parse_rooms,
    parse_waypoints,
    reachability,
)

FORMAT = "lobby-kiosk-building/1"
DEMO_BUILDING = ASSETS_DIR / "demo" / "building.json"


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
    p = Problems()
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a building file must hold a JSON object")
    if data.get("format") != FORMAT:
        raise ConfigError(f"{source}: 'format' must be \"{FORMAT}\", got {data.get('format')!r}")

    floors = parse_floors(data.get("floors"), p, base_dir)
    floor_ids = {f.id for f in floors}
    waypoints = parse_waypoints(data.get("waypoints"), p, floor_ids)
    wp = {w.id: w for w in waypoints}
    connections = parse_connections(data.get("connections"), p, wp)
    rooms = parse_rooms(data.get("rooms"), p, wp, floor_ids)
    landmarks = parse_landmarks(data.get("landmarks"), p, wp)
    areas = parse_areas(data.get("areas"), p, floor_ids)
    kiosk = parse_kiosk(data.get("kiosk"), p, wp)
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
    costs = parse_costs(data.get("costs", {}), p)
    check_bounds(floors, waypoints, p)

    if p.items:
        raise _error(source, p.items)

    name = parse_name(data, "building", p) or Name("", "")
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
    unreachable, not_step_free = reachability(building)
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
