"""The ``kiosk`` command: run the kiosk, render the tour, print the settings, invite a guest.

kiosk [--demo] [--windowed 1280x800] [--config FILE] [--data-dir DIR] [--check]
kiosk --print-config
kiosk tour --out DIR [--size WxH] [--lang zh_CN|en]
kiosk invite --name NAME [--phone P] [--host HOST_ID] [--company C] [--purpose P]
kiosk enroll URL CODE [--ca-bundle PEM]
kiosk import-directory FILE [--dry-run]   load departments and hosts (JSON or CSV), stand-alone
kiosk staff add --name NAME --role admin  a staff account (asks for the PIN); kiosk staff list
kiosk audit verify                        check the audit log's hash chain
kiosk backup OUT [--passphrase-file F]    one encrypted archive (docs/backup.md)
kiosk restore ARCHIVE [--passphrase-file F]   put it back, redoing nothing; then `kiosk recover`
kiosk --version
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from kiosk.core.config.errors import ConfigError, KioskError
from kiosk.core.config.settings import Settings, load_settings
from kiosk.core.config.settings_toml import render_toml
from kiosk.core.events import InvitationCreated


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk", description="Lobby visitor kiosk")
    p.add_argument("--config", type=Path, help="settings file (default: platform config dir)")
    p.add_argument("--data-dir", type=Path, help="where the database lives (overrides settings)")
    p.add_argument("--demo", action="store_true", help="load the demo building and directory")
    p.add_argument("--windowed", metavar="WxH", help="run in a window of this size (development)")
    p.add_argument("--print-config", action="store_true", help="show the effective settings")
    p.add_argument(
        "--check", action="store_true", help="draw the first frame offscreen, check it, exit"
    )
    p.add_argument("--version", action="store_true", help="show the version and exit")
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

    directory = sub.add_parser(
        "import-directory", help="load departments and hosts from a JSON or CSV file"
    )
    directory.add_argument("file", type=Path, help="directory JSON, or CSV saved by a spreadsheet")
    directory.add_argument("--dry-run", action="store_true", help="show what would change")
    from kiosk.reception_cli import add_parsers

    add_parsers(sub)
    sub.add_parser(
        "rotate-keys", help="a new data key for the sealed personal fields, rows re-sealed"
    )

    from kiosk.operations import add_backup_commands

    add_backup_commands(sub)
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
    if args.version:
        from kiosk.operations import version_line

        print(version_line())
        return 0
    try:
        settings = load(args)
        if args.print_config:
            return _print_config(settings)
        if args.command == "tour":
            from kiosk.tour import run_tour

            return run_tour(out=args.out, size=args.size, lang=args.lang)
        if args.command == "invite":
            return _invite(settings, args)
        if args.command == "enroll":
            from sync.client import enroll

            ca = args.ca_bundle or settings.head_office.ca_bundle
            done = enroll(args.url, args.code, data_dir=settings.data_dir, ca_bundle=ca)
            print(f"enrolled as kiosk {done.kiosk_id} of site {done.site_id} ({done.site_name_en})")
            return 0
        if args.command in ("staff", "audit"):
            from kiosk.reception_cli import run

            return run(settings, args)
        if args.command == "import-directory":
            return _import_directory(settings, args.file, dry_run=args.dry_run)
        if args.command == "rotate-keys":
            return _rotate_keys(settings)
        if args.command in ("backup", "restore", "recover"):
            from kiosk.operations import run_backup_command

            return run_backup_command(settings, args)
        return _run(settings, demo=args.demo, windowed=args.windowed, check=args.check)
    except ConfigError as e:
        print(f"kiosk: configuration error: {e}", file=_stderr())
        return 2
    except KioskError as e:
        print(f"kiosk: {e}", file=_stderr())
        return 1


def _stderr() -> TextIO:
    # once Kivy is imported, sys.stderr is its log stream (silent with KIVY_NO_CONSOLELOG):
    # then the process's own stderr; otherwise whatever stderr is now (a terminal, a test)
    if type(sys.stderr).__module__.startswith("kivy") and sys.__stderr__ is not None:
        return sys.__stderr__
    return sys.stderr


def _print_config(settings: Settings) -> int:
    """The settings in force: the file's, with what enrollment replaces marked."""
    from kiosk.core.config.settings_toml import differences
    from kiosk.core.head_office.enrollment import load_enrollment
    from kiosk.enrolled import enrolled_settings

    print(f"# settings in force (file: {settings.source or 'none, defaults'})")
    print(f"# data directory: {settings.data_dir}")
    enrolled = load_enrollment(settings.data_dir)
    notes = {}
    if enrolled is not None:
        in_force = enrolled_settings(settings, enrolled[0])
        print(f"# enrolled with {enrolled[0].url} as kiosk {enrolled[0].kiosk_id}")
        notes = {name: "from enrollment" for name in differences(settings, in_force)}
        settings = in_force
    print(render_toml(settings, notes), end="")
    return 0


