"""Alerts beyond the console: which channels an alert goes to, what the message says, and what
a send's outcome does to its delivery.

Routes (settings ``[reception]``):

- ``desk``: every alert goes to ``desk_channels``;
- ``security``: a watchlist match and an emergency started, ended or its roll call sent here
  go to ``security_channels`` as well (with the names still to find: ``more``);
- ``backup``: while the desk is unattended (``kiosk.core.reception.desk``), a watchlist match
  and a visitor's "ask a person" (``help_requested``) go to ``backup_channels``.

The notifier worker (``worker.py``) takes ``alert.raised`` from the outbox and calls ``plan``
in the transaction that moves its position, so each alert is planned exactly once, also across
a restart; then it sends the rows through the same channel threads (``sending``) and retry
policy (``deliveries.RETRY``) as host messages. A delivery that fails for good raises an
``alert_undelivered`` alert on the console, which is itself never sent (it would fail again).

Must never: send, or open a transaction other than the one per outcome.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from kiosk.core.alerts import raise_alert
from kiosk.core.config.clock import Clock, site_time
from kiosk.core.config.i18n import LOCALE_DIR, translate
from kiosk.core.config.settings import Settings
from kiosk.core.events import AlertRaised
from kiosk.core.notify.channels import Message, redact_url
from kiosk.core.reception.desk import desk_status
from kiosk.core.store import alert_deliveries as db
from kiosk.core.store.database import Store, Transaction, new_id
from kiosk.core.store.records import Records
from kiosk.core.workers.retry import RetryPolicy

log = logging.getLogger(__name__)

SECURITY_KINDS = frozenset(
    {"watchlist", "emergency_started", "emergency_ended", "emergency_rollcall"}
)
BACKUP_KINDS = frozenset({"watchlist", "help_requested"})
UNDELIVERED = "alert_undelivered"
#: kinds that stay on the console: a failed delivery's alert would fail on that channel again
UNSENT_KINDS = frozenset({UNDELIVERED})


@dataclass(frozen=True, slots=True)
class Route:
    name: str
    urls: tuple[str, ...]


def routes(event: AlertRaised, settings: Settings, *, unattended: bool) -> list[Route]:
    """Where ``event`` goes, desk first; empty when nothing is configured for it."""
    if event.alert in UNSENT_KINDS:
        return []
    reception = settings.reception
    out = [Route("desk", reception.desk_channels)]
    if event.alert in SECURITY_KINDS:
        out.append(Route("security", reception.security_channels))
    if unattended and event.alert in BACKUP_KINDS:
        out.append(Route("backup", reception.backup_channels))
    return [r for r in out if r.urls]


class AlertRouter:
    """Plans an alert's deliveries and writes their messages."""

    def __init__(self, *, store: Store, records: Records, settings: Settings) -> None:
        self.store = store
        self.records = records
        self.settings = settings
        #: more lines for an alert's message, by alert and language (emergency mode's names:
        #: ``kiosk.core.emergency.names``; wired by ``kiosk.desk_services``)
        self.more: Callable[[AlertRaised, str], list[str]] = lambda _event, _lang: []

    def plan(self, tx: Transaction, event: AlertRaised) -> int:
        """One pending delivery per route and URL (a URL on two routes is sent once, by its
        first route); returns how many were added."""
        desk = desk_status(self.store)
        added = 0
        seen: set[str] = set()
        for route in routes(event, self.settings, unattended=desk.unattended):
            message = self.message(event, route.name)
            for url in route.urls:
                if url in seen:
                    continue
                seen.add(url)
                added += db.add(
                    tx,
                    delivery_id=new_id(),
                    alert_id=event.alert_id,
                    route=route.name,
                    url=url,
                    channel=redact_url(url),
                    subject=message.subject,
                    text=message.text,
                    now=tx.clock.now(),
                )
        return added

    def message(self, event: AlertRaised, route: str) -> Message:
        """The alert in both languages, the site's default first."""
        default = self.settings.kiosk.default_language
        langs = [default] + [lang for lang in ("zh_CN", "en") if lang != default]
        site = self.records.site(event.site_id)
        kiosk = self.settings.kiosk
        paragraphs = []
        subject = ""
        for lang in langs:
            text = translate(event.message_key, lang, LOCALE_DIR, **event.details)
            site_name = site.name(lang) if site else event.site_id
            if not subject:
                subject = translate("alert_mail.subject", lang, site=site_name, text=text)
            lines = [
                text,
                translate(
                    "alert_mail.where",
                    lang,
                    site=site_name,
                    kiosk=(kiosk.name or kiosk.id)
                    if event.kiosk_id == kiosk.id
                    else event.kiosk_id,
                    time=site_time(event.raised_at, self.settings.site.timezone).strftime(
                        "%Y-%m-%d %H:%M"
                    ),
                ),
            ]
            visitor = self._visitor(event)
            if visitor:
                lines.append(translate("alert_mail.visitor", lang, visitor=visitor))
            lines += self.more(event, lang)
            if route == "backup":
                lines.append(translate("alert_mail.backup", lang))
            lines.append(translate("alert_mail.acknowledge", lang))
            paragraphs.append("\n".join(lines))
        text = "\n\n".join(paragraphs)
        return Message(subject[:200], text, _html(text))

    def _visitor(self, event: AlertRaised) -> str:
        """Name and company of the visit an alert is about (security must know who)."""
        if not event.visit_id:
            return ""
        visit = self.records.visit(event.visit_id)
        visitor = self.records.visitor(visit.visitor_id) if visit else None
        if visitor is None:
            return ""
        return f"{visitor.name} ({visitor.company})" if visitor.company else visitor.name


