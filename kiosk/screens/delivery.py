"""Deliveries on the visitor side: a courier picks the courier company, then the recipient
(the directory search the check-in uses) or "leave it at the desk". No phone, name or badge:
the parcel is logged (``kiosk.core.deliveries.desk.ParcelDesk.receive``, on the command
runner) and the recipient told by the notifier; the kiosk thanks the courier and goes home.
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import ListProperty, ObjectProperty, StringProperty

from kiosk.core.visits.flow import HostChoice, find_hosts
from kiosk.screens.base import KioskScreen
from kiosk.widgets.reuse import refill


class DeliveryScreen(KioskScreen):
    """Which courier: one tap, then the recipient."""

    #: kiosk.core.deliveries.desk.ParcelDesk
    parcels = ObjectProperty(None)

    def on_pre_enter(self, *_: Any) -> None:
        self.error_key = ""
        self._fill()

    def _fill(self) -> None:
        grid = self.ids.couriers
        grid.clear_widgets()
        lang, other = self.shell.lang, self.shell.other_lang
        for courier in self.parcels.couriers():
            button = Factory.CourierTile()
            button.courier = courier.key
            button.name_here, button.name_other = courier.name(lang), courier.name(other)
            button.bind(on_release=lambda b: self.choose(b.courier))
            grid.add_widget(button)

    def on_language(self, lang: str) -> None:
        if "couriers" in self.ids and self.ids.couriers.children:
            self._fill()

    def choose(self, courier: str) -> None:
        recipient = self.shell.screen("delivery_recipient")
        recipient.courier = courier
        self.go("delivery_recipient")

    def back(self) -> None:
        self.shell.home()


class DeliveryRecipientScreen(KioskScreen):
    """Who the parcel is for: the host search, or the desk."""

    courier = StringProperty("")
    results = ListProperty([])
    #: kiosk.core.deliveries.desk.ParcelDesk
    parcels = ObjectProperty(None)
    #: kiosk.core.input.live_search.LiveSearch (None: a plain substring match of the records)
    search = ObjectProperty(None, allownone=True)
    records = ObjectProperty(None)
    ime = ObjectProperty(None, allownone=True)
    handwriting = ObjectProperty(None, allownone=True)

    def on_pre_enter(self, *_: Any) -> None:
        self.error_key = ""
        self.ids.field.text = ""
        self.ids.keyboard.clear()
        self.ids.keyboard.mode = "english"  # the search understands pinyin and initials
        self.on_text("")

    def on_enter(self, *_: Any) -> None:
        self.ids.field.focus = True

    def on_text(self, text: str) -> None:
        self.error_key = ""
        site_id = self.shell.settings.site.id
        self.results = find_hosts(text, search=self.search, records=self.records, site_id=site_id)

        def make() -> Any:
            button = Factory.HostResult()
            button.bind(on_release=lambda b: self.choose(b.result))
            return button

        def update(button: Any, _i: int, result: HostChoice) -> None:
            button.result = result
            button.text = result.label_zh if self.shell.lang == "zh_CN" else result.label_en

        refill(self.ids.results, self.results[:6], make, update)

    def choose(self, choice: HostChoice | None) -> None:
        """Log the parcel for ``choice`` (None: leave it at the desk)."""
        parcels, courier = self.parcels, self.courier
        host_id = choice.host_id if choice else None
        department_id = choice.department_id if choice else None
        self.run(
            lambda: parcels.receive(courier, host_id=host_id, department_id=department_id),
            self._logged,
        )

    def _logged(self, parcel: Any) -> None:
        lang = self.shell.lang
        name = parcel.recipient(lang)
        key = "delivery.left_host" if name else "delivery.left_desk"
        self.shell.home()
        self.shell.show_message(key, name=name, courier=parcel.courier_name(lang))

    def back(self) -> None:
        self.go("delivery")

    def reset(self) -> None:
        super().reset()
        self.courier = ""
        self.results = []
        if "field" in self.ids:
            self.ids.field.text = ""
