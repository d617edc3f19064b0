"""``kiosk-server``: run the head-office server and manage sites, kiosks and admins.

    kiosk-server serve [--host H] [--port P] [--database-url URL] [--workers N]
    kiosk-server migrate
    kiosk-server add-site ID --name-zh 名称 --name-en NAME [--timezone TZ]
                 [--address-zh 地址] [--address-en ADDRESS]
    kiosk-server rename-site SITE [--name-zh 名称] [--name-en NAME] [--timezone TZ]
                 [--address-zh 地址] [--address-en ADDRESS]   ("" clears an address)
    kiosk-server add-kiosk --site S [--name NAME]    prints a one-time enrollment code
    kiosk-server add-admin NAME                      prints an admin token (shown once)
    kiosk-server revoke-kiosk ID
    kiosk-server revoke-admin NAME                   the admin's token stops working at once
    kiosk-server repair-clock [--dry-run]            re-stamp changes stamped in the future
    kiosk-server upload-building SITE FILE           validate a building file, send it to the site
    kiosk-server import-directory SITE FILE [--dry-run]  departments and hosts from JSON or CSV
    kiosk-server rotate-key SITE PURPOSE             start a new version of one site key
    kiosk-server rotate-keys [--batch N] [--pause S]   a new data key, sealed columns re-sealed
    kiosk-server show-key SITE PURPOSE               print it (VERSION:HEX), for a kiosk set by hand
    kiosk-server staff add SITE NAME --role R        a staff account for every kiosk of the site
    kiosk-server purge                               anonymise what is past each site's retention
    kiosk-server compact-feed [--keep-days N]        compact each site's pull feed (compaction.py)
    kiosk-server audit verify [--site S] | who-saw SITE MOBILE   the audit chains (exit 1: broken)
    kiosk-server person find|export|erase SITE MOBILE   a person's request (person_cli.py)
    kiosk-server incident record SITE --what … | list SITE   privacy incidents
    kiosk-server backup OUT [--passphrase-file F]    the database in one encrypted archive
    kiosk-server restore ARCHIVE [--passphrase-file F]   put it back, then tell every kiosk
    kiosk-server --version

The database is ``--database-url``, else ``$KIOSK_SERVER_DATABASE_URL``, else a SQLite file in
the platform data directory. The master secret every site key derives from is
``$KIOSK_SERVER_SECRET``, else the file ``--secret-file`` / ``$KIOSK_SERVER_SECRET_FILE`` (mode
0600), else the one ``migrate`` keeps in the database (``keys.py``).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys

from kiosk.core.config.errors import ConfigError, KioskError
from kiosk.core.keys.hierarchy import KeyPurpose

from .db import default_database_url, make_engine, make_sessionmaker
from .keys import PUBLIC_URL_ENV, SECRET_FILE_ENV
from .manage_cli import manage_command, repair_clock_command
from .migrate import migrate, upgrade
from .server_clock import DEFAULT_MAX_CLOCK_SKEW, MAX_CLOCK_SKEW_ENV
from .threads import DEFAULT_THREADS, THREADS_ENV, threads_from_environment


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk-server", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None, help="SQLAlchemy URL of the database")
    parser.add_argument(
        "--secret-file", default=None, help=f"master secret file, mode 0600 (${SECRET_FILE_ENV})"
    )
    parser.add_argument("--version", action="store_true", help="show the version and exit")
    sub = parser.add_subparsers(dest="command")

    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--database-url", default=argparse.SUPPRESS)
    serve.add_argument("--workers", type=int, default=1, help="server processes")
    serve.add_argument(
        "--threads",
        type=_thread_count,
        default=None,
        help=f"worker threads per process for the routes' database work "
        f"(${THREADS_ENV}, default {DEFAULT_THREADS}; docs/head-office.md, Capacity)",
    )
    serve.add_argument("--no-migrate", action="store_true", help="do not migrate at start")
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--max-clock-skew",
        type=float,
        default=None,
        help=f"seconds a kiosk's stamp may be ahead and still move the server's clock "
        f"(${MAX_CLOCK_SKEW_ENV}, default {DEFAULT_MAX_CLOCK_SKEW})",
    )
    serve.add_argument(
        "--public-url",
        default=None,
        help=f"address hosts' phones open reply and route links at (${PUBLIC_URL_ENV})",
    )

    sub.add_parser("migrate", help="bring the database schema up to date")

    site = sub.add_parser("add-site", help="create a site")
    site.add_argument("id")
    site.add_argument("--name-zh", required=True)
    site.add_argument("--name-en", required=True)
    site.add_argument("--timezone", default="Asia/Shanghai")
    site.add_argument("--address-zh", default="", help="postal address shown to guests (中文)")
    site.add_argument("--address-en", default="", help="postal address shown to guests")

    rename = sub.add_parser(
        "rename-site",
        help="change a site's names, time zone (its kiosks pull them) or address",
    )
    rename.add_argument("site")
    rename.add_argument("--name-zh")
    rename.add_argument("--name-en")
    rename.add_argument("--timezone")
    rename.add_argument("--address-zh")
    rename.add_argument("--address-en")

    kiosk = sub.add_parser("add-kiosk", help="register a kiosk; prints its enrollment code")
    kiosk.add_argument("--site", required=True)
    kiosk.add_argument("--name", default="")

    admin = sub.add_parser("add-admin", help="create an admin; prints the token once")
    admin.add_argument("name")

    revoke = sub.add_parser("revoke-kiosk", help="revoke a kiosk's token")
    revoke.add_argument("id")

    revoke_admin = sub.add_parser("revoke-admin", help="revoke an admin's token")
    revoke_admin.add_argument("name")

    repair = sub.add_parser(
        "repair-clock",
        help="re-stamp changes stamped further in the future than the clock skew bound "
        "(stop the servers first)",
    )
    repair.add_argument("--dry-run", action="store_true", help="count, change nothing")

    building = sub.add_parser(
        "upload-building", help="validate a building file and send it to the site's kiosks"
    )
    building.add_argument("site")
    building.add_argument("file")

    directory = sub.add_parser(
        "import-directory", help="load a site's departments and hosts from a JSON or CSV file"
    )
    directory.add_argument("site")
    directory.add_argument("file")
    directory.add_argument("--dry-run", action="store_true", help="show what would change")
    purposes = [p.value for p in KeyPurpose]
    rotate = sub.add_parser("rotate-key", help="start a new version of one site key")
    rotate.add_argument("site")
    rotate.add_argument("purpose", choices=purposes)
    data_key = sub.add_parser(
        "rotate-keys",
        help="a new data key for the sealed personal columns, re-sealed while serving",
    )
    data_key.add_argument("--batch", type=int, default=200, help="values per transaction")
    data_key.add_argument("--pause", type=float, default=0.0, help="seconds between batches")
    show = sub.add_parser("show-key", help="print a site key as VERSION:HEX (keep it secret)")
    show.add_argument("site")
    show.add_argument("purpose", choices=purposes)
    from .audit_log import add_parser as add_audit_parser
    from .dashboard.cli import add_parser as add_dashboard_parser
    from .person_cli import add_parser as add_person_parser
    from .privacy_incidents import add_parser as add_incident_parser
    from .staff_cli import add_parser

    add_parser(sub)
    add_audit_parser(sub)
    add_person_parser(sub)
    add_dashboard_parser(sub)
    add_incident_parser(sub)
    sub.add_parser(
        "purge", help="anonymise personal data past each site's retention period (run daily)"
    )
    compact = sub.add_parser(
        "compact-feed", help="compact each site's pull feed past --keep-days (run daily)"
    )
    compact.add_argument("--keep-days", type=int, default=30, help="leave younger changes")
    backup = sub.add_parser("backup", help="write the database as one encrypted archive (0600)")
    backup.add_argument("out", help="archive file")
    restore = sub.add_parser("restore", help="put a backup back (stop the server first)")
    restore.add_argument("archive")
    for p in (backup, restore):
        p.add_argument(
            "--passphrase-file",
            default=os.environ.get("KIOSK_BACKUP_PASSPHRASE_FILE", ""),
            help="file whose first line is the passphrase (else $KIOSK_BACKUP_PASSPHRASE)",
        )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.version:
        print(version_line())
        return 0
    if args.command is None:
        parser.error("a command is required")
    url = args.database_url or default_database_url()
    if args.secret_file:
        os.environ[SECRET_FILE_ENV] = args.secret_file  # uvicorn's workers inherit it
    try:
        if args.command == "serve":
            return _serve(args, url)
        if args.command in ("backup", "restore"):
            from .backup import backup_command

            return backup_command(args, url)
        engine = make_engine(url)
        try:
            if args.command == "migrate":
                print(migrate(engine))
                print(
                    f"database at {engine.url.render_as_string(hide_password=True)} is up to date"
                )
                return 0
            upgrade(engine)
            if args.command == "upload-building":
                from .buildings import upload_building_file

                return upload_building_file(make_sessionmaker(engine), args.site, args.file)
            if args.command == "import-directory":
                from .directory_import import import_directory_file

                sessions = make_sessionmaker(engine)
                return import_directory_file(sessions, args.site, args.file, dry_run=args.dry_run)
            if args.command == "incident":
                from .privacy_incidents import incident_command

                return incident_command(make_sessionmaker(engine), args)
            if args.command == "person":
                from .person_cli import person_command

                return person_command(make_sessionmaker(engine), args)
            if args.command == "audit":
                from .audit_log import audit_command

                return audit_command(make_sessionmaker(engine), args)
            if args.command == "purge":
                from .retention import purge_command

                return purge_command(make_sessionmaker(engine))
            if args.command == "rotate-keys":
                from .key_rotation import rotate_command

                return rotate_command(engine, batch=args.batch, pause=args.pause)
            if args.command == "compact-feed":
                from .compaction import compact_command

                return compact_command(make_sessionmaker(engine), args.keep_days)
            if args.command == "repair-clock":
                return repair_clock_command(make_sessionmaker(engine), dry_run=args.dry_run)
            if args.command == "dashboard-user":
                from .dashboard.cli import user_command

                return user_command(make_sessionmaker(engine), args)
            if args.command == "staff":
                from .staff_cli import staff_command

                return staff_command(make_sessionmaker(engine), args)
            if args.command in ("rotate-key", "show-key"):
                from .keys import key_command

                return key_command(
                    make_sessionmaker(engine), args.command, args.site, KeyPurpose(args.purpose)
                )
            return manage_command(args, make_sessionmaker(engine))
        finally:
            engine.dispose()
    except ConfigError as e:
        print(f"kiosk-server: {e.detail}", file=sys.stderr)
        return 1
    except KioskError as e:  # a backup archive that cannot be read
        print(f"kiosk-server: {e.detail or e}", file=sys.stderr)
        return 1


def version_line() -> str:
    from kiosk.core.version import installed_version

    from ..protocol import PROTOCOL_VERSION, SUPPORTED_PROTOCOLS

    accepted = ", ".join(str(v) for v in SUPPORTED_PROTOCOLS)
    return (
        f"kiosk-server {installed_version()} (sync protocol {PROTOCOL_VERSION}; "
        f"accepts kiosks speaking {accepted})"
    )


def _thread_count(value: str) -> int:
    """``--threads``: a whole number, at least 1 (refused by argparse before anything starts)."""
    try:
        threads = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if threads < 1:
        raise argparse.ArgumentTypeError(f"at least 1, not {threads}")
    return threads


#: seconds a stopping server waits for open requests before cancelling them
SHUTDOWN_GRACE = 3
#: seconds a ``--workers`` child may take to answer its supervisor's ping (uvicorn's default,
#: 5, kills a child still importing the app on a busy machine, and the next, for ever)
WORKER_HEALTHCHECK = 60


def _serve(args: argparse.Namespace, url: str) -> int:
    import uvicorn

    from .keys import startup_problems

    if args.threads is None:
        try:  # refused here, not in each worker process after the migration
            threads_from_environment()
        except ValueError as e:
            print(f"kiosk-server: {e}", file=sys.stderr)
            return 2
    engine = make_engine(url)
    try:
        if not args.no_migrate:
            migrate(engine)
        with make_sessionmaker(engine)() as session:
            for problem in startup_problems(session, public_url=args.public_url):
                print(f"kiosk-server: warning: {problem}", file=sys.stderr)
    finally:
        engine.dispose()
    os.environ["KIOSK_SERVER_DATABASE_URL"] = url
    if args.threads is not None:
        os.environ[THREADS_ENV] = str(args.threads)
    if args.max_clock_skew is not None:
        os.environ[MAX_CLOCK_SKEW_ENV] = str(args.max_clock_skew)
    if args.public_url:
        os.environ[PUBLIC_URL_ENV] = args.public_url
    uvicorn.run(
        "sync.server.cli:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=False,
        # held pulls (held_pulls.py) are open requests: without a bound, a stop would wait
        # for each to time out (up to 30 s); after this, what is still open is cancelled (a
        # kiosk asks again; a push cut short is sent again and comes back duplicate)
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK,
    )
    return 0


def app_from_environment():
    """Factory for uvicorn (each worker process builds its own app from the environment).

    The heap the process has once its app is built (modules, routes, models: hundreds of
    thousands of objects that live as long as it) is frozen out of the garbage collector's
    reach: a full collection otherwise walks all of it, 0.3-0.7 s of wall time on a busy
    machine, and stalls every request meanwhile (the ``pull_empty`` p99: 325-570 ms before,
    48-53 ms after, in one run). Only here, in a serving process: a test that builds many apps
    would keep each one's cycles for ever."""
    from .app import create_app

    app = create_app()
    gc.collect()
    gc.freeze()
    return app


if __name__ == "__main__":
    sys.exit(main())
