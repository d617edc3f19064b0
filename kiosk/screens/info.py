"""Help: the site's FAQ in the visitor's language (``kiosk.core.tickets.faq``), "ask a person"
(tells the desk, or its backup contact while the desk is unattended, and says when the desk is
back: kiosk.core.reception.help_request, on the command runner), and the ways to leave the desk
a ticket (report a problem, make a complaint, leave an enquiry: ``help_ticket``) or look one up
by its number (``help_lookup``)."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import ObjectProperty, StringProperty

from kiosk.core.config.clock import site_time
from kiosk.core.reception.desk import DeskStatus, desk_status
from kiosk.core.reception.help_request import HelpAnswer, answer_key, ask_for_help
from kiosk.screens.base import KioskScreen


class HelpScreen(KioskScreen):
    #: kiosk.core.store.database.Store: the desk's status and the help request
    store = ObjectProperty(None)
    #: kiosk.core.tickets.desk.TicketDesk: the FAQ (and the ticket screens' use cases)
    tickets = ObjectProperty(None, allownone=True)
    #: the desk's state as the visitor reads it ("" while staffed)
    desk_text = StringProperty("")
    #: what the visitor is told after asking
    answer_text = StringProperty("")

    def on_pre_enter(self, *_: Any) -> None:
        store = self.store
        self._show_faq()
        self.run(lambda: desk_status(store), self._show_desk)

    def _show_faq(self) -> None:
        box = self.ids.get("faq")
        if box is None:
            return
        box.clear_widgets()
        lang = self.shell.lang
        for item in getattr(self.tickets, "faq", ()):
            row = Factory.FaqRow()
            row.question = item.question(lang)
            row.answer = item.answer(lang)
            box.add_widget(row)

    def raise_ticket(self, kind: str) -> None:
        """Open the ticket form for ``kind`` (service_request, complaint, enquiry)."""
        form = self.shell.screen("help_ticket")
        form.start(kind)
        self.go("help_ticket")

    def ask(self) -> None:
        store, settings = self.store, self.shell.settings
        self.run(
            lambda: ask_for_help(
                store,
                site_id=settings.site.id,
                kiosk_id=settings.kiosk.id,
                kiosk_name=settings.kiosk.name,
            ),
            self._asked,
        )

    def _time(self, when: Any) -> str:
        return str(site_time(when, self.shell.settings.site.timezone).strftime("%H:%M"))

    def _show_desk(self, desk: DeskStatus) -> None:
        self._desk = desk
        if not desk.unattended:
            self.desk_text = ""
        elif desk.return_at is not None:
            self.desk_text = self.t("help.desk_back_at", time=self._time(desk.return_at))
        else:
            self.desk_text = self.t("help.desk_away")

    def _asked(self, answer: HelpAnswer) -> None:
        self._answer = answer
        self.answer_text = self.t(answer_key(answer), contact=answer.backup_contact)
        self._show_desk(DeskStatus(answer.unattended, answer.return_at, answer.backup_contact))

    def on_language(self, lang: str) -> None:
        self._show_faq()
        if getattr(self, "_desk", None) is not None:
            self._show_desk(self._desk)
        if self.answer_text and getattr(self, "_answer", None) is not None:
            self._asked(self._answer)

    def reset(self) -> None:
        super().reset()
        self.desk_text = self.answer_text = ""
        self._desk = self._answer = None

    def back(self) -> None:
        self.shell.home()
