"""``kiosk-server backup`` / ``restore``: the head-office database in one encrypted archive.

SQLite is copied with the online backup API (consistent with its WAL while the server runs);
PostgreSQL with ``pg_dump --format=custom`` and put back with ``pg_restore --clean``, both with
the connection of the server's own settings (``--database-url`` / ``$KIOSK_SERVER_DATABASE_URL``;
the password goes to them in ``PGPASSWORD``, never on a command line). The archive format and
its passphrase are the kiosk's (``kiosk/core/backup/archive.py``).

Restore then does what a restored head office needs before kiosks talk to it again, in one
transaction: the schema is brought up to date, and each site's feed number jumps past anything a
kiosk can have seen (``FEED_GAP``), followed by one ``head_office.restored`` change, on which
every kiosk pushes its whole outbox again (``kiosk/core/backup/resync.py``): what head office
lost since the backup comes back, the rest is answered "duplicate".

Must never: put a dump's password on a command line, or write the dump unencrypted outside a
private (0700) temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, make_url, select, update

from kiosk.core.backup.archive import (
    MANIFEST,
    BackupError,
    extract_archive,
    read_passphrase,
    write_archive,
)
from kiosk.core.config.errors import ConfigError
from kiosk.core.events import HeadOfficeRestored
from kiosk.core.privacy.fields import KEY_NAME
from kiosk.core.version import installed_version

from .changes import append_change
from .db import make_engine, make_sessionmaker
from .migrate import upgrade
from .sealing import keys_folder

SQLITE_FILE = "head-office.sqlite3"
PG_DUMP = "head-office.pgdump"
#: the server's data key (``sealing``), inside the archive's one folder for key files
DATA_KEY = "keys/data.key"
#: how far each site's feed number jumps at a restore: more changes than one site makes between
#: two backups, so no kiosk's cursor is ahead of the restored feed
FEED_GAP = 10_000_000


@dataclass(frozen=True, slots=True)
class ServerRestoreReport:
    taken_at: str
    sites: tuple[str, ...]
    moved_aside: Path | None


def backup_server(url: str, out: Path, passphrase: str) -> Path:
    """Write the archive ``out`` (mode 0600) of the database at ``url``."""
    parsed = make_url(url)
    with tempfile.TemporaryDirectory(prefix="kiosk-server-backup-") as tmp:
        folder = Path(tmp)
        if parsed.get_backend_name() == "sqlite":
            source = _sqlite_path(url)
            name = SQLITE_FILE
            try:
                with sqlite3.connect(source) as src, sqlite3.connect(folder / name) as dst:
                    src.backup(dst)
            except sqlite3.Error as e:
                raise ConfigError(f"cannot copy {source}: {e}") from e
        elif parsed.get_backend_name() == "postgresql":
            name = PG_DUMP
            _run_pg("pg_dump", url, ["--format=custom", "--file", str(folder / name)])
        else:
            raise ConfigError(f"backups of {parsed.get_backend_name()} databases are not supported")
        manifest = {
            "kind": "head-office",
            "database": parsed.get_backend_name(),
            "version": installed_version(),
            "revision": _revision(url),
            "taken_at": datetime.now(UTC).isoformat(),
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        files = {name: folder / name, MANIFEST: folder / MANIFEST}
        key = _data_key(url)
        if key is not None and key.exists():  # the personal columns open only with it
            files[DATA_KEY] = key
        write_archive(out, files, passphrase)
    return out


def restore_server(url: str, archive: Path, passphrase: str) -> ServerRestoreReport:
    """Put a backup back into the database at ``url`` (stop every server process first)."""
    parsed = make_url(url)
    moved = None
    with tempfile.TemporaryDirectory(prefix="kiosk-server-restore-") as tmp:
        folder = Path(tmp)
        names = extract_archive(archive, folder, passphrase)
        manifest = json.loads((folder / MANIFEST).read_text()) if MANIFEST in names else {}
        if manifest.get("kind") != "head-office":
            raise BackupError("this is not a head-office backup (a kiosk's? use kiosk restore)")
        if manifest["database"] != parsed.get_backend_name():
            raise BackupError(
                f"the backup is of a {manifest['database']} database, the server's settings "
                f"name a {parsed.get_backend_name()} one"
            )
        if parsed.get_backend_name() == "sqlite":
            moved = _put_sqlite(folder / SQLITE_FILE, _sqlite_path(url))
        else:
            args = ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
            _run_pg("pg_restore", url, [*args, str(folder / PG_DUMP)])
        if DATA_KEY in names:
            _put_data_key(folder / DATA_KEY, _data_key(url))
    engine = make_engine(url, pool_size=1)
    try:
        sites = after_restore(engine, taken_at=str(manifest["taken_at"]))
    finally:
        engine.dispose()
    return ServerRestoreReport(str(manifest["taken_at"]), sites, moved)


def after_restore(engine: Engine, *, taken_at: str) -> tuple[str, ...]:
    """The post-restore steps (module docstring); returns the sites told."""
    from .models import Site

    upgrade(engine)
    with make_sessionmaker(engine)() as session, session.begin():
        sites = tuple(session.scalars(select(Site.id).order_by(Site.id)))
        session.execute(update(Site).values(change_seq=Site.change_seq + FEED_GAP))
        for site_id in sites:
            append_change(
                session,
                site_id=site_id,
                change=HeadOfficeRestored(
                    site_id=site_id,
                    backup_taken_at=taken_at[:64],
                    restored_at=datetime.now(UTC).isoformat(),
                ),
            )
    return sites


def _data_key(url: str) -> Path | None:
    """The server's data key file (``sealing.keys_folder``), None for a database in memory."""
    folder = keys_folder(url)
    return folder / f"{KEY_NAME}.key" if folder is not None else None


