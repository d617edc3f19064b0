"""Receptionist mode's parcels: every parcel still at reception, oldest first, each with a
"collected" button; recording the pick-up is audited (``ParcelDesk.collect``, on the command
runner) and the parcel leaves the list."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import ListProperty, ObjectProperty

from kiosk.core.config.clock import site_time
from kiosk.screens.base import KioskScreen


def parcel_text(parcel: Any, t: Any, lang: str, zone: str = "") -> str:
    """One parcel's line: when it came (site time), the courier, who it is for."""
    when = site_time(parcel.received_at, zone).strftime("%m-%d %H:%M")
    recipient = parcel.recipient(lang) or t("reception_deliveries.for_desk")
    return t(
        "reception_deliveries.row",
        time=when,
        courier=parcel.courier_name(lang),
        recipient=recipient,
    )


class ReceptionDeliveriesScreen(KioskScreen):
    #: the console locks itself (kiosk.shell.reception): no visitor idle prompt over it
    goes_home_itself = True
    #: kiosk.core.reception.console.Reception
    reception = ObjectProperty(None)
    #: kiosk.core.deliveries.desk.ParcelDesk
    parcels = ObjectProperty(None)
    waiting = ListProperty([])

    def on_pre_enter(self, *_: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.run(self.parcels.uncollected, self._show)

    def _show(self, waiting: list[Any]) -> None:
        self.waiting = waiting
        box = self.ids.rows
        box.clear_widgets()
        zone, lang = self.shell.settings.site.timezone, self.shell.lang
        for parcel in waiting:
            row = Factory.AlertRow()
            row.alert_id = parcel.id
            row.text = parcel_text(parcel, self.t, lang, zone)
            row.ids.ack.text = self.t("reception_deliveries.collected")
            row.ids.ack.bind(on_release=lambda _b, p=parcel.id: self.collect(p))
            box.add_widget(row)

    def collect(self, parcel_id: str) -> None:
        session = self.shell.reception.session
        if session is None:
            return
        parcels, actor = self.parcels, session.staff.actor
        self.run(lambda: parcels.collect(actor, parcel_id), lambda _p: self.refresh())

    def on_language(self, lang: str) -> None:
        if self.waiting:
            self._show(self.waiting)

    def back(self) -> None:
        self.go("reception_board")

    def reset(self) -> None:
        super().reset()
        self.waiting = []
        if "rows" in self.ids:
            self.ids.rows.clear_widgets()
