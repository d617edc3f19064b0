"""Wiring for a kiosk enrolled with head office: the settings enrollment decides, the site
row, the one head-office client and the sync worker. ``kiosk.services`` calls these; like it,
this module imports no Kivy.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.core.config.settings import Settings
from kiosk.core.models import Site
from kiosk.core.store.records import Records

if TYPE_CHECKING:
    from kiosk.services import Services


def enrolled_settings(settings: Settings, enrollment: Any) -> Settings:
    """Head office decides which site and kiosk this is: enrollment overrides the file."""
    settings = settings.replace(
        "kiosk", id=enrollment.kiosk_id, name=enrollment.kiosk_name or settings.kiosk.name
    )
    return settings.replace(
        "site",
        id=enrollment.site_id,
        name_zh=enrollment.site_name_zh or settings.site.name_zh,
        name_en=enrollment.site_name_en or settings.site.name_en,
        timezone=enrollment.site_timezone or settings.site.timezone,
    )


def enrolled_site_row(records: Records, settings: Settings) -> None:
    """The site's row with the names head office gave at enrollment, before sync starts.

    Badges and host messages read the site's names from this row. Without it, the first pulled
    change would create a placeholder named by the site's id ("demo") and that would stick.
    """

    site = settings.site
    row = Site(site.id, site.name_zh, site.name_en, site.timezone)
    if records.site(site.id) != row:
        with records.store.transaction() as tx:
            records.upsert_site(tx, row)


def head_office_client(settings: Settings, enrolled: Any) -> Any:
    """The one head-office client, with the kiosk's token, when enrolled; else None."""
    if enrolled is None:
        return None
    from sync.client import HeadOfficeClient

    enrollment, token = enrolled
    return HeadOfficeClient(
        settings.head_office.url or enrollment.url,
        token,
        ca_bundle=settings.head_office.ca_bundle or enrollment.ca_bundle,
    )


def sync_worker(services: Services) -> Any:
    """A sync worker when this kiosk is enrolled with head office, else None (stand-alone)."""
    if services.head_office is None:
        return None
    from kiosk.core.head_office.health import KioskHealth
    from sync.apply import touches_directory
    from sync.worker import SyncClient

    settings = services.settings
    queue = services.print_queue
    client = SyncClient(
        store=services.store,
        records=services.records,
        head_office=services.head_office,
        clock=services.clock,
        site_id=settings.site.id,
        kiosk_id=settings.kiosk.id,
        batch_size=settings.head_office.batch_size,
        interval=settings.head_office.interval,
        offline_alert_after=settings.reception.offline_alert_after,
        timezone=settings.site.timezone,
        freshness=settings.head_office,
        health=KioskHealth(
            store=services.store,
            clock=services.clock,
            data_dir=Path(settings.data_dir),
            printer=(lambda: queue.printer) if queue is not None else None,
        ),
        hold=settings.head_office.interval if settings.head_office.held_pull else 0.0,
    )
    search = services.search

    stale = False

    def directory_pulled(kinds: frozenset[str]) -> None:
        # rebuilt once the feed is drained, not after every page of a new kiosk's catch-up
        nonlocal stale
        stale = stale or touches_directory(kinds)
        if search is not None and stale and not client.catching_up:
            stale = False
            search.refresh()

    client.on_pulled(directory_pulled)
    return client
