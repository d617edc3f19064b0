"""Receptionist mode's alerts: every open alert (kiosk.core.alerts), newest first, each with
an acknowledge button; acknowledging is audited (``DeskActions.acknowledge``, on the command
runner) and the alert leaves the list."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import ListProperty, ObjectProperty

from kiosk.screens.base import KioskScreen


def alert_text(alert: Any, t: Any) -> str:
    when = alert.raised_at.astimezone().strftime("%m-%d %H:%M")
    return f"{when}   {t(alert.message_key, **dict(alert.details))}"


class ReceptionAlertsScreen(KioskScreen):
    #: the console locks itself (kiosk.shell.reception): no visitor idle prompt over it
    goes_home_itself = True
    #: kiosk.core.reception.console.Reception
    reception = ObjectProperty(None)
    alerts = ListProperty([])

    def on_pre_enter(self, *_: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        actions = self.reception.actions
        self.run(actions.alerts, self._show)

    def _show(self, alerts: list[Any]) -> None:
        self.alerts = alerts
        box = self.ids.rows
        box.clear_widgets()
        for alert in alerts:
            row = Factory.AlertRow()
            row.alert_id = alert.id
            row.text = alert_text(alert, self.t)
            row.critical = alert.severity != "info"
            row.ids.ack.bind(on_release=lambda _b, a=alert.id: self.acknowledge(a))
            box.add_widget(row)

    def acknowledge(self, alert_id: str) -> None:
        session = self.shell.reception.session
        if session is None:
            return
        actions, staff = self.reception.actions, session.staff
        self.run(lambda: actions.acknowledge(staff, alert_id), lambda _a: self.refresh())

    def on_language(self, lang: str) -> None:
        if self.alerts:
            self._show(self.alerts)

    def back(self) -> None:
        self.go("reception_board")

    def reset(self) -> None:
        super().reset()
        self.alerts = []
        if "rows" in self.ids:
            self.ids.rows.clear_widgets()
