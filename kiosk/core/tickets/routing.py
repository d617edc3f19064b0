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
- The client, when they left a contact and agreed: by e-mail through ``[notify] mail_server``
  or, for a mobile, by SMS through ``[notify] sms_gateway`` (``notify/sms.py``), in their
  language (``Ticket.language``). Told with "send" asked: what the desk said. Resolved: that
  it is, and to ask the desk for more (never the department's note: the desk speaks to the
  client). A resolution written here is planned in its entry's transaction; one a department
  wrote through its link reaches the kiosk by pull and is planned by the kiosk the ticket was
  raised at (``overdue.OverdueWatch.tell_pulled``), so the client hears once.
  The delivery's URL holds the client's number or address: it is sealed at rest like every
  delivery's URL (``alert_deliveries.add``), and its channel is named without it.

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
from kiosk.core.notify import sms
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
        elif event.action == "resolved" or (
            event.action == "told" and event.fields.get("send") == "yes"
        ):
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
    def client_channel(self, ticket: Ticket) -> tuple[str, str]:
        """The URL the client is reached at and its name without them; ("", "") when they left
        no usable contact, did not agree, or the kiosk has no mail server / SMS gateway."""
        notify = self.settings.notify
        if not ticket.consent:
            return "", ""
        if _EMAIL.match(ticket.contact) and notify.mail_server:
            return mail_url(notify.mail_server, ticket.contact), redact_url(notify.mail_server)
        mobile = sms.mobile_of(ticket.contact)
        if mobile and notify.sms_gateway:
            return sms.sms_url(notify.sms_gateway, mobile), sms.sms_channel(notify.sms_gateway)
        return "", ""

    def tell_client(self, tx: Transaction, ticket: Ticket, event: TicketUpdated) -> None:
        """The client's message of a ``told`` (sent) or ``resolved`` entry, planned once."""
        url, channel = self.client_channel(ticket)
        if not url or alert_deliveries.planned(tx, f"tk-{event.entry_id}"):
            return
        lang = ticket.language or self.settings.kiosk.default_language
        what = "told" if event.action == "told" else "resolved"
        number, note = ticket.number, event.note
        if url.startswith(("mailto", "mailtos")):
            langs = [lang] + [x for x in self._languages() if x != lang]
            text = "\n\n".join(
                translate(f"ticket_mail.{what}", x, number=number, text=note) for x in langs
            )
            subject = translate("ticket_mail.told_subject", lang, number=number)
            message = Message(subject[:200], text, _html(text))
        else:
            text = translate(f"ticket_sms.{what}", lang, number=number, text=note)
            if len(text) > sms.MAX_TEXT:
                text = text[: sms.MAX_TEXT - 1] + "…"
            message = Message("", text, "")
        self.plan(tx, f"tk-{event.entry_id}", (url,), message, channel=channel)

    # -- shared --------------------------------------------------------------------------
    def plan(
        self,
        tx: Transaction,
        key: str,
        urls: tuple[str, ...],
        message: Message,
        *,
        channel: str = "",
    ) -> None:
        """One delivery per URL (sealed like every delivery's URL; ``channel``: what the
        console shows for it, never the client's number or address)."""
        for url in dict.fromkeys(urls):
            alert_deliveries.add(
                tx,
                delivery_id=new_id(),
                alert_id=key,
                route=ROUTE,
                url=url,
                channel=channel or redact_url(url),
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
