"""The directions use case: the site's building, and the way from this kiosk to a host.

``Directions`` is what the app hands to screens (the directions screen, the done screen after a
check-in, the badge): routes from the kiosk to a room, department, host or visit, their step-by-step
text and one-line summary, and the floor maps. It holds the building loaded once at start-up.

Where the building comes from: ``<data dir>/building.json`` (put there by sync once head office
distributes buildings, or by the installer); the demo site falls back to the demo tower. A broken
file stops the kiosk with a ``ConfigError`` listing every problem, like a broken settings file.

No Kivy, no network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from PIL import Image

from .building import DEMO_BUILDING, Building, Room, load_building
from .errors import NotFoundError
from .maps import render_floor
from .models import Department, Host, Visit
from .wayfinding import Route, Target, instructions, route, summary

BUILDING_FILE = "building.json"
DEMO_SITE = "demo"


class Directory(Protocol):
    """The part of ``Records`` directions need: who sits where."""

    def host(self, host_id: str) -> Host | None: ...

    def department(self, department_id: str) -> Department | None: ...


def find_building(data_dir: Path, site_id: str) -> Path | None:
    """The building file for this site, or None when the site has none yet."""
    path = data_dir / BUILDING_FILE
    if path.is_file():
        return path
    if site_id == DEMO_SITE:
        return DEMO_BUILDING
    return None


class Directions:
    def __init__(self, building: Building, *, directory: Directory | None = None) -> None:
        self.building = building
        self.directory = directory

    @classmethod
    def for_site(cls, settings: Any, directory: Directory | None = None) -> Directions | None:
        """Load the site's building (see the module docstring); None if it has none."""
        path = find_building(settings.data_dir, settings.site.id)
        if path is None:
            return None
        return cls(load_building(path), directory=directory)

    # -- routes ------------------------------------------------------------------------------
    def route(self, goal: Target, *, accessible: bool = False) -> Route:
        """From this kiosk to a room number, department id, Host, Department or waypoint."""
        return route(self.building, None, goal, accessible=accessible)

    def goal_for_visit(self, visit: Visit) -> Host | Department:
        """Where the visitor is going: the host's room, else the department's."""
        if self.directory is not None:
            if visit.host_id:
                host = self.directory.host(visit.host_id)
                if host is not None and host.room:
                    return host
            if visit.department_id:
                department = self.directory.department(visit.department_id)
                if department is not None:
                    return department
        raise NotFoundError(
            f"visit {visit.id}: neither its host nor its department has a room",
            key="directions.error.unknown_place",
            place=visit.host_id or visit.department_id or visit.id,
        )

    def route_for_visit(self, visit: Visit, *, accessible: bool = False) -> Route:
        return self.route(self.goal_for_visit(visit), accessible=accessible)

    def summary_for_visit(self, visit: Visit, lang: str) -> str:
        """The badge line: "5楼 503室 · 2号电梯 右转". Raises NotFoundError if there is no way."""
        return summary(self.route_for_visit(visit), lang)

    # -- words and pictures ------------------------------------------------------------------
    @staticmethod
    def instructions(r: Route, lang: str) -> tuple[str, ...]:
        return instructions(r, lang)

    @staticmethod
    def summary(r: Route, lang: str) -> str:
        return summary(r, lang)

    def floor_name(self, floor_id: str, lang: str) -> str:
        return self.building.floor_by_id[floor_id].name.text(lang)

    def render(
        self, r: Route | None, floor_id: str, *, size: tuple[int, int], lang: str
    ) -> Image.Image:
        return render_floor(self.building, floor_id, r, size=size, lang=lang)

    # -- rooms a visitor can type ------------------------------------------------------------
    def rooms_starting(self, text: str, limit: int = 6) -> list[Room]:
        """Rooms whose number starts with ``text`` ("50" → 501, 502 …), in number order."""
        text = text.strip()
        if not text:
            return []
        found = [r for r in self.building.rooms if r.number.startswith(text)]
        return sorted(found, key=lambda r: (len(r.number), r.number))[:limit]
