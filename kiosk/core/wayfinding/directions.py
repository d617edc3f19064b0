"""The directions use case: the site's building, and the way from this kiosk to a host.

``Directions`` is what the app hands to screens (the directions screen, the done screen after a
check-in, the badge): routes from the kiosk to a room, department, host or visit, their step-by-step
text and one-line summary, and the floor maps. It holds the building loaded once at start-up.

Where the building comes from: ``<data dir>/building.json`` (put there by sync when head office
distributes a building, see ``building_store.py``, or by the installer); the demo site falls back
to the demo tower. A broken file stops the kiosk with a ``ConfigError`` listing every problem,
like a broken settings file.

A new building while the kiosk runs: ``Directions.for_site`` watches ``<data dir>/building.json``
and ``building`` reloads it on the next use after it changed (one ``stat`` per use; sync
replaces the file by rename, so a changed inode or mtime is a new building). Whoever holds the
``Directions`` (screens, the print queue) gets the new building without being told. A file that
no longer loads is logged and the previous building stays. A kiosk that started with no
building at all (``for_site`` gave None) picks one up at its next start.

No Kivy, no network.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

from kiosk.core.config.errors import ConfigError, NotFoundError
from kiosk.core.models import Department, Host, Visit
from kiosk.core.wayfinding.building import DEMO_BUILDING, load_building
from kiosk.core.wayfinding.maps import render_floor
from kiosk.core.wayfinding.model import Building, Room
from kiosk.core.wayfinding.phrasing import instructions, summary
from kiosk.core.wayfinding.routes import Route, Target, route

BUILDING_FILE = "building.json"
DEMO_SITE = "demo"

log = logging.getLogger(__name__)


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells a replaced file from the one loaded: inode, mtime and size."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


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
    def __init__(
        self,
        building: Building,
        *,
        directory: Directory | None = None,
        watch: Path | None = None,
    ) -> None:
        self._building = building
        self.directory = directory
        #: the file to reload ``building`` from when it changes (None: never reload)
        self._watch = watch
        self._seen = _stamp(watch) if watch is not None else None
        self._reload_lock = threading.Lock()
        #: the building each route on show was made on: a reload between routing and drawing
        #: must not draw (or name floors of) a route on a building it does not belong to
        self._routed: weakref.WeakKeyDictionary[Route, Building] = weakref.WeakKeyDictionary()

    @classmethod
    def for_site(cls, settings: Any, directory: Directory | None = None) -> Directions | None:
        """Load the site's building (see the module docstring); None if it has none."""
        path = find_building(settings.data_dir, settings.site.id)
        if path is None:
            return None
        return cls(
            load_building(path), directory=directory, watch=settings.data_dir / BUILDING_FILE
        )

    @property
    def building(self) -> Building:
        """The site's building, reloaded first if the watched file changed since."""
        if self._watch is not None and _stamp(self._watch) != self._seen:
            self._reload()
        return self._building

    def _reload(self) -> None:
        assert self._watch is not None
        with self._reload_lock:  # the UI thread and a map-drawing worker may both get here
            stamp = _stamp(self._watch)
            if stamp == self._seen or stamp is None:  # raced, or removed: keep what we have
                self._seen = stamp
                return
            self._seen = stamp  # a file that does not load is not tried again until it changes
            try:
                self._building = load_building(self._watch)
            except ConfigError as e:
                log.error("the new building file does not load; keeping the previous one: %s", e)
                return
            log.info("building reloaded from %s", self._watch)

    # -- routes ------------------------------------------------------------------------------
    def route(self, goal: Target, *, accessible: bool = False) -> Route:
        """From this kiosk to a room number, department id, Host, Department or waypoint."""
        building = self.building
        r = route(building, None, goal, accessible=accessible)
        self._routed[r] = building
        return r

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

    def steps_for_visit(self, visit: Visit, lang: str) -> tuple[str, ...]:
        """The done screen's way in sentences, one per stretch. Raises NotFoundError too."""
        return instructions(self.route_for_visit(visit), lang)

    # -- words and pictures ------------------------------------------------------------------
    @staticmethod
    def instructions(r: Route, lang: str) -> tuple[str, ...]:
        return instructions(r, lang)

    @staticmethod
    def summary(r: Route, lang: str) -> str:
        return summary(r, lang)

    def floor_name(self, floor_id: str, lang: str) -> str:
        building = self.building
        if floor_id not in building.floor_by_id:  # a route made before a reload
            building = next(
                (b for b in list(self._routed.values()) if floor_id in b.floor_by_id), building
            )
        return building.floor_by_id[floor_id].name.text(lang)

    def render(
        self,
        r: Route | None,
        floor_id: str,
        *,
        size: tuple[int, int],
        lang: str,
        title: bool = True,
    ) -> Image.Image:
        building = (self._routed.get(r) if r is not None else None) or self.building
        return render_floor(building, floor_id, r, size=size, lang=lang, title=title)

    # -- rooms a visitor can type ------------------------------------------------------------
    def rooms_starting(self, text: str, limit: int = 6) -> list[Room]:
        """Rooms whose number starts with ``text`` ("50" → 501, 502 …), in number order."""
        text = text.strip()
        if not text:
            return []
        found = [r for r in self.building.rooms if r.number.startswith(text)]
        return sorted(found, key=lambda r: (len(r.number), r.number))[:limit]
