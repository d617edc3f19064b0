"""The kiosk's operator commands: ``--version``, ``backup``, ``restore``, ``recover``.

Kept out of ``kiosk/cli.py`` so that file stays the one list of commands; this module wires the
core's backup package (``kiosk/core/backup/``) to head office's recovery round
(``sync/recovery.py``). Never imports Kivy.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from kiosk.core.config.settings import Settings


def version_line() -> str:
    from kiosk.core.store.database import SCHEMA_VERSION
    from kiosk.core.version import installed_version
    from sync.protocol import PROTOCOL_VERSION

    return (
        f"kiosk {installed_version()} (database schema {SCHEMA_VERSION}, "
        f"sync protocol {PROTOCOL_VERSION})"
    )


def add_backup_commands(sub: argparse._SubParsersAction) -> None:
    backup = sub.add_parser("backup", help="write one encrypted archive of this kiosk (0600)")
    backup.add_argument("out", type=Path, help="archive file, or a folder for a dated name")
    restore = sub.add_parser("restore", help="put a backup back (stop the kiosk first)")
    restore.add_argument("archive", type=Path)
    sub.add_parser("recover", help="after a restore: get back from head office what is missing")
    for p in (backup, restore):
        p.add_argument(
            "--passphrase-file",
            default=os.environ.get("KIOSK_BACKUP_PASSPHRASE_FILE", ""),
            help="file whose first line is the passphrase (else $KIOSK_BACKUP_PASSPHRASE)",
        )
    backup.add_argument(
        "--keep", type=int, default=0, help="with a folder: keep this many newest archives"
    )


def run_backup_command(settings: Settings, args: argparse.Namespace) -> int:
    from kiosk.core.backup.archive import read_passphrase
    from kiosk.core.config.clock import SystemClock

    clock = SystemClock()
    if args.command == "recover":
        return _recover(settings, clock)
    passphrase = read_passphrase(args.passphrase_file or None)
    from kiosk.core.config.settings import default_config_path

    config = Path(settings.source) if settings.source else default_config_path()
    if args.command == "backup":
        from kiosk.core.backup.kiosk_backup import backup_kiosk

        out = args.out
        if out.is_dir():
            out = out / f"kiosk-{settings.kiosk.id}-{clock.now():%Y%m%dT%H%M%SZ}.lkbackup"
        report = backup_kiosk(
            data_dir=settings.data_dir,
            config_file=config,
            out=out,
            passphrase=passphrase,
            clock=clock,
        )
        print(f"backup written: {report.path} ({len(report.files)} files, mode 0600)")
        if args.keep and args.out.is_dir():
            for old in sorted(args.out.glob(f"kiosk-{settings.kiosk.id}-*.lkbackup"))[: -args.keep]:
                old.unlink()
                print(f"removed old backup {old}")
        return 0
    from kiosk.core.backup.kiosk_backup import restore_kiosk

    restored = restore_kiosk(
        archive=args.archive,
        data_dir=settings.data_dir,
        config_file=config,
        passphrase=passphrase,
        clock=clock,
    )
    print(f"restored the backup taken at {restored.taken_at} into {settings.data_dir}")
    if restored.moved_aside:
        print(f"what was there is in {restored.moved_aside} (delete it once all is well)")
    if restored.config_written:
        print(f"settings from the backup written to {restored.config_written}")
    s = restored.settled
    print(
        f"not done again: {s.deliveries} pending notifications, {s.escalations} escalations, "
        f"{s.print_jobs} badge prints"
    )
    return _recover(settings, clock)


def _recover(settings: Settings, clock) -> int:
    from kiosk.core.config.errors import TransientError
    from kiosk.core.head_office.enrollment import load_enrollment
    from kiosk.core.store.database import Store
    from kiosk.core.store.records import Records
    from sync.client import HeadOfficeClient
    from sync.recovery import recover, recovery_pending

    enrolled = load_enrollment(settings.data_dir)
    store = Store(settings.database_path, clock=clock)
    try:
        if enrolled is None or not recovery_pending(store):
            print("nothing to get back from head office")
            return 0
        enrollment, token = enrolled
        transport = HeadOfficeClient(
            settings.head_office.url or enrollment.url,
            token,
            ca_bundle=settings.head_office.ca_bundle or enrollment.ca_bundle,
        )
        try:
            result = recover(store, Records(store), transport, clock)
        except TransientError as e:
            print(f"kiosk: {e}; run `kiosk recover` once head office answers", flush=True)
            return 1
        finally:
            transport.close()
        print(
            f"head office: {result.pushed} events pushed again (duplicates are ignored), "
            f"{result.pulled} changes pulled back, this kiosk's own since the backup included"
        )
        return 0
    finally:
        store.close()
