"""Who hears of a ticket: the department it is assigned to, the client when the desk tells
them, and (``overdue.py``) the department head and the desk when it is late.

Messages go through the notifier's existing queue: a row in ``alert_deliveries`` (route
``ticket``, keyed by the entry, so a message is planned once), written in the transaction of
the entry that calls for it; the notify worker sends it through the channel threads and retry
policy it uses for alerts, and a send that fails for good raises ``alert_undelivered``.

- Assigned: to the department's channels (``[notify] department_urls``), with a signed link
  (``links.py``) where it acknowledges, posts progress and resolves without logging in (the
  link only when head office is known; it serves the page). A department with no channel:
  the ticket stays with the desk and a ``ticket_unrouted`` alert says to pass it on by phone.
- Told, with "send" asked, a contact that is an e-mail address, consent and a mail server
  (``[notify] mail_server``): what the desk said goes to the client. There is no SMS gateway in
  the notifier, so a phone number is called, not texted.

Must never: send, or open a transaction; put the client's name or contact in a department's
message (the desk speaks to the client).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta

from kiosk.core.alerts import raise_alert
from kiosk.core.config.clock import site_time
from kiosk.core.config.i18n import translate
from kiosk.core.config.settings import Settings
from kiosk.core.events import TicketUpdated
from kiosk.core.keys.hierarchy import KeyPurpose
from kiosk.core.notify.channels import Message, department_urls, mail_url, redact_url
from kiosk.core.store import alert_deliveries
from kiosk.core.store.database import Transaction, new_id
from kiosk.core.store.records import Records
from kiosk.core.tickets.links import TicketLink, sign, ticket_url
from kiosk.core.tickets.model import Ticket

ROUTE = "ticket"
UNROUTED = "ticket_unrouted"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class TicketRouter:
    """The desk's ticket listener (``TicketDesk.listeners``): plans the messages an entry
    calls for."""

    def __init__(
        self,
        *,
        settings: Settings,
        records: Records,
        site_keys: object | None = None,
        link_base: Callable[[], str] | None = None,
    ) -> None:
        self.settings = settings
        self.records = records
        self.site_keys = site_keys
        self.link_base = link_base or (lambda: "")
        self.departments = department_urls(settings.notify.department_urls)
        self.heads = department_urls(settings.tickets.head_urls)

    def __call__(self, tx: Transaction, ticket: Ticket, event: TicketUpdated) -> None:
        if event.action == "assigned":
            self.assigned(tx, ticket, event)
        elif event.action == "told" and event.fields.get("send") == "yes":
            self.tell_client(tx, ticket, event)

    # -- to a department -----------------------------------------------------------------
    def assigned(self, tx: Transaction, ticket: Ticket, event: TicketUpdated) -> None:
        urls = self.departments.get(event.department_id, ())
        if not urls:
            raise_alert(
                tx,
                UNROUTED,
                severity="warning",
                message_key="alert.ticket_unrouted",
                details={"number": ticket.number, "department": self._name(event.department_id)},
                site_id=ticket.site_id,
                kiosk_id=self.settings.kiosk.id,
            )
            return
        message = self.message(ticket, "ticket_mail.assigned", link=self.link(tx, ticket))
        self.plan(tx, f"tk-{event.entry_id}", urls, message)

    def link(self, tx: Transaction, ticket: Ticket) -> str:
        """The department's link, "" without head office or the site's reply-link key."""
        base = self.link_base()
        current = getattr(self.site_keys, "current", None)
        key = current(KeyPurpose.REPLY_LINK) if base and current else None
        if key is None:
            return ""
        days = self.settings.tickets.link_days
        expires = int((tx.clock.now() + timedelta(days=days)).timestamp())
        token = sign(
            key.key,
            TicketLink(ticket.site_id, ticket.id, ticket.department_id, expires, key.version),
        )
        return ticket_url(base, token)

    def escalate_to_head(self, tx: Transaction, ticket: Ticket, entry_id: str) -> bool:
        """An overdue ticket to its department head; False when the department has none."""
        urls = self.heads.get(ticket.department_id, ())
        if urls:
            message = self.message(ticket, "ticket_mail.overdue", link=self.link(tx, ticket))
            self.plan(tx, f"tk-{entry_id}", urls, message)
        return bool(urls)

    # -- to the client -------------------------------------------------------------------
    def tell_client(self, tx: Transaction, ticket: Ticket, event: TicketUpdated) -> None:
        mail_server = self.settings.notify.mail_server
        if not (ticket.consent and _EMAIL.match(ticket.contact) and mail_server):
            return
        lines = []
        for lang in self._languages():
            lines.append(translate("ticket_mail.told", lang, number=ticket.number, text=event.note))
        subject = translate("ticket_mail.told_subject", self._languages()[0], number=ticket.number)
        text = "\n\n".join(lines)
        self.plan(
            tx,
            f"tk-{event.entry_id}",
            (mail_url(mail_server, ticket.contact),),
            Message(subject[:200], text, _html(text)),
        )

    # -- shared --------------------------------------------------------------------------
    def plan(self, tx: Transaction, key: str, urls: tuple[str, ...], message: Message) -> None:
        for url in dict.fromkeys(urls):
            alert_deliveries.add(
                tx,
                delivery_id=new_id(),
                alert_id=key,
                route=ROUTE,
                url=url,
                channel=redact_url(url),
                subject=message.subject,
                text=message.text,
                now=tx.clock.now(),
            )

    def message(self, ticket: Ticket, key: str, *, link: str) -> Message:
        """A department's message, both languages, the site's default first."""
        zone = self.settings.site.timezone
        due = site_time(ticket.due_at, zone).strftime("%Y-%m-%d %H:%M") if ticket.due_at else "-"
        paragraphs, subject = [], ""
        for lang in self._languages():
            kind = translate(f"ticket.kind.{ticket.kind}", lang)
            if not subject:
                subject = translate(
                    "ticket_mail.subject",
                    lang,
                    number=ticket.number,
                    kind=kind,
                    subject=ticket.subject,
                )
            lines = [
                translate(
                    key,
                    lang,
                    number=ticket.number,
                    kind=kind,
                    department=self._name(ticket.department_id, lang),
                ),
                ticket.subject,
                *([ticket.details] if ticket.details else []),
                translate(
                    "ticket_mail.facts",
                    lang,
                    place=ticket.place or "-",
                    priority=translate(f"ticket.priority.{ticket.priority}", lang),
                    due=due,
                ),
                translate("ticket_mail.link", lang, url=link)
                if link
                else translate("ticket_mail.no_link", lang),
            ]
            paragraphs.append("\n".join(lines))
        text = "\n\n".join(paragraphs)
        return Message(subject[:200], text, _html(text))

    def _languages(self) -> list[str]:
        default = self.settings.kiosk.default_language
        return [default] + [lang for lang in ("zh_CN", "en") if lang != default]

    def _name(self, department_id: str, lang: str = "") -> str:
        department = self.records.department(department_id)
        if department is None:
            return department_id
        return department.name(lang or self.settings.kiosk.default_language)


def _html(text: str) -> str:
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in text.split("\n\n")
    )
