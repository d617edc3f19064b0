"""Wiring: every service the kiosk uses is built here, once, with keyword arguments.

The Kivy app receives the finished ``Services`` and hands each screen what it needs. Tests
build ``Services`` with fakes (a FakeClock, a fake printer) or with the real thing.
This module imports no Kivy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kiosk.core.config.clock import Clock, SystemClock
from kiosk.core.config.settings import Settings
from kiosk.core.directory.demo import demo_directory, import_directory
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from kiosk.core.visits.checkin import CheckinService
from kiosk.core.visits.flow import CheckinFlow
from kiosk.core.visits.progress import ProgressModel
from kiosk.enrolled import enrolled_settings, enrolled_site_row, head_office_client, sync_worker

if TYPE_CHECKING:  # the optional parts are imported when built, to keep start-up light
    from kiosk.core.badges.tokens import BadgeService
    from kiosk.core.head_office.protocol import HeadOffice
    from kiosk.core.input.live_search import LiveSearch
    from kiosk.core.input.pinyin import PinyinEngine
    from kiosk.core.keys.site_keys import SiteKeys
    from kiosk.core.notify.worker import NotifyWorker
    from kiosk.core.printing.queue import PrintQueue
    from kiosk.core.wayfinding.directions import Directions
    from kiosk.core.wayfinding.route_links import RouteLinks
    from sync.worker import SyncClient

log = logging.getLogger(__name__)


class Worker(Protocol):
    """A background worker the kiosk starts and stops with itself."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class Services:
    settings: Settings
    clock: Clock
    store: Store
    records: Records
    checkin: CheckinService
    flow: CheckinFlow
    #: the done screen's view model (where to go, host and badge status)
    progress: ProgressModel
    badges: BadgeService
    #: optional workers and engines; None until configured or available
    search: LiveSearch | None = None
    ime: PinyinEngine | None = None
    #: kiosk.core.input.handwriting.Recognizer, None where Zinnia is not installed
    handwriting: Any = None
    print_queue: PrintQueue | None = None
    notifier: NotifyWorker | None = None
    sync: SyncClient | None = None
    directions: Directions | None = None
    #: phone links for the directions screen's QR code (kiosk.core.wayfinding.route_links)
    route_links: RouteLinks | None = None
    #: the site's keys fetched from head office (kiosk.core.keys.site_keys)
    site_keys: SiteKeys | None = None
    #: the one head-office client (sync.client.HeadOfficeClient) of an enrolled kiosk
    head_office: HeadOffice[Any, Any] | None = None
    #: receptionist mode: staff and PIN entry, the board, the desk's actions (kiosk.core.reception)
    reception: Any = None
    #: low-disk alerts (kiosk.core.disk_space)
    disk_watch: Any = None
    #: receptionist mode's administration: settings, staff, test print (kiosk.core.reception.admin)
    admin: Any = None
    #: the desk's tickets: calls, enquiries, complaints, requests (kiosk.core.tickets)
    tickets: Any = None
    #: parcels left at reception (kiosk.core.deliveries.desk.ParcelDesk)
    parcels: Any = None
    #: the check-out rating (kiosk.core.visits.rating.Ratings)
    ratings: Any = None
    #: the desk's assessment reports (kiosk.core.reports.figures.ReportService)
    reports: Any = None
    #: emergency mode, its roll call and its peers (kiosk.core.emergency.wiring.Emergency)
    emergency: Any = None
    #: spoken guidance (kiosk.core.speech): espeak-ng played through SDL audio
    #: (kiosk.shell.audio), None where espeak-ng is not installed
    speaker: Any = None
    workers: list[Worker] = field(default_factory=list)

    def start(self) -> None:
        for worker in self.workers:
            worker.start()

    def stop(self) -> None:
        for worker in reversed(self.workers):
            try:
                # close() also releases connections (the sync client's to head office)
                getattr(worker, "close", worker.stop)()
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
    store.start_up(*_private_files(settings))
    from kiosk.core.keys.blind_index import KeyedCodec

    records = Records(store, KeyedCodec(store))
    if enrolled is not None:
        enrolled_site_row(records, settings)
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
        progress=ProgressModel(records=records),
        badges=badges,
    )
    _attach_optional(services)
    from kiosk.core.speech import build_speaker
    from kiosk.shell.audio import SdlPlayer

    services.speaker = build_speaker(player=SdlPlayer())  # espeak-ng's WAV through SDL audio
    _attach_workers(services, printer=printer, notifier=notifier, enrolled=enrolled)
    from kiosk.core.visits.end_of_day import EndOfDayWorker

    services.workers.append(
        EndOfDayWorker(
            checkin=checkin,
            badge_dirs=_file_printer_dirs(services),
            keep_badge_hours=settings.printer.file_keep_hours,
            data_dir=settings.data_dir,
        )
    )
    from kiosk.core.privacy.retention import PurgeWorker

    services.workers.append(  # the site's retention period (privacy/retention.py)
        PurgeWorker(
            store=store,
            clock=clock,
            site_id=settings.site.id,
            kiosk_id=settings.kiosk.id,
            default_days=settings.checkin.retention_days,
            id_days=settings.checkin.id_retention_days,
        )
    )
    services.progress = _progress(services)
    from kiosk.desk_services import attach_front_desk

    attach_front_desk(services)
    if start_workers:
        services.start()
    return services


