"""Receptionist mode's alerts: every open alert (kiosk.core.alerts), newest first, each with
an acknowledge button; acknowledging is audited (``DeskActions.acknowledge``, on the command
runner) and the alert leaves the list. Above them, the desk's "unattended" switch
(kiosk.core.reception.desk): leave the desk, for a while or open-ended, covered by the
configured backup contact, and come back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kivy.factory import Factory
from kivy.properties import ListProperty, ObjectProperty, StringProperty

from kiosk.core.config.clock import site_time
from kiosk.core.reception.desk import DeskStatus, desk_status, leave_desk, set_desk_status
from kiosk.screens.base import KioskScreen


def alert_text(alert: Any, t: Any, zone: str = "") -> str:
    """One alert's line: when (in the site's time zone, as the top bar's clock) and what."""
    when = site_time(alert.raised_at, zone).strftime("%m-%d %H:%M")
    return f"{when}   {t(alert.message_key, **dict(alert.details))}"


class ReceptionAlertsScreen(KioskScreen):
    #: the console locks itself (kiosk.shell.reception): no visitor idle prompt over it
    goes_home_itself = True
    #: kiosk.core.reception.console.Reception
    reception = ObjectProperty(None)
    alerts = ListProperty([])
    #: kiosk.core.reception.desk.DeskStatus as last read
    desk = ObjectProperty(None, allownone=True)
    desk_text = StringProperty("")

    def on_pre_enter(self, *_: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        actions = self.reception.actions
        self.run(lambda: (actions.alerts(), desk_status(actions.store)), self._show_all)

    def _show_all(self, found: tuple[list[Any], DeskStatus]) -> None:
        alerts, desk = found
        self._show(alerts)
        self._show_desk(desk)

    # -- the desk's "unattended" switch ----------------------------------------------------
    def leave(self, minutes: int = 0) -> None:
        """Leave the desk, back in ``minutes`` (0: no return time given)."""
        session = self.shell.reception.session
        if session is None:
            return
        store, settings, staff = self.reception.actions.store, self.shell.settings, session.staff
        back = self.shell.clock.now() + timedelta(minutes=minutes) if minutes else None
        self.run(
            lambda: leave_desk(
                store,
                staff.actor,
                backup_contact=settings.reception.backup_contact,
                backup_channels=settings.reception.backup_channels,
                site_id=settings.site.id,
                kiosk_id=settings.kiosk.id,
                return_at=back,
            ),
            self._show_desk,
        )

    def desk_back(self) -> None:
        session = self.shell.reception.session
        if session is None:
            return
        store, settings, staff = self.reception.actions.store, self.shell.settings, session.staff
        self.run(
            lambda: set_desk_status(
                store,
                staff.actor,
                unattended=False,
                site_id=settings.site.id,
                kiosk_id=settings.kiosk.id,
            ),
            self._show_desk,
        )

    def _show_desk(self, desk: DeskStatus) -> None:
        self.error_key = ""
        self.desk = desk
        if not desk.unattended:
            self.desk_text = self.t("reception.desk_attended")
        elif desk.return_at is not None:
            zone = self.shell.settings.site.timezone
            when = site_time(desk.return_at, zone).strftime("%H:%M")
            self.desk_text = self.t(
                "reception.desk_unattended_until", time=when, contact=desk.backup_contact
            )
        else:
            self.desk_text = self.t("reception.desk_unattended", contact=desk.backup_contact)

    def _show(self, alerts: list[Any]) -> None:
        self.alerts = alerts
        box = self.ids.rows
        box.clear_widgets()
        for alert in alerts:
            row = Factory.AlertRow()
            row.alert_id = alert.id
            row.text = alert_text(alert, self.t, self.shell.settings.site.timezone)
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
        if self.desk is not None:
            self._show_desk(self.desk)

    def back(self) -> None:
        self.go("reception_board")

    def reset(self) -> None:
        super().reset()
        self.alerts = []
        self.desk, self.desk_text = None, ""
        if "rows" in self.ids:
            self.ids.rows.clear_widgets()
