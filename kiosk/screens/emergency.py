"""The emergency instructions: full screen, both languages at once, readable from 3 m.

What to do, the assembly point and the nearest exits (``kiosk.core.emergency.instructions``,
from the building file), and that check-in is paused while a badge scan still checks out. Text
is at least ``TEXT_MM`` tall in font size (Kivy's ``mm`` follows the display's DPI), white and
yellow on black.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk.core.emergency.instructions import EvacuationPlaces, evacuation_places
from kiosk.screens.base import KioskScreen

#: the font size of every line, in mm: a Latin capital is about 0.72 of it (15 mm), a
#: Chinese character about 0.88 (18 mm)
TEXT_MM = 21


class EmergencyScreen(KioskScreen):
    #: the instructions stay until the emergency ends (kiosk.shell.emergency goes home then)
    goes_home_itself = True
    #: kiosk.core.emergency.service.EmergencyMode
    emergency = ObjectProperty(None)
    #: kiosk.core.wayfinding.directions.Directions, None without a building file
    directions = ObjectProperty(None, allownone=True)
    title_zh = StringProperty("")
    title_en = StringProperty("")
    assembly_zh = StringProperty("")
    assembly_en = StringProperty("")
    exits_zh = StringProperty("")
    exits_en = StringProperty("")
    drill = BooleanProperty(False)

    def on_pre_enter(self, *_: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        mode, directions = self.emergency, self.directions

        def read() -> tuple[Any, EvacuationPlaces]:
            building = directions.building if directions is not None else None
            return mode.latest(), evacuation_places(building)

        self.run(read, self._show)

    def _show(self, found: tuple[Any, EvacuationPlaces]) -> None:
        incident, places = found
        kind = incident.emergency if incident is not None else "other"
        self.drill = bool(incident is not None and incident.drill)
        t = self.shell.t
        for lang, suffix in (("zh_CN", "zh"), ("en", "en")):
            title = t(f"emergency.kind.{kind}", lang)
            if self.drill:
                title = f"{t('emergency.drill', lang)} · {title}"
            setattr(self, f"title_{suffix}", f"{title}: {t('emergency.title', lang)}")
            text = places.assembly_text(lang)
            setattr(
                self,
                f"assembly_{suffix}",
                t("emergency.assembly_point", lang, place=text) if text else "",
            )
            exits = places.exits_text(lang)
            setattr(
                self, f"exits_{suffix}", t("emergency.exits", lang, exits=exits) if exits else ""
            )

    def on_language(self, lang: str) -> None:
        pass  # both languages are always shown

    def reset(self) -> None:
        super().reset()  # the texts stay: they are the same for everyone
