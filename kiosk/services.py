"""Wiring: every service the kiosk uses is built here, once, with keyword arguments.

The Kivy app receives the finished ``Services`` and hands each screen what it needs. Tests
build ``Services`` with fakes (a FakeClock, a fake printer) or with the real thing.
This module imports no Kivy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from kiosk.core.config.clock import Clock, SystemClock
from kiosk.core.config.settings import Settings
from kiosk.core.directory.demo import demo_directory, import_directory
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from kiosk.core.visits.checkin import CheckinService
from kiosk.core.visits.flow import CheckinFlow

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    clock: Clock
    store: Store
    records: Records
    checkin: CheckinService
    flow: CheckinFlow
    #: optional workers and engines; None until configured or available
    search: Any = None
    ime: Any = None
    print_queue: Any = None
    notifier: Any = None
    sync: Any = None
    badges: Any = None
    directions: Any = None
    #: phone links for the directions screen's QR code (kiosk.core.wayfinding.route_links)
    route_links: Any = None
    #: the site's keys fetched from head office (kiosk.core.keys.site_keys)
    site_keys: Any = None
    #: low-disk alerts (kiosk.core.disk_space)
    disk_watch: Any = None
    workers: list[Any] = field(default_factory=list)

    def start(self) -> None:
        for worker in self.workers:
            worker.start()

    def stop(self) -> None:
        for worker in reversed(self.workers):
            try:
                worker.stop()
            except Exception:  # a worker failing to stop must not keep the others running
                log.exception("stopping %r failed", worker)
        self.store.close()


def build_services(
    settings: Settings,
    *,
    demo: bool = False,
    clock: Clock | None = None,
    start_workers: bool = True,
    printer: Any = None,
    notifier: Any = None,
) -> Services:
    """Open the store, load demo data if asked, and build every service."""
    from kiosk.core.head_office.enrollment import load_enrollment

    clock = clock or SystemClock()
    enrolled = load_enrollment(settings.data_dir)
    if enrolled is not None:
        settings = enrolled_settings(settings, enrolled[0])
    store = Store(settings.database_path, clock=clock)
    records = Records(store)
    if demo and not records.sites():
        import_directory(records, demo_directory())
    from kiosk.core.badges.tokens import BadgeService

    badges = BadgeService(
        store,
        site_id=settings.site.id,
        clock=clock,
        valid_hours=settings.printer.badge_valid_hours,
    )
    checkin = CheckinService(
        records=records,
        settings=settings,
        clock=clock,
        badge_issuer=badges.issue_code,
        badge_verifier=badges.visit_id_for,
    )
    services = Services(
        settings=settings,
        clock=clock,
        store=store,
        records=records,
        checkin=checkin,
        flow=CheckinFlow(checkin),
        badges=badges,
    )
    _attach_optional(services)
    _attach_workers(services, printer=printer, notifier=notifier, enrolled=enrolled)
    if start_workers:
        services.start()
    return services


def _attach_optional(services: Services) -> None:
    """The host search index and the input method (its data loads on the first keystroke)."""
    from kiosk.core.input.pinyin import PinyinEngine
    from kiosk.core.input.search import DirectorySearch

    settings, records = services.settings, services.records
    services.search = DirectorySearch(
        records.hosts(settings.site.id), records.departments(settings.site.id)
    )
    services.ime = PinyinEngine()
    from kiosk.core.wayfinding.directions import Directions

    services.directions = Directions.for_site(settings, records)


def enrolled_settings(settings: Settings, enrollment: Any) -> Settings:
    """Head office decides which site and kiosk this is: enrollment overrides the file."""
    settings = settings.replace("kiosk", id=enrollment.kiosk_id)
    return settings.replace(
        "site",
        id=enrollment.site_id,
        name_zh=enrollment.site_name_zh or settings.site.name_zh,
        name_en=enrollment.site_name_en or settings.site.name_en,
        timezone=enrollment.site_timezone or settings.site.timezone,
    )


def _attach_workers(services: Services, *, printer: Any, notifier: Any, enrolled: Any) -> None:
    """The print queue, the host notifier and, when head office is configured, sync.

    Each runs on its own thread from the outbox, so none of them can hold up a visitor.
    """
    from kiosk.core.notify.channels import AppriseNotifier
    from kiosk.core.notify.worker import NotifyWorker, validate_notify_settings
    from kiosk.core.printing.factory import make_printer
    from kiosk.core.printing.queue import PrintQueue

    settings, store, records, clock = (
        services.settings,
        services.store,
        services.records,
        services.clock,
    )
    services.print_queue = PrintQueue(
        store=store,
        records=records,
        printer=printer or make_printer(settings.printer, data_dir=settings.data_dir),
        clock=clock,
        settings=settings,
        badges=services.badges,
        fallback=_fallback_printer(settings),
        directions=services.directions.summary_for_visit if services.directions else None,
    )
    from kiosk.core.keys.site_keys import SiteKeys

    notifier = notifier or AppriseNotifier()
    validate_notify_settings(settings, notifier)
    head_office_url = settings.head_office.url or (enrolled[0].url if enrolled else "")
    services.site_keys = SiteKeys(
        store=store,
        clock=clock,
        head_office_url=head_office_url,
        token=enrolled[1] if enrolled else "",
        ca_bundle=settings.head_office.ca_bundle or (enrolled[0].ca_bundle if enrolled else ""),
        reply_key=settings.notify.reply_key,
    )
    services.notifier = NotifyWorker(
        store=store,
        records=records,
        notifier=notifier,
        clock=clock,
        settings=settings,
        head_office_url=head_office_url,
        site_keys=services.site_keys,
    )
    services.workers += [services.print_queue, services.notifier]
    services.route_links = _route_links(services)
    services.sync = _sync_client(services, enrolled)
    if services.sync is not None:
        services.workers.append(services.sync)
    from kiosk.core.disk_space import DiskWatch

    services.disk_watch = DiskWatch(
        store, path=settings.data_dir, site_id=settings.site.id, kiosk_id=settings.kiosk.id
    )
    services.workers.append(services.disk_watch)


def _route_links(services: Services) -> Any:
    """Links to the route page on head office, signed with the site's route-link key (fetched
    with the other site keys, ``services.site_keys``). Without head office the links give None
    and the directions screen shows no QR code."""
    from kiosk.core.keys.hierarchy import KeyPurpose
    from kiosk.core.wayfinding.route_links import RouteLinks

    keys = services.site_keys
    return RouteLinks(
        base_url=lambda: keys.link_base() if keys.head_office_url else "",
        site_id=services.settings.site.id,
        key=lambda: keys.current(KeyPurpose.ROUTE_LINK),
        clock=services.clock,
    )


def _fallback_printer(settings: Settings) -> Any:
    """The printer ``[printer] fallback`` names ("cups:QUEUE", "file" …), or None."""
    spec = settings.printer.fallback.strip()
    if not spec:
        return None
    from dataclasses import replace

    from kiosk.core.printing.factory import make_printer

    backend, _, where = spec.partition(":")
    primary = settings.printer
    fallback = replace(primary, backend=backend, queue=where, address=where, fallback="")
    return make_printer(fallback, data_dir=settings.data_dir)


def _sync_client(services: Services, enrolled: Any) -> Any:
    """A sync worker when this kiosk is enrolled with head office, else None (stand-alone)."""
    if enrolled is None:
        return None
    from sync.client import HttpTransport, SyncClient

    enrollment, token = enrolled
    settings = services.settings
    transport = HttpTransport(
        settings.head_office.url or enrollment.url,
        token,
        ca_bundle=settings.head_office.ca_bundle or enrollment.ca_bundle,
    )
    return SyncClient(
        store=services.store,
        records=services.records,
        transport=transport,
        clock=services.clock,
        batch_size=settings.head_office.batch_size,
        interval=settings.head_office.interval,
    )
