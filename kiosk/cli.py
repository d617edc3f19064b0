"""The ``kiosk`` command: run the kiosk, render the tour, print the settings, invite a guest.

kiosk [--demo] [--windowed 1280x800] [--config FILE] [--data-dir DIR]
kiosk --print-config
kiosk tour --out DIR [--size WxH] [--lang zh_CN|en]
kiosk invite --name NAME [--phone P] [--host HOST_ID] [--company C] [--purpose P]
kiosk enroll URL CODE [--ca-bundle PEM]
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from kiosk.core.config.errors import ConfigError, KioskError
from kiosk.core.config.settings import Settings, load_settings, render_toml
from kiosk.core.events import InvitationCreated


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk", description="Lobby visitor kiosk")
    p.add_argument("--config", type=Path, help="settings file (default: platform config dir)")
    p.add_argument("--data-dir", type=Path, help="where the database lives (overrides settings)")
    p.add_argument("--demo", action="store_true", help="load the demo building and directory")
    p.add_argument("--windowed", metavar="WxH", help="run in a window of this size (development)")
    p.add_argument("--print-config", action="store_true", help="show the effective settings")
    sub = p.add_subparsers(dest="command")

    tour = sub.add_parser("tour", help="render every screen with demo data to PNG files")
    tour.add_argument("--out", type=Path, required=True)
    tour.add_argument("--size", default="1920x1080")
    tour.add_argument("--lang", default="zh_CN", choices=["zh_CN", "en"])

    invite = sub.add_parser("invite", help="create an invitation and print its code")
    invite.add_argument("--name", required=True)
    invite.add_argument("--phone", default="")
    invite.add_argument("--company", default="")
    invite.add_argument("--host", default=None, help="host id (see the directory)")
    invite.add_argument("--purpose", default="meeting")
    invite.add_argument("--valid-hours", type=float, default=24.0)

    enroll = sub.add_parser("enroll", help="join head office with a one-time enrollment code")
    enroll.add_argument("url", help="head-office URL, https://…")
    enroll.add_argument("code", help="code printed by kiosk-server add-kiosk")
    enroll.add_argument("--ca-bundle", default="", help="PEM file of a private CA")
    return p


def load(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    if args.data_dir is not None:
        settings = settings.replace("kiosk", data_dir=str(args.data_dir))
    if getattr(args, "windowed", None):
        settings = settings.replace("kiosk", fullscreen=False)
    return settings


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load(args)
        if args.print_config:
            print(f"# effective settings (file: {settings.source or 'none, defaults'})")
            print(f"# data directory: {settings.data_dir}")
            print(render_toml(settings), end="")
            return 0
        if args.command == "tour":
            from kiosk.tour import run_tour

            return run_tour(out=args.out, size=args.size, lang=args.lang)
        if args.command == "invite":
            return _invite(settings, args)
        if args.command == "enroll":
            from kiosk.core.head_office.enrollment import enroll

            ca = args.ca_bundle or settings.head_office.ca_bundle
            done = enroll(args.url, args.code, data_dir=settings.data_dir, ca_bundle=ca)
            print(f"enrolled as kiosk {done.kiosk_id} of site {done.site_id} ({done.site_name_en})")
            return 0
        return _run(settings, demo=args.demo, windowed=args.windowed)
    except ConfigError as e:
        print(f"kiosk: configuration error: {e}", file=sys.stderr)
        return 2
    except KioskError as e:
        print(f"kiosk: {e}", file=sys.stderr)
        return 1


def _run(settings: Settings, *, demo: bool, windowed: str | None) -> int:
    from kiosk.launch import configure_kivy, parse_size, prepare_environment

    size = parse_size(windowed) if windowed else None
    prepare_environment()
    configure_kivy(size=size, fullscreen=settings.kiosk.fullscreen and not windowed)
    from kiosk.services import build_services

    services = build_services(settings, demo=demo)
    from kiosk.app import KioskApp

    app = KioskApp(services=services, lockdown=not windowed)

    def stop(_signum: int, _frame: object) -> None:
        # stopping the process is one of the two ways out (the other is receptionist mode):
        # finish the current frame, stop the workers, close the database
        app.exit_kiosk()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    app.run()
    return 0


def _invite(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import timedelta

    from kiosk.core.config.clock import SystemClock
    from kiosk.core.models import Invitation
    from kiosk.core.store.database import Store, new_id
    from kiosk.core.store.records import Records
    from kiosk.core.visits.checkin import random_badge_code
    from kiosk.core.visits.validation import parse_phone, validate_name

    clock = SystemClock()
    store = Store(settings.database_path, clock=clock)
    records = Records(store)
    name = validate_name(args.name)
    phone = parse_phone(args.phone).normalised if args.phone else ""
    if args.host and records.host(args.host) is None:
        raise KioskError(f"unknown host id {args.host!r}")
    code = random_badge_code("", "", clock.now())[1:9]
    now = clock.now()
    with store.transaction() as tx:
        inv = Invitation(
            id=new_id(),
            site_id=settings.site.id,
            code=code,
            visitor_name=name,
            phone=phone,
            company=args.company,
            host_id=args.host,
            purpose=args.purpose,
            valid_from=now,
            valid_until=now + timedelta(hours=args.valid_hours),
        )
        records.add_invitation(tx, inv)
        tx.emit(InvitationCreated(invitation_id=inv.id, code=code))
    print(code)
    import qrcode

    qr = qrcode.QRCode(border=1)
    qr.add_data(code)
    qr.print_ascii(invert=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