def _attach_optional(services: Services) -> None:
    """The host search index and the input method (its data loads on the first keystroke).

    The screens hold ``services.search``, a ``LiveSearch``: when sync pulls changes to the
    directory it builds a new index on its own thread and swaps it in (``_sync_client``).
    """
    from kiosk.core.input.live_search import LiveSearch
    from kiosk.core.input.pinyin import PinyinEngine
    from kiosk.core.input.search import DirectorySearch

    settings, records = services.settings, services.records
    site_id = settings.site.id
    services.search = LiveSearch(
        lambda: DirectorySearch(records.hosts(site_id), records.departments(site_id))
    )
    services.ime = PinyinEngine()
    from kiosk.core.input.handwriting import load_recognizer

    services.handwriting = load_recognizer()  # about 0.1 s; None hides the writing pad
    from kiosk.core.wayfinding.directions import Directions

    services.directions = Directions.for_site(settings, records)


def _progress(services: Services) -> ProgressModel:
    """The done screen's model, reading the notifier, the print queue and the building."""
    notifier, queue, directions = services.notifier, services.print_queue, services.directions
    return ProgressModel(
        records=services.records,
        notify_status=notifier.status_for if notifier is not None else None,
        print_status=queue.status_for if queue is not None else None,
        route_summary=directions.summary_for_visit if directions is not None else None,
        route_steps=directions.steps_for_visit if directions is not None else None,
    )


@dataclass(frozen=True)
class DirectionsServices:
    """What the directions screen is handed: the search, the building's routes and words,
    the phone links for its QR code, and the input method of its keyboard."""

    search: LiveSearch | None
    directions: Directions | None
    route_links: RouteLinks | None
    ime: PinyinEngine | None
    #: the handwriting recogniser of its keyboard (None where Zinnia is not installed)
    handwriting: Any = None


def _private_files(settings: Settings) -> list[Any]:
    """Files besides the database only this kiosk's user may read (checked at start)."""
    from pathlib import Path

    from kiosk.core.head_office.enrollment import TOKEN_FILE
    from kiosk.core.keys.key_files import KEYS_DIR

    keys = Path(settings.data_dir) / KEYS_DIR
    return [Path(settings.data_dir) / TOKEN_FILE, keys, *sorted(keys.glob("*.key"))]


