"""Directions: find a person, department or room, then the way there floor by floor.

Thin on purpose: searching is ``services.search`` (the check-in search) plus room numbers from the
building, routing and words are ``services.directions`` (kiosk.core), and the maps are drawn by
``kiosk.core.wayfinding.maps`` on a worker thread; this screen only keeps what is on show.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.factory import Factory
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)

import kiosk.widgets.mapview
import kiosk.widgets.qrview  # noqa: F401  (registers QrCode)
from kiosk.core.config.errors import KioskError
from kiosk.core.models import Visit
from kiosk.screens.base import KioskScreen
from kiosk.shell.background import background
from kiosk.widgets.reuse import refill

#: a heading or a result line, in whichever language is asked for
Label = Callable[[str], str]

MAP_SIZE = (1200, 800)  # pixels the maps are drawn at; the view scales them to fit
SHARP_SIZE = (2400, 1600)  # drawn again at this size once the visitor zooms in
SHARPEN_AT = 1.5


class DirectionsScreen(KioskScreen):
    #: kiosk.services.DirectionsServices: search, directions, route_links, ime
    services = ObjectProperty(None, rebind=True)
    #: "search" or "map"
    mode = StringProperty("search")
    #: what the visitor picked: a room number, or a Host/Department, and how to call it
    goal = ObjectProperty(None, allownone=True)
    goal_label = StringProperty("")
    accessible = BooleanProperty(False)
    route = ObjectProperty(None, allownone=True)
    #: index into route.floors of the floor on show
    floor_index = NumericProperty(0)
    floor_count = NumericProperty(0)
    floor_text = StringProperty("")
    summary_text = StringProperty("")
    steps = ListProperty([])
    error_key = StringProperty("")
    error_params = ObjectProperty({})
    searching = StringProperty("")
    #: the same way as a page on head office, for the QR code ("" when offline/stand-alone)
    route_url = StringProperty("")
    #: where Back goes from a way shown for a visit ("done"), "" for the search
    back_to = StringProperty("")
    #: what the step-free toggle did (a message key), "" while it is off
    accessible_note = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._maps: dict[int, Any] = {}
        self._sharp: dict[int, Any] = {}
        self._sharpening: set[int] = set()
        self._generation = 0

    def on_kv_post(self, base_widget: Any) -> None:
        self.ids.map.bind(zoom=self._zoomed)

    # -- search ------------------------------------------------------------------------------
    def on_text(self, text: str) -> None:
        self.searching = text.strip()
        self.error_key = ""

        def make() -> Any:
            button = Factory.DirectionsResult()
            button.bind(on_release=lambda b: self.choose(b.goal, b.label_of))
            return button

        def update(button: Any, _i: int, found: tuple[Label, Any]) -> None:
            button.label_of, button.goal = found
            button.text = found[0](self.shell.lang)

        # per keystroke: reuse the rows
        refill(self.ids.results, self._search_labelled(self.searching), make, update)

    def _search(self, text: str) -> list[tuple[str, Any]]:
        return [(label(self.shell.lang), goal) for label, goal in self._search_labelled(text)]

    def _search_labelled(self, text: str) -> list[tuple[Label, Any]]:
        """(label in any language, goal) for what matches ``text``."""
        if not text or self.services is None:
            return []
        shell = self.shell
        found: list[tuple[Label, Any]] = []
        search = self.services.search
        if search is not None:
            digits = text.isdigit()
            for r in search.search(text, limit=6):
                if not r.room:
                    continue
                if digits and not r.room.startswith(text):
                    continue  # "503" is a room number: 505-511 are not what was asked for

                def host_label(lang: str, r: Any = r) -> str:
                    where = shell.t("directions.where", lang, floor=r.floor, room=r.room)
                    dept = r.department_zh if lang == "zh_CN" else r.department_en
                    parts = (r.name(lang), dept if r.kind == "host" else "", where)
                    return "  ·  ".join(x for x in parts if x)

                found.append((host_label, r.room))
        directions = self.services.directions
        if directions is not None and text[:1].isdigit():
            for room in directions.rooms_starting(text, limit=6 - len(found)):
                floor = directions.building.floor_by_id[room.floor].label

                def room_label(lang: str, room: Any = room, floor: str = floor) -> str:
                    where = shell.t("directions.where", lang, floor=floor, room=room.number)
                    name = room.name.text(lang) if room.name else ""
                    return "  ·  ".join(x for x in (where, name) if x)

                found.append((room_label, room.number))
        return found[:6]

    # -- the way -----------------------------------------------------------------------------
    def choose(self, goal: Any, label: str | Label = "") -> None:
        """Show the way to ``goal`` (room number, department id, Host or Department).

        ``label`` is the heading: a text, or a function of the language so the heading
        follows a language switch.
        """
        self.goal = goal
        self._label = label
        self.goal_label = label(self.shell.lang) if callable(label) else label
        self.floor_index = 0
        self._route()
        if self.route is not None:
            self.ids.pages.current = "map"
            self.mode = "map"

    def show_visit(self, visit: Visit, *, back_to: str = "") -> None:
        """The way to a checked-in visitor's host (the done screen's "show me the way");
        Back returns to ``back_to`` (the done screen), not to the search."""
        self.back_to = back_to
        directions = self.services.directions
        if directions is None:
            return
        try:
            goal = directions.goal_for_visit(visit)
        except KioskError as e:
            self.reset()  # nothing of an earlier way stays on show
            self._error(e)
            return
        self.choose(goal.room if goal.room else goal, goal.name)

    def toggle_accessible(self) -> None:
        self.accessible = not self.accessible
        before = list(self.steps)
        if self.goal is not None:
            self.floor_index = 0
            self._route()
        # the toggle always says what it did, also when the way was step-free already
        if not self.accessible:
            self.accessible_note = ""
        elif self.route is not None and list(self.steps) == before:
            self.accessible_note = "directions.step_free_same"
        else:
            self.accessible_note = "directions.step_free_on"

    def next_floor(self) -> None:
        if self.floor_index < self.floor_count - 1:
            self.floor_index += 1

    def previous_floor(self) -> None:
        if self.floor_index > 0:
            self.floor_index -= 1

    def on_floor_index(self, *_: Any) -> None:
        self._show_floor()
        self._fill_steps()

    def on_steps(self, *_: Any) -> None:
        self._fill_steps()

    def _fill_steps(self) -> None:
        """One line per stretch; the stretch on the floor on show is highlighted."""
        box = self.ids.get("steps")
        if box is None:
            return

        def update(line: Any, i: int, text: str) -> None:
            line.text = f"{i + 1}.\u00a0{text}"  # no break after the number
            line.current = i == self.floor_index

        refill(box, list(self.steps), Factory.DirectionsStep, update)

    def _route(self) -> None:
        directions = self.services.directions if self.services else None
        self.route = None
        self.route_url = ""
        self._maps, self._sharp, self._sharpening = {}, {}, set()
        self.ids.map.image = None
        if directions is None:
            self.error_key = "directions.unavailable"
            return
        try:
            self.route = directions.route(self.goal, accessible=self.accessible)
        except KioskError as e:
            self._error(e)
            return
        self.error_key = ""
        self.floor_count = len(self.route.floors)
        self._texts()
        self._draw_maps()

    def _error(self, error: KioskError) -> None:
        self.error_params = dict(error.params)
        self.error_key = error.message_key
        self.route = None

    def _texts(self) -> None:
        route, directions = self.route, self.services.directions
        if route is None or directions is None:
            self.steps, self.summary_text, self.floor_text = [], "", ""
            return
        lang = self.shell.lang
        self.steps = list(directions.instructions(route, lang))
        self.summary_text = directions.summary(route, lang)
        links = getattr(self.services, "route_links", None)
        url = links.url_for(route, accessible=self.accessible, lang=lang) if links else None
        self.route_url = url or ""
        self._show_floor()

    def _show_floor(self) -> None:
        route = self.route
        if route is None:
            return
        lang = self.shell.lang
        index = min(self.floor_index, len(route.floors) - 1)
        name = self.services.directions.floor_name(route.floors[index], lang)
        self.floor_text = self.t(
            "directions.floor_of", n=index + 1, total=len(route.floors), floor=name
        )
        self.ids.map.image = self._maps.get(index)

    def _draw_maps(self) -> None:
        """Draw every floor of the route on a worker; the first shows as soon as it is ready."""
        self._generation += 1
        self._sharp, self._sharpening = {}, set()
        generation, route, lang = self._generation, self.route, self.shell.lang
        directions = self.services.directions

        runner = background()
        for index, floor_id in enumerate(route.floors):
            # one job per floor, in order: the first shows as soon as it is drawn; a newer
            # route's floor replaces one still waiting
            runner.run(
                f"directions-map-{index}",
                lambda floor_id=floor_id: directions.render(
                    route, floor_id, size=MAP_SIZE, lang=lang, title=False
                ),
                lambda image, i=index: self._drawn(generation, i, image),
            )

    def _zoomed(self, _view: Any, zoom: float) -> None:
        """Zoomed in: draw the floor on show again at twice the size, so it stays sharp."""
        index, route = self.floor_index, self.route
        if zoom < SHARPEN_AT or route is None or index in self._sharpening:
            return
        if index in self._sharp:
            self.ids.map.sharpen(self._sharp[index])
            return
        self._sharpening.add(index)
        generation, lang, directions = self._generation, self.shell.lang, self.services.directions

        background().run(
            f"directions-sharpen-{index}",
            lambda: directions.render(
                route, route.floors[index], size=SHARP_SIZE, lang=lang, title=False
            ),
            lambda image: self._sharpened(generation, index, image),
        )

    def _sharpened(self, generation: int, index: int, image: Any) -> None:
        if generation != self._generation:
            return
        self._sharp[index] = image
        if index == self.floor_index and self.ids.map.zoom >= SHARPEN_AT:
            self.ids.map.sharpen(image)

    def _drawn(self, generation: int, index: int, image: Any) -> None:
        if generation != self._generation:
            return  # a newer route (or language) replaced this one
        self._maps[index] = image
        if index == self.floor_index:
            self.ids.map.image = image

    # -- navigation and language -------------------------------------------------------------
    def back(self) -> None:
        if self.back_to:
            screen, self.back_to = self.back_to, ""
            self.shell.go(screen)
            return
        if self.mode == "map":
            self.mode = "search"
            self.ids.pages.current = "search"
        else:
            self.shell.home()

    def search_again(self) -> None:
        """The search for somewhere else (also after a way shown from the done screen)."""
        self.back_to = ""
        self.mode = "search"
        self.ids.pages.current = "search"

    def reset(self) -> None:
        self._generation += 1
        self.back_to = ""
        self.accessible_note = ""
        self.mode = "search"
        self.goal = None
        self.goal_label = ""
        self.accessible = False
        self.route = None
        self.steps = []
        self.summary_text = self.floor_text = self.error_key = self.route_url = ""
        self.floor_index = 0
        self._maps, self._sharp, self._sharpening = {}, {}, set()
        if self.ids:
            self.ids.pages.current = "search"
            self.ids.field.text = ""
            self.ids.keyboard.clear()
            self.ids.keyboard.mode = "english"
            self.ids.map.image = None

    def on_language(self, lang: str) -> None:
        label = getattr(self, "_label", "")
        if callable(label):
            self.goal_label = label(lang)
        if self.route is not None:
            self._texts()
            self._draw_maps()
        self.on_text(self.ids.field.text)

    def on_pre_enter(self, *_: Any) -> None:
        if self.mode == "search":
            self.ids.field.focus = False

    def tour(self) -> None:
        """For ``kiosk tour``: the way to room 503 in the demo tower."""
        self.ids.field.text = "503"
        self.choose(
            "503", lambda lang: self.shell.t("directions.where", lang, floor="5", room="503")
        )
