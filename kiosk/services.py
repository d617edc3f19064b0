"""Wiring: every service the kiosk uses is built here, once, with keyword arguments.

The Kivy app receives the finished ``Services`` and hands each screen what it needs. Tests
build ``Services`` with fakes (a FakeClock, a fake printer) or with the real thing.
This module imports no Kivy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from .core.checkin import CheckinService
from .core.clock import Clock, SystemClock
from .core.demo import demo_directory, import_directory
from .core.flow import CheckinFlow
from .core.repository import Records
from .core.settings import Settings
from .core.store import Store

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
    clock = clock or SystemClock()
    store = Store(settings.database_path, clock=clock)
    records = Records(store)
    if demo and not records.sites():
        import_directory(records, demo_directory())
    checkin = CheckinService(records=records, settings=settings, clock=clock)
    services = Services(
        settings=settings,
        clock=clock,
        store=store,
        records=records,
        checkin=checkin,
        flow=CheckinFlow(checkin),
    )
    _attach_optional(services, printer=printer, notifier=notifier)
    if start_workers:
        services.start()
    return services


def _attach_optional(services: Services, *, printer: Any, notifier: Any) -> None:
    """Search, input method, badges, printing, notification, sync, directions.

    Each is attached when its module is present; the kiosk runs without any of them.
    """
    settings, records = services.settings, services.records
    try:
        from .core.search import DirectorySearch
    except ImportError:
        pass
    else:
        services.search = DirectorySearch(
            records.hosts(settings.site.id), records.departments(settings.site.id)
        )
    try:
        from .core.ime import PinyinEngine
    except ImportError:
        pass
    else:
        services.ime = PinyinEngine()