def _attach_workers(services: Services, *, printer: Any, notifier: Any, enrolled: Any) -> None:
    """The print queue, the host notifier and, when head office is configured, sync.

    Each runs on its own thread from the outbox, so none of them can hold up a visitor.
    """
    from kiosk.core.notify.channels import AppriseNotifier
    from kiosk.core.notify.startup_checks import validate_notify_settings
    from kiosk.core.notify.worker import NotifyWorker
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
    services.head_office = head_office_client(settings, enrolled)
    services.site_keys = SiteKeys(
        store=store,
        clock=clock,
        head_office=services.head_office,
        head_office_url=head_office_url,
        reply_key=settings.notify.reply_key,
    )
    _blind_index_follows_site_key(records, services.site_keys)
    _badges_follow_site_key(services.badges, services.site_keys)
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
    services.sync = sync_worker(services)
    if services.sync is not None:
        services.workers.append(services.sync)
    from kiosk.core.disk_space import DiskWatch

    services.disk_watch = DiskWatch(
        store, path=settings.data_dir, site_id=settings.site.id, kiosk_id=settings.kiosk.id
    )
    services.workers.append(services.disk_watch)


def _blind_index_follows_site_key(records: Records, site_keys: Any) -> None:
    """The blind index adopts the site's key (kept from head office, or when it arrives or is
    rotated), re-indexing; until then it uses the kiosk's own key."""
    from kiosk.core.keys.hierarchy import KeyPurpose

    codec = records.codec
    adopt = getattr(codec, "adopt", None)
    if adopt is None:
        return
    adopt(site_keys.current(KeyPurpose.BLIND_INDEX))
    site_keys.on_keys(lambda keys: adopt(keys.keys.get(KeyPurpose.BLIND_INDEX)))


def _badges_follow_site_key(badges: BadgeService, site_keys: SiteKeys) -> None:
    """Badges are signed with the site's badge key (kept from head office, or when it arrives
    or is rotated), so every kiosk of the site checks out every other's badges; a stand-alone
    kiosk keeps its own key."""
    from kiosk.core.keys.hierarchy import KeyPurpose

    badges.adopt(site_keys.current(KeyPurpose.BADGE))
    site_keys.on_keys(lambda keys: badges.adopt(keys.keys.get(KeyPurpose.BADGE)))


def _route_links(services: Services) -> RouteLinks:
    """Links to the route page on head office, signed with the site's route-link key (fetched
    with the other site keys, ``services.site_keys``). Without head office the links give None
    and the directions screen shows no QR code."""
    from kiosk.core.keys.hierarchy import KeyPurpose
    from kiosk.core.wayfinding.route_links import RouteLinks

    keys = services.site_keys
    assert keys is not None, "the site keys are built before the route links"
    return RouteLinks(
        base_url=lambda: keys.link_base() if keys.head_office_url else "",
        site_id=services.settings.site.id,
        key=lambda: keys.current(KeyPurpose.ROUTE_LINK),
        clock=services.clock,
    )


def apply_settings(services: Services, new: Settings) -> None:
    """Settings changed while running: what reads them on each use sees the new values (the
    idle timeout, the visitor languages, the end of day); the print queue changes printer; the
    rest waits for a restart."""
    old, services.settings = services.settings, new
    services.checkin.settings = new
    for part in (services.parcels, services.ratings, services.reports):
        if part is not None:
            part.settings = new  # couriers and the rating scale are read on each use
    queue = services.print_queue
    if queue is not None and new.printer != old.printer:
        from kiosk.core.printing.factory import make_printer

        queue.use_printer(make_printer(new.printer, data_dir=new.data_dir))


def _file_printer_dirs(services: Services) -> tuple[Path, ...]:
    """The folders the file printer (as printer or as fallback) writes badges into."""
    from kiosk.core.printing.files import FilePrinter

    queue = services.print_queue
    if queue is None:
        return ()
    printers = (queue.printer, queue.fallback)
    return tuple(dict.fromkeys(p.out_dir for p in printers if isinstance(p, FilePrinter)))


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
