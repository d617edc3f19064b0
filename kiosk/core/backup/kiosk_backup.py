"""``kiosk backup`` and ``kiosk restore``: one encrypted archive of everything a kiosk knows.

The archive holds the database (taken with SQLite's online backup API, so a running kiosk
keeps working and the copy is consistent with its WAL), every file at the top of the data
directory (the head-office token, the enrollment, the building, …) and the settings file, plus
a manifest. Restore puts them back and then runs ``settle_after_restore`` so that the restored
database redoes nothing (no message, no badge twice); an enrolled kiosk then asks head office
for what it did after the backup (``sync/recovery.py``, run by the command).

Must never: restore over a running kiosk's open database without moving the old one aside, or
open a database written by a newer version (``Store`` refuses it).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kiosk.core.backup.archive import (
    KEYS_FOLDER,
    MANIFEST,
    BackupError,
    extract_archive,
    write_archive,
)
from kiosk.core.backup.settle import Settled, settle_after_restore
from kiosk.core.config.clock import Clock, iso
from kiosk.core.config.errors import SchemaTooNewError, StorageError
from kiosk.core.store.database import SCHEMA_VERSION, Store
from kiosk.core.version import installed_version

DATABASE = "kiosk.sqlite3"
CONFIG = "kiosk.toml"
#: files of the data directory a backup leaves out: the database (taken online), its journals,
#: and what the kiosk makes again (the first-frame check's picture)
SKIPPED = {DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm", f"{DATABASE}-journal", "first-frame.png"}


@dataclass(frozen=True, slots=True)
class BackupReport:
    path: Path
    files: tuple[str, ...]
    schema: int
    outbox_seq: int


@dataclass(frozen=True, slots=True)
class RestoreReport:
    taken_at: str
    files: tuple[str, ...]
    moved_aside: Path | None
    settled: Settled
    config_written: Path | None


def backup_kiosk(
    *,
    data_dir: Path,
    config_file: Path | None,
    out: Path,
    passphrase: str,
    clock: Clock,
) -> BackupReport:
    """Write the archive ``out`` (mode 0600) while the kiosk may be running."""
    database = data_dir / DATABASE
    if not database.exists():
        raise StorageError(f"no kiosk database at {database}")
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=data_dir) as tmp:
        # the online copy lives in a private (0700) folder next to the database it copies and
        # is deleted with it; the database itself is no more exposed than it already was
        copy = Path(tmp) / DATABASE
        schema, seq = _online_copy(database, copy)
        files: dict[str, Path] = {DATABASE: copy}
        for path in sorted(data_dir.iterdir()):
            if path.is_file() and path.name not in SKIPPED and not path.name.startswith("."):
                files[path.name] = path
        # the badge, blind-index and site keys live in 0600 key files outside the database: a
        # badge signed before the backup must still check out after a restore
        keys = data_dir / KEYS_FOLDER
        if keys.is_dir():
            for path in sorted(keys.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    files[f"{KEYS_FOLDER}/{path.name}"] = path
        if config_file is not None and config_file.is_file():
            files[CONFIG] = config_file
        manifest = {
            "kind": "kiosk",
            "version": installed_version(),
            "schema": schema,
            "outbox_seq": seq,
            "taken_at": iso(clock.now()),
            "files": sorted(files),
        }
        (Path(tmp) / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        files[MANIFEST] = Path(tmp) / MANIFEST
        write_archive(out, files, passphrase)
    return BackupReport(out, tuple(sorted(files)), schema, seq)


def _online_copy(database: Path, copy: Path) -> tuple[int, int]:
    try:
        source = sqlite3.connect(database, timeout=30)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)
            schema = int(target.execute("PRAGMA user_version").fetchone()[0])
            seq = int(target.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0])
        finally:
            target.close()
            source.close()
    except sqlite3.Error as e:
        raise StorageError(f"cannot copy {database}: {e}") from e
    return schema, seq


def restore_kiosk(
    *,
    archive: Path,
    data_dir: Path,
    config_file: Path | None,
    passphrase: str,
    clock: Clock,
    enrolled_after: bool | None = None,
) -> RestoreReport:
    """Put a backup back into ``data_dir`` (the kiosk must be stopped) and settle it.

    What was in ``data_dir`` is moved to ``data_dir/before-restore-<time>/`` (0700), never
    deleted. ``enrolled_after`` overrides whether the restored kiosk counts as enrolled (the
    default: the archive has its token)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=data_dir) as tmp:
        staging = Path(tmp)
        names = extract_archive(archive, staging, passphrase)
        manifest = _manifest(staging, names)
        if int(manifest["schema"]) > SCHEMA_VERSION:
            raise SchemaTooNewError(
                f"the backup was written by lobby-kiosk {manifest.get('version')} (database "
                f"schema {manifest['schema']}); this version reads up to {SCHEMA_VERSION}: "
                "update the kiosk first"
            )
        moved = _move_aside(data_dir, clock.now())
        config_written = None
        for name in names:
            if name == MANIFEST:
                continue
            if name == CONFIG:
                config_written = _put_config(staging / name, config_file)
                continue
            if "/" in name:  # a key file: its folder is private, as the kiosk makes it
                (data_dir / name).parent.mkdir(mode=0o700, exist_ok=True)
            os.replace(staging / name, data_dir / name)
    enrolled = (
        (data_dir / "head-office.token").exists() if enrolled_after is None else enrolled_after
    )
    store = Store(data_dir / DATABASE, clock=clock)  # migrates a backup of an older version
    try:
        with store.transaction() as tx:
            settled = settle_after_restore(
                tx, backup_taken_at=str(manifest["taken_at"]), enrolled=enrolled
            )
    finally:
        store.close()
    files = tuple(n for n in names if n != MANIFEST)
    return RestoreReport(str(manifest["taken_at"]), files, moved, settled, config_written)


def _manifest(staging: Path, names: list[str]) -> dict:
    if MANIFEST not in names or DATABASE not in names:
        raise BackupError("the archive has no kiosk database or manifest")
    manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("kind") != "kiosk":
        raise BackupError(
            f"this is a {manifest.get('kind')!r} backup, not a kiosk's (kiosk-server restore?)"
        )
    return manifest


def _move_aside(data_dir: Path, now: datetime) -> Path | None:
    present = [
        p
        for p in data_dir.iterdir()
        if not p.name.startswith((".restore-", "before-restore-"))
        and (p.is_file() or (p.is_dir() and p.name == KEYS_FOLDER))
    ]
    if not present:
        return None
    aside = data_dir / f"before-restore-{now:%Y%m%dT%H%M%S}"
    aside.mkdir(mode=0o700)
    for path in present:
        shutil.move(str(path), aside / path.name)
    return aside


def _put_config(restored: Path, config_file: Path | None) -> Path | None:
    """The settings file goes back where it was unless one is there: then beside it."""
    if config_file is None:
        return None
    target = config_file if not config_file.exists() else config_file.with_suffix(".restored")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(restored, target)
    os.chmod(target, 0o600)
    return target
