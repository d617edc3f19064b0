"""Building emergency mode for the kiosk (``kiosk.services.build_services`` calls it).

The mode always exists (a kiosk alone still runs a roll call); the peer server is built when
``[emergency] listen`` is set, with zeroconf discovery beside it unless ``discovery`` is off,
and the sender when there are ``peers`` or discovery. The peer key is ``[emergency] peer_key``
when set, else the site's ``peer`` key fetched from head office with the other site keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.core.config.clock import Clock
from kiosk.core.config.settings import Settings
from kiosk.core.emergency.peers.exchange import PeerExchange
from kiosk.core.emergency.service import EmergencyMode
from kiosk.core.keys.hierarchy import KeyPurpose, SiteKey, parse_versioned
from kiosk.core.store.records import Records


@dataclass
class Emergency:
    mode: EmergencyMode
    exchange: PeerExchange
    #: the peer server (None without ``listen``), discovery (None without the server or with
    #: ``discovery`` off) and sender (None without ``peers`` or discovery)
    server: Any = None
    sender: Any = None
    discovery: Any = None
    #: the roll-call page for wardens' phones (None without ``warden_listen``)
    warden: Any = None
    #: the page's address as phones reach it
    warden_url: str = ""
    workers: list[Any] = field(default_factory=list)
    #: kiosk.core.emergency.printing.RollCallPrinting
    printing: Any = None

    def warden_link(self, *, by: str) -> str:
        """The link (for the console's QR code) to mark the emergency under way from a phone,
        in the name of staff ``by``; empty without the page, an emergency or a peer key."""
        token = self.warden.token(by=by) if self.warden is not None else None
        if token is None:
            return ""
        from kiosk.core.emergency.warden_links import link

        return link(self.warden_url, token)

    def print_roll_call(self) -> Any:
        """Print the roll call on the first configured printer that takes it (blocking)."""
        return self.printing.print_roll_call()

    def save_record(self, incident_id: str, *, actor: Any) -> Path:
        """The incident's record as a PDF into ``<data dir>/incidents`` (blocking); the export
        of its names is written to the audit log as ``actor``'s."""
        from kiosk.core.emergency.record import incident_pdf
        from kiosk.core.reception import audit
        from kiosk.core.reports.export import save

        settings = self.printing.settings
        site = settings.site
        pdf = incident_pdf(self.mode, incident_id, site_name=f"{site.name_zh} / {site.name_en}")
        with self.mode.store.transaction() as tx:
            audit.record(
                tx,
                actor,
                "incident.exported",
                site_id=site.id,
                kiosk_id=settings.kiosk.id,
                subject_kind="incident",
                subject_id=incident_id,
                fields="name,company",
            )
        return save(pdf, Path(settings.data_dir) / "incidents", f"incident-{incident_id}.pdf")


def peer_key(settings: Settings, site_keys: Any) -> Callable[[], SiteKey | None]:
    fixed = settings.emergency.peer_key.strip()
    if fixed:
        key = parse_versioned(fixed, KeyPurpose.PEER)
        return lambda: key
    if site_keys is None:
        return lambda: None
    return lambda: site_keys.current(KeyPurpose.PEER)


def build_emergency(
    *, settings: Settings, records: Records, clock: Clock, site_keys: Any, sync: Any = None
) -> Emergency:
    mode = EmergencyMode(
        records=records,
        clock=clock,
        site_id=settings.site.id,
        kiosk_id=settings.kiosk.id,
        timezone=settings.site.timezone,
    )
    exchange = PeerExchange(mode=mode, key=peer_key(settings, site_keys))
    mode.peer_rosters = exchange.peer_rosters
    if sync is not None:  # a start or end made at head office arrives through the pull feed
        sync.on_pulled(mode.pulled)
    from kiosk.core.emergency.printing import RollCallPrinting

    built = Emergency(mode=mode, exchange=exchange)
    built.printing = RollCallPrinting(mode=mode, settings=settings)
    cfg = settings.emergency
    if cfg.listen.strip():
        from kiosk.core.emergency.peers.link import PeerServer

        built.server = PeerServer(exchange=exchange, listen=cfg.listen, clock=clock)
        built.workers.append(built.server)
        if cfg.discovery:
            from kiosk.core.emergency.peers.discovery import PeerDiscovery

            built.discovery = PeerDiscovery(
                site_id=settings.site.id,
                kiosk_id=settings.kiosk.id,
                address=built.server.address,
                clock=clock,
                on_found=lambda: built.sender.wake(),
            )
            built.workers.append(built.discovery)
    if cfg.warden_listen.strip():
        _add_warden_page(built, settings, records, clock)
    if cfg.peers or built.discovery is not None:
        from kiosk.core.emergency.peers.link import PeerSender

        built.sender = PeerSender(
            exchange=exchange,
            peers=cfg.peers,
            clock=clock,
            interval=cfg.interval,
            idle_interval=cfg.idle_interval,
            discovered=built.discovery.peers if built.discovery is not None else list,
        )
        built.workers.append(built.sender)
    return built


def _add_warden_page(built: Emergency, settings: Settings, records: Records, clock: Clock) -> None:
    from kiosk.core.emergency.peers.discovery import advertised_addresses
    from kiosk.core.emergency.warden_page import WardenPage

    site_id = settings.site.id

    def site_name(lang: str) -> str:
        site = records.site(site_id)
        return site.name(lang) if site is not None else site_id

    built.warden = WardenPage(
        mode=built.mode,
        key=built.exchange.key,
        listen=settings.emergency.warden_listen,
        clock=clock,
        site_name=site_name,
        default_language=settings.kiosk.default_language,
    )
    host, port = built.warden.address
    built.warden_url = (
        settings.emergency.warden_url.strip() or f"http://{advertised_addresses(host)[0]}:{port}"
    )
    built.workers.append(built.warden)
