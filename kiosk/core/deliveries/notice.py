"""The recipient's notice of a parcel: "a parcel from SF Express is at reception".

The notifier worker (``kiosk/core/notify/worker.py``) takes ``parcel.received`` from the outbox
and calls ``plan`` in the transaction that moves its position, so each parcel is announced
once, also across a restart. The notice goes to the host's own channels (``notify_urls``, their
e-mail through the mail server), else to their department's (``notify.department_urls``); a
parcel left at the desk, or for someone with no channel, is only on the console's list. The
rows are ``alert_deliveries`` rows of route ``parcel`` (keyed by the parcel's id), sent by the
same channel threads and retry policy as alerts; one that fails for good raises
``alert_undelivered`` on the console, which names the parcel.

Must never: send, or open a transaction.
"""

from __future__ import annotations

from kiosk.core.config.clock import site_time
from kiosk.core.config.i18n import LOCALE_DIR, translate
from kiosk.core.config.settings import Settings
from kiosk.core.deliveries.couriers import Courier, courier_named
from kiosk.core.events import ParcelReceived
from kiosk.core.notify.channels import Message, department_urls, host_channels, redact_url
from kiosk.core.notify.messages import language
from kiosk.core.store import alert_deliveries as db
from kiosk.core.store.database import Transaction, new_id
from kiosk.core.store.records import Records

ROUTE = "parcel"


def recipient_urls(event: ParcelReceived, records: Records, settings: Settings) -> tuple[str, ...]:
    """Where the notice goes: the host's channels, else the department's; () for the desk."""
    host = records.host(event.host_id) if event.host_id else None
    if host is not None:
        urls = host_channels(host.notify_urls, host.email, settings.notify.mail_server)
        if urls:
            return urls
    dept = event.department_id or (host.department_id if host else None)
    return department_urls(settings.notify.department_urls).get(dept or "", ())


def message(event: ParcelReceived, records: Records, settings: Settings) -> Message:
    """The notice in the recipient's language first, then the other."""
    host = records.host(event.host_id) if event.host_id else None
    first = language(host.language if host else settings.kiosk.default_language)
    langs = [first] + [lang for lang in ("zh_CN", "en") if lang != first]
    courier = courier_named(settings.checkin.couriers, event.courier) or Courier(
        event.courier, event.courier, event.courier
    )
    site = records.site(event.site_id)
    when = site_time(event.received_at, settings.site.timezone).strftime("%Y-%m-%d %H:%M")
    subject, paragraphs = "", []
    for lang in langs:
        params = {
            "courier": courier.name(lang),
            "site": site.name(lang) if site else event.site_id,
            "time": when,
            "name": host.name(lang) if host else "",
        }
        if not subject:
            subject = translate("delivery.notice_subject", lang, LOCALE_DIR, **params)
        paragraphs.append(
            "\n".join(
                (
                    translate("delivery.notice_body", lang, LOCALE_DIR, **params),
                    translate("delivery.notice_collect", lang, LOCALE_DIR, **params),
                )
            )
        )
    text = "\n\n".join(paragraphs)
    return Message(subject[:200], text, "")


def plan(tx: Transaction, event: ParcelReceived, *, records: Records, settings: Settings) -> int:
    """One pending delivery per channel of the recipient; returns how many were added."""
    urls = recipient_urls(event, records, settings)
    if not urls:
        return 0
    notice = message(event, records, settings)
    added = 0
    for url in dict.fromkeys(urls):
        added += db.add(
            tx,
            delivery_id=new_id(),
            alert_id=event.parcel_id,
            route=ROUTE,
            url=url,
            channel=redact_url(url),
            subject=notice.subject,
            text=notice.text,
            now=tx.clock.now(),
        )
    return added
