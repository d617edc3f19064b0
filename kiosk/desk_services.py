"""The front desk's part of the wiring (``build_services`` calls ``attach_front_desk`` last):
receptionist mode, the console's settings and staff, tickets, parcels, the check-out rating,
the reports and emergency mode, each built from the services the kiosk already has.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.core.config.settings import Settings

if TYPE_CHECKING:
    from kiosk.services import Services


def attach_front_desk(services: Services) -> None:
    """Every front-desk service on ``services``, their workers added to ``services.workers``."""
    from kiosk.core.emergency.wiring import build_emergency

    services.reception = _reception(services)
    services.admin = _admin(services)
    services.tickets = _tickets(services)
    _attach_desk_work(services)
    services.emergency = build_emergency(
        settings=services.settings,
        records=services.records,
        clock=services.clock,
        site_keys=services.site_keys,
        sync=services.sync,
    )
    services.workers += services.emergency.workers
    if services.notifier is not None:  # the names of those still to find, in its alerts
        services.notifier.alerts.more = services.emergency.mode.channel_names.lines_for


def _reception(services: Services) -> Any:
    """Staff accounts (PINs peppered with the site's staff-pin key when enrolled, a key of the
    kiosk's own when stand-alone), the on-site board and the desk's actions."""
    from kiosk.core.keys.hierarchy import KeyPurpose
    from kiosk.core.reception.console import Reception
    from kiosk.core.reception.pepper import Pepper
    from kiosk.core.reception.pulled import badge_status

    settings, keys = services.settings, services.site_keys
    site_key = None
    if services.head_office is not None and keys is not None:
        site_key = lambda: keys.current(KeyPurpose.STAFF_PIN)  # noqa: E731
    queue = services.print_queue
    return Reception.build(
        checkin=services.checkin,
        print_queue=queue,
        pepper=Pepper(settings.data_dir, site_key=site_key),
        badge_status=badge_status(queue, services.store) if queue else None,
    )


def _tickets(services: Services) -> Any:
    """The desk's tickets (kiosk.core.tickets): their messages go through the notifier's queue,
    overdue ones escalate on their own worker."""
    from kiosk.core.tickets.desk import TicketDesk
    from kiosk.core.tickets.faq import load_faq
    from kiosk.core.tickets.overdue import OverdueWatch
    from kiosk.core.tickets.routing import TicketRouter
    from kiosk.core.tickets.summary import ComplaintSummary

    settings, keys = services.settings, services.site_keys
    desk = TicketDesk(
        store=services.store,
        records=services.records,
        settings=settings,
        site_id=settings.site.id,
        kiosk_id=settings.kiosk.id,
    )
    router = TicketRouter(
        settings=settings,
        records=services.records,
        site_keys=keys,
        link_base=lambda: keys.link_base() if keys is not None and keys.head_office_url else "",
    )
    desk.listeners.append(router)
    desk.faq = load_faq(settings.tickets.faq_file)
    desk.overdue = OverdueWatch(desk=desk, router=router)
    services.workers.append(desk.overdue)
    if services.sync is not None:  # what a pull brings that the desk acts on
        overdue = desk.overdue

        def pulled(kinds: frozenset[str]) -> None:
            if "ticket.updated" in kinds:
                overdue.pulled()
            if "site.settings" in kinds:  # head office's ticket categories for the site
                desk.refresh_categories()

        services.sync.on_pulled(pulled)
    # the periodic complaint summary to the desk's supervisor (issue 16, seed §5)
    services.workers.append(ComplaintSummary(store=services.store, settings=settings))
    return desk


def _attach_desk_work(services: Services) -> None:
    """The desk's own work (issue 16): parcels, the check-out rating and the reports (with
    the tickets' sections)."""
    from kiosk.core.deliveries.desk import ParcelDesk
    from kiosk.core.reports.figures import ReportService
    from kiosk.core.reports.tickets import TicketSections
    from kiosk.core.visits.rating import Ratings

    store, records, clock, settings = (
        services.store,
        services.records,
        services.clock,
        services.settings,
    )
    services.parcels = ParcelDesk(store=store, records=records, clock=clock, settings=settings)
    services.ratings = Ratings(store=store, records=records, clock=clock, settings=settings)
    services.reports = ReportService(
        store=store, settings=settings, clock=clock, extra=[TicketSections(records)]
    )


def _admin(services: Services) -> Any:
    """The settings screen's use cases (the settings file is ``$KIOSK_CONFIG``, or the file the
    settings were read from); the shell puts saved settings in force with ``apply_settings``."""
    from kiosk.core.config.settings import default_config_path
    from kiosk.core.reception.admin import ConsoleAdmin

    def config_path(settings: Settings) -> Path:
        return Path(settings.source) if settings.source else default_config_path()

    return ConsoleAdmin(
        staff=services.reception.staff,
        config_path=config_path,
        print_queue=services.print_queue,
        notifier=services.notifier,
        enrolled=services.head_office is not None,
    )
