"""The visitor's side of tickets (kiosk.core.tickets), reached from Help:

- ``help_ticket``: report a problem (pick what kind: cleaning, security, repairs …, the site's
  categories), make a complaint or leave an enquiry, in a line or two; a contact is optional,
  and when one is given the visitor must agree to be contacted (the consent line shows then);
- ``help_ticket_done``: the ticket's number, and a slip with it from the badge printer if the
  visitor wants one;
- ``help_lookup``: a number gives the ticket's status, nothing else (a guessed number shows no
  name, no text).

Use cases run on the command runner; nothing here reads the store.
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, DictProperty, ObjectProperty, StringProperty

from kiosk.core.config.errors import KioskError
from kiosk.core.tickets.desk import VISITOR, TicketForm
from kiosk.screens.base import KioskScreen

#: the categories a visitor's problem report offers (the site's, those routed to a department)
OTHER = "other"


class HelpTicketScreen(KioskScreen):
    #: kiosk.core.tickets.desk.TicketDesk
    tickets = ObjectProperty(None, allownone=True)
    #: the keyboard's pinyin engine and handwriting recogniser (None: not installed)
    ime = ObjectProperty(None, allownone=True)
    handwriting = ObjectProperty(None, allownone=True)
    kind = StringProperty("service_request")
    category = StringProperty("")
    consent = BooleanProperty(False)
    contact_given = BooleanProperty(False)
    error_params = DictProperty({})

    def start(self, kind: str) -> None:
        self.reset()
        self.kind = kind
        self.category = {"complaint": "complaint", "enquiry": "enquiry"}.get(kind, "")
        self._show_categories()

    def on_pre_enter(self, *_: Any) -> None:
        self._show_categories()

    def choices(self) -> list[Any]:
        if self.kind != "service_request" or self.tickets is None:
            return []
        return [c for c in self.tickets.categories if c.department_id or c.key == OTHER]

    def _show_categories(self) -> None:
        box = self.ids.get("categories")
        if box is None:
            return
        box.clear_widgets()
        for c in self.choices():
            button = Factory.CategoryChoice()
            button.key = c.key
            button.text = c.name(self.shell.lang)
            button.state = "down" if c.key == self.category else "normal"
            button.bind(on_release=lambda b: self.pick(b.key))
            box.add_widget(button)

    def pick(self, key: str) -> None:
        self.category = key
        self.error_key = ""
        for button in self.ids.categories.children:
            button.state = "down" if button.key == key else "normal"

    def on_contact(self, text: str) -> None:
        self.contact_given = bool(text.strip())
        if not self.contact_given:
            self.consent = False

    def submit(self) -> None:
        if self.kind == "service_request" and not self.category:
            self.error_key, self.error_params = "help.pick_category", {}
            return
        contact = self.ids.contact.text
        if contact.strip() and not self.consent:
            self.error_key, self.error_params = "help.consent_required", {}
            return
        settings = self.shell.settings
        form = TicketForm(
            kind=self.kind,
            details=self.ids.details.text,
            category=self.category if self.category != OTHER else "",
            contact=contact,
            consent=self.consent,
            language=self.shell.lang,
            place=settings.kiosk.name or settings.kiosk.id,
            source="help",
        )
        desk = self.tickets
        self.run(lambda: desk.raise_ticket(VISITOR, form), self._raised, self._refused)

    def _refused(self, error: KioskError) -> None:
        self.error_key, self.error_params = error.message_key, dict(error.params)

    def _raised(self, ticket: Any) -> None:
        done = self.shell.screen("help_ticket_done")
        done.show(ticket.number, ticket.kind)
        self.go("help_ticket_done")

    def message(self, key: str, params: dict[str, Any], _lang: str) -> str:
        return self.t(key, **params) if key else ""

    def back(self) -> None:
        self.go("help")

    def reset(self) -> None:
        super().reset()
        self.category, self.consent, self.contact_given = "", False, False
        self.error_params = {}
        for name in ("details", "contact"):
            if name in self.ids:
                self.ids[name].text = ""


class HelpTicketDoneScreen(KioskScreen):
    #: kiosk.core.printing.queue.PrintQueue (None: no printer, no slip)
    print_queue = ObjectProperty(None, allownone=True)
    number = StringProperty("")
    kind = StringProperty("")
    slip = StringProperty("")

    def show(self, number: str, kind: str) -> None:
        self.number, self.kind, self.slip = number, kind, ""

    def print_slip(self) -> None:
        queue, lang = self.print_queue, self.shell.lang
        if queue is None or self.slip:
            return
        number, kind = self.number, self.kind
        self.run(lambda: queue.print_slip(number, kind, lang), self._queued)

    def _queued(self, _slip_id: str) -> None:
        self.slip = "queued"

    def back(self) -> None:
        self.go("help")

    def reset(self) -> None:
        super().reset()
        self.number = self.kind = self.slip = ""


class HelpLookupScreen(KioskScreen):
    #: kiosk.core.tickets.desk.TicketDesk
    tickets = ObjectProperty(None, allownone=True)
    result = StringProperty("")

    def find(self) -> None:
        desk, number = self.tickets, self.ids.field.text
        self.result = ""
        self.run(lambda: desk.lookup(number), self._found)

    def _found(self, status: Any) -> None:
        self.error_key = ""
        if status is None:
            self.result = self.t("help.lookup_none")
            return
        self.result = self.t(
            "help.lookup_status",
            number=status.number,
            kind=self.t(f"ticket.kind.{status.kind}"),
            status=self.t(f"ticket.status.{status.status}"),
        )

    def back(self) -> None:
        self.go("help")

    def reset(self) -> None:
        super().reset()
        self.result = ""
        if "field" in self.ids:
            self.ids.field.text = ""
