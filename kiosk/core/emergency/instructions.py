"""Where to go in an emergency, from the site's building file: the assembly point, the exits.

A building file names them as landmarks (``docs/emergency.md``): ids starting ``assembly`` are
assembly points, ids starting ``exit`` are exits. Exits come nearest first (the walking route
from the kiosk). A site without a building file, or without such landmarks, gets none: the
instructions screen then says only what everyone must do. Pure; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.config.errors import NotFoundError
from kiosk.core.wayfinding.model import Building, Name
from kiosk.core.wayfinding.routes import route

#: how many exits the screen names
EXITS_SHOWN = 2


@dataclass(frozen=True, slots=True)
class EvacuationPlaces:
    assembly: tuple[Name, ...] = ()
    #: nearest first
    exits: tuple[Name, ...] = ()

    def assembly_text(self, lang: str) -> str:
        return (
            "、".join(n.text(lang) for n in self.assembly)
            if lang.startswith("zh")
            else (", ".join(n.text(lang) for n in self.assembly))
        )

    def exits_text(self, lang: str) -> str:
        sep = "、" if lang.startswith("zh") else ", "
        return sep.join(n.text(lang) for n in self.exits)


def evacuation_places(building: Building | None) -> EvacuationPlaces:
    if building is None:
        return EvacuationPlaces()
    assembly = tuple(m.name for m in building.landmarks if m.id.startswith("assembly"))
    exits = []
    for landmark in building.landmarks:
        if not landmark.id.startswith("exit"):
            continue
        try:
            metres = route(building, None, landmark.id).metres
        except NotFoundError:
            continue  # an exit the kiosk has no route to is nobody's nearest
        exits.append((metres, landmark.id, landmark.name))
    exits.sort()
    return EvacuationPlaces(assembly, tuple(name for _, _, name in exits[:EXITS_SHOWN]))
