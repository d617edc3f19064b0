"""The hosts' roll-call message: "an emergency: mark your visitors on your phone".

When this kiosk switches to emergency mode it records ``emergency.switched``; the notifier
worker (``kiosk/core/notify/worker.py``) takes it from the outbox and calls ``plan`` in the
transaction that moves its position, so each switch is announced once, also across a restart.
Every host with a visitor this kiosk checked in who is still in (the kiosk's part of the roll
call) gets one message on their own channels (``notify_urls``, their e-mail through the mail
server) with a signed link (``host_links``) to head office's roll-call page for that host
(``sync/server/host_marks.py``). The rows are ``alert_deliveries`` rows of route
``emergency_host``, keyed by incident and host, sent by the same channel threads and retries as
alerts. Without the site's reply-link key (head office never reached) nobody is sent a link:
marking from a phone needs head office; the kiosks' own roll call always works.

Must never: send, or open a transaction; put personal data in the link.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict

from kiosk.core.config.i18n import LOCALE_DIR, translate
from kiosk.core.config.settings import Settings
from kiosk.core.emergency import host_links
from kiosk.core.emergency.timeline import Entry, Incident, current, fold
from kiosk.core.events import EmergencySwitched, parse_event
from kiosk.core.keys.hierarchy import KeyPurpose
from kiosk.core.notify.channels import host_channels, redact_url
from kiosk.core.notify.messages import language
from kiosk.core.store import alert_deliveries as db
from kiosk.core.store.database import Transaction, new_id
from kiosk.core.store.records import Records

log = logging.getLogger(__name__)

ROUTE = "emergency_host"


def incident_under_way(tx: Transaction) -> Incident | None:
    """The incident the kept entries make under way now (the kiosks' own fold)."""
    rows = tx.execute(
        "SELECT stamp, kind, open_field(payload, 'emergency_entries', 'payload') AS payload "
        "FROM emergency_entries ORDER BY stamp, entry_id"
    ).fetchall()
    return current(fold(Entry(str(r[0]), parse_event(str(r[1]), json.loads(r[2]))) for r in rows))


def hosts_on_roll_call(tx: Transaction, *, site_id: str, kiosk_id: str) -> dict[str, int]:
    """Host id -> how many of their visitors this kiosk checked in are still in."""
    counts: dict[str, int] = defaultdict(int)
    for row in tx.execute(
        "SELECT host_id FROM visits WHERE site_id = ? AND kiosk_id = ? AND state = 'checked_in' "
        "AND host_id IS NOT NULL AND host_id != ''",
        (site_id, kiosk_id),
    ):
        counts[str(row[0])] += 1
    return dict(counts)


def plan(
    tx: Transaction,
    event: EmergencySwitched,
    *,
    records: Records,
    settings: Settings,
    site_keys,
) -> int:
    """One pending delivery per channel of each host on this kiosk's part of the roll call;
    returns how many were added (0 for a switch back, or without a key or head office)."""
    if not event.active or event.kiosk_id != settings.kiosk.id:
        return 0
    incident = incident_under_way(tx)
    if incident is None:
        return 0  # it ended before the notifier got here: nothing to mark any more
    hosts = hosts_on_roll_call(tx, site_id=event.site_id, kiosk_id=event.kiosk_id)
    if not hosts:
        return 0
    key = site_keys.current(KeyPurpose.REPLY_LINK) if site_keys is not None else None
    base = site_keys.link_base() if site_keys is not None else ""
    if key is None or not base:
        log.warning("emergency: no reply-link key from head office; hosts get no roll-call link")
        return 0
    expires = int(tx.clock.now().timestamp()) + host_links.TTL_SECONDS
    added = 0
    for host_id, count in sorted(hosts.items()):
        host = records.host(host_id)
        if host is None:
            continue
        urls = host_channels(host.notify_urls, host.email, settings.notify.mail_server)
        if not urls:
            continue
        token = host_links.sign(
            key.key,
            host_links.HostLink(
                site_id=event.site_id,
                incident_id=incident.id,
                host_id=host_id,
                expires=expires,
                key_version=key.version,
            ),
        )
        subject, text = message(
            records,
            settings,
            host_lang=host.language,
            names={lang: host.name(lang) for lang in ("zh_CN", "en")},
            count=count,
            drill=incident.drill,
            url=host_links.link_url(base, token),
        )
        for url in dict.fromkeys(urls):
            added += db.add(
                tx,
                delivery_id=new_id(),
                alert_id=f"rollcall:{incident.id}:{host_id}"[:200],
                route=ROUTE,
                url=url,
                channel=redact_url(url),
                subject=subject,
                text=text,
                now=tx.clock.now(),
            )
    log.info("emergency: %d roll-call message(s) planned for %d host(s)", added, len(hosts))
    return added


def message(
    records: Records,
    settings: Settings,
    *,
    host_lang: str,
    names: dict[str, str],
    count: int,
    drill: bool,
    url: str,
) -> tuple[str, str]:
    """The subject and text, in the host's language first, then the other."""
    first = language(host_lang or settings.kiosk.default_language)
    langs = [first] + [lang for lang in ("zh_CN", "en") if lang != first]
    site = records.site(settings.site.id)
    subject, paragraphs = "", []
    for lang in langs:
        params = {
            "site": site.name(lang) if site else settings.site.id,
            "name": names.get(lang, ""),
            "count": count,
            "drill": translate("emergency.host.drill", lang, LOCALE_DIR) if drill else "",
        }
        if not subject:
            subject = translate("emergency.host.notice_subject", lang, LOCALE_DIR, **params)
        paragraphs.append(translate("emergency.host.notice_body", lang, LOCALE_DIR, **params))
    return subject[:200], "\n\n".join(paragraphs) + f"\n\n{url}"