def message_of(row) -> Message:
    """A pending delivery's message, as the channel threads send it."""
    return Message(row["subject"], row["body_text"], _html(row["body_text"]))


def _html(text: str) -> str:
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in text.split("\n\n")
    )


def _unnamed(error: str, url: str, row) -> str:
    """A delivery's error without its URL (a relay's password, a client's address): the URL
    replaced by the channel's name; for a ticket's client (route ``ticket``) the number or
    address at the URL's end too, plain or URL-quoted."""
    error = error.replace(redact_url(url), row["channel"]).replace(url, row["channel"])
    if row["route"] != "ticket":
        return error
    tail = url.rsplit("/", 1)[-1].split("=")[-1]
    for secret in sorted({tail, unquote(tail), unquote(tail).lstrip("+")}, key=len, reverse=True):
        if len(secret) >= 4:
            error = error.replace(secret, "****")
    return error


def record_alert_outcome(
    store: Store,
    *,
    delivery_id: str,
    error: str | None,
    clock: Clock,
    retry: RetryPolicy,
    site_id: str,
    kiosk_id: str,
) -> None:
    """Write one alert send's outcome (None: sent) in one transaction: retried by ``retry``
    while attempts remain, then failed for good with an ``alert_undelivered`` alert."""
    now = clock.now()
    with store.transaction() as tx:
        row = db.delivery(tx, delivery_id)
        if row is None or row["state"] != "pending":
            return
        attempts = row["attempts"] + 1
        if error is not None and row["url"]:  # the error names no client, relay or password
            error = _unnamed(error, row["url"], row)
        if error is None:
            db.mark_sent(tx, delivery_id, attempts=attempts, now=now)
            # the delivery, not its channel or URL (a relay's password, a client's address)
            log.info("alert %s sent (%s, delivery %s)", row["alert_id"], row["route"], row["id"])
            return
        log.warning(
            "alert %s (%s, delivery %s) failed (attempt %d): %s",
            row["alert_id"],
            row["route"],
            row["id"],
            attempts,
            error,
        )
        retry_at = retry.retry_at(now, attempts)
        if retry_at is not None:
            db.mark_retry(tx, delivery_id, attempts=attempts, error=error[:2000], at=retry_at)
            return
        db.mark_failed(tx, delivery_id, attempts=attempts, error=error[:2000])
        raise_alert(
            tx,
            UNDELIVERED,
            severity="warning",
            # a parcel notice (kiosk.core.deliveries.notice) says so: the desk tells the person
            message_key="alert.parcel_undelivered"
            if row["route"] == "parcel"
            else "alert.undelivered",
            details={
                "alert_id": row["alert_id"],
                "route": row["route"],
                "channel": row["channel"][:500],
                "error": error[:500],
            },
            site_id=site_id,
            kiosk_id=kiosk_id,
        )