def _put_data_key(copy: Path, target: Path | None) -> None:
    """The backup's data key opens the backup's sealed columns: it replaces the one in place
    (kept beside it as ``data.key.before-restore``, 0600, when it differs)."""
    if target is None:
        return
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if target.exists() and target.read_bytes() != copy.read_bytes():
        os.replace(target, target.with_name(target.name + ".before-restore"))
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, copy.read_bytes())
        os.fsync(fd)
    finally:
        os.close(fd)


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ConfigError(f"{url} is not a SQLite file")
    return Path(database)


def _put_sqlite(copy: Path, target: Path) -> Path | None:
    moved = None
    if target.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        moved = target.with_name(f"{target.name}.before-restore-{stamp}")
        shutil.move(str(target), moved)
    for suffix in ("-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(copy, target)
    os.chmod(target, 0o600)
    return moved


def _run_pg(tool: str, url: str, args: list[str]) -> None:
    u = make_url(url)
    env = {**os.environ, "PGPASSWORD": u.password or ""}
    conn = [
        f"--host={u.host or 'localhost'}",
        f"--port={u.port or 5432}",
        f"--username={u.username or ''}",
        f"--dbname={u.database or ''}",
        "--no-password",
    ]
    if shutil.which(tool) is None:
        raise ConfigError(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
    done = subprocess.run([tool, *conn, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise ConfigError(f"{tool} failed: {done.stderr.strip()[-500:]}")


def _revision(url: str) -> str:
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
            return str(row[0]) if row else ""
    except Exception:  # an empty database: nothing to note
        return ""
    finally:
        engine.dispose()


def backup_command(args: argparse.Namespace, url: str) -> int:
    passphrase = read_passphrase(args.passphrase_file or None)
    if args.command == "backup":
        out = backup_server(url, Path(args.out), passphrase)
        print(f"backup written: {out} (mode 0600)")
        return 0
    report = restore_server(url, Path(args.archive), passphrase)
    print(f"restored the backup taken at {report.taken_at}")
    if report.moved_aside:
        print(f"the database that was there is now {report.moved_aside}")
    print(
        f"{len(report.sites)} sites told: their kiosks push their outbox again at their next "
        "round (what head office lacks is stored, the rest answered as duplicate)"
    )
    return 0