def _run(settings: Settings, *, demo: bool, windowed: str | None, check: bool = False) -> int:
    from kiosk.launch import configure_kivy, open_window, parse_size, prepare_environment

    size = parse_size(windowed) if windowed else None
    prepare_environment(offscreen=check, file_log=True)
    configure_kivy(size=size, fullscreen=settings.kiosk.fullscreen and not windowed and not check)
    open_window()
    from kiosk.launch import report_crash
    from kiosk.services import build_services

    try:
        services = build_services(settings, demo=demo)
    except KioskError:
        raise  # a known problem (database, settings): main says it in one line
    except Exception as e:
        return report_crash(e)
    try:
        return _run_app(services, lockdown=not windowed, check=check)
    except Exception as e:  # a crash at start or in a frame: one line, and where the log is
        code = report_crash(e)
        services.stop()  # workers are daemon threads; this closes the database cleanly
        return code


def _run_app(services: Any, *, lockdown: bool, check: bool) -> int:
    from kiosk.app import KioskApp

    app = KioskApp(services=services, lockdown=lockdown)
    if check:
        from kiosk.first_frame import check_first_frame

        return check_first_frame(app, out_dir=services.settings.data_dir)

    stop = stop_on_signal(app)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    from kiosk.supervision import supervise

    supervise(app)  # Type=notify and the watchdog, under systemd (no-op otherwise)
    app.run()
    return 0


def stop_on_signal(app: Any) -> Callable[[int, object], None]:
    """The SIGTERM/SIGINT handler: stopping the process is one of the two ways out (the other
    is receptionist mode). It asks for the stop on the clock, not at once: a signal lands
    between any two bytecodes of the UI thread, and a screen being built then (build_ahead)
    met a stopped app in its kv rules (``app`` is None) and raised in the Kivy loop, exit 1.
    The current frame finishes; then the workers stop and the database closes."""

    def stop(_signum: int, _frame: object) -> None:
        from kivy.clock import Clock

        Clock.schedule_once(lambda _dt: app.exit_kiosk(), 0)

    return stop


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


#: exit status when some rows were refused and the others written (0: all, 1: none)
ROWS_REFUSED = 3


def _rotate_keys(settings: Settings) -> int:
    """A new data key (``keys/data.key``); the kiosk may keep running meanwhile."""
    from kiosk.core.privacy.migrate import rotate_keys
    from kiosk.core.store.database import Store

    store = Store(settings.database_path)
    try:
        version, moved = rotate_keys(store)
    finally:
        store.close()
    print(f"data key v{version}: {moved} sealed values re-sealed with it")
    return 0


def _import_directory(settings: Settings, path: Path, *, dry_run: bool) -> int:
    """Check ``path`` and write its good rows into this kiosk's store in one transaction."""
    from kiosk.core.config.clock import SystemClock
    from kiosk.core.directory.file import read_directory_file
    from kiosk.core.directory.write import plan_for_kiosk, write_plan
    from kiosk.core.head_office.enrollment import load_enrollment
    from kiosk.core.models import Site
    from kiosk.core.notify.channels import AppriseNotifier
    from kiosk.core.store.database import Store
    from kiosk.core.store.records import Records

    enrolled = load_enrollment(settings.data_dir)
    if enrolled is not None:
        raise KioskError(
            f"this kiosk is enrolled with {enrolled[0].url}, which sends it the directory; "
            "import the file there: kiosk-server import-directory SITE FILE"
        )
    file = read_directory_file(path)
    site = settings.site
    store = Store(settings.database_path, clock=SystemClock())
    try:
        records = Records(store)
        plan = plan_for_kiosk(
            records,
            file,
            site_id=site.id,
            validate_url=AppriseNotifier().validate,
            mail_server=settings.notify.mail_server,
        )
        if file.site and file.site.get("id") not in (None, site.id):
            plan.warnings.insert(
                0, f"the file is for site {file.site.get('id')!r}; imported into {site.id!r}"
            )
        for line in plan.report():
            print(line)
        if dry_run:
            print("dry run: nothing written")
        else:
            with store.transaction() as tx:
                if records.site(site.id) is None:
                    records.upsert_site(
                        tx, Site(site.id, site.name_zh, site.name_en, site.timezone)
                    )
                write_plan(records, tx, plan, site_id=site.id)
            print(
                f"written: {len(plan.departments)} departments, {len(plan.hosts)} hosts "
                f"to {settings.database_path} (a running kiosk shows them after a restart)"
            )
    finally:
        store.close()
    if plan.problems:
        print(f"{len(plan.problems)} problems: those rows were left out", file=sys.stderr)
        return ROWS_REFUSED
    return 0


if __name__ == "__main__":
    sys.exit(main())
