"""The store's start-up check: never run on, or over, a damaged or emptied database.

A kiosk whose database file was truncated to 0 bytes, lost its schema, is not ours, or has a
corrupt page must not start as a new, empty kiosk (the day's visits would be gone without a
word) nor keep writing into damage. ``Store`` calls ``before_open`` and ``after_open``:

- an existing file of 0 bytes, one without the store's marker (``PRAGMA application_id``,
  written with the first schema step), or one whose schema is gone is refused;
- ``PRAGMA quick_check`` runs with a time bound (``CHECK_SECONDS``; a database too large to
  check in time is logged and used, as it was);
- each refusal is a ``StorageCorruptError`` whose text names the backup to restore: the
  newest of the daily copies the store keeps in ``<data dir>/backups`` (``daily_backup``,
  the last ``KEEP_BACKUPS`` days, made only after the check passed).

A database written before the marker existed (schema ≥ 1 with the store's tables) is adopted.
Must never: create a database where one existed, or repair one silently.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from datetime import date
from pathlib import Path

from kiosk.core.config.errors import StorageCorruptError

log = logging.getLogger(__name__)

#: ``PRAGMA application_id`` of a kiosk database ("LK01")
MARKER = 0x4C4B3031
#: how long the start-up ``quick_check`` may take before the kiosk starts without it
CHECK_SECONDS = 5.0
KEEP_BACKUPS = 3
_STORE_TABLES = ("kv", "outbox")


def backups_dir(path: Path) -> Path:
    return path.parent / "backups"


def newest_backup(path: Path) -> Path | None:
    found = sorted(backups_dir(path).glob(f"{path.stem}-*.sqlite3"))
    return found[-1] if found else None


def refuse(path: Path, what: str) -> StorageCorruptError:
    """The error that stops the kiosk, naming the backup to restore."""
    backup = newest_backup(path)
    restore = (
        f"restore the backup {backup} (stop the kiosk, copy it over {path} and delete "
        f"{path.name}-wal and {path.name}-shm)"
        if backup is not None
        else f"restore {path} from your latest backup (none found in {backups_dir(path)})"
    )
    return StorageCorruptError(
        f"{path} {what}; the kiosk will not start on it: {restore}, or move the file away to "
        "start this kiosk empty",
        key="error.storage_corrupt",
    )


def before_open(path: Path) -> bool:
    """Whether a database exists at ``path``; refuses an emptied (0-byte) one."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    if size == 0:
        raise refuse(path, "is empty (0 bytes): its contents were lost")
    return True


def after_open(conn: sqlite3.Connection, path: Path, *, seconds: float = CHECK_SECONDS) -> bool:
    """Check an existing database; returns whether it lacks the marker and is to be adopted
    (one written before the marker existed). Refuses anything else that is not ours."""
    try:
        marker = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as e:
        raise refuse(path, f"is damaged or not a database ({e})") from e
    if version == 0 or not all(t in tables for t in _STORE_TABLES):
        raise refuse(path, "has lost its schema (no kiosk tables in it)")
    if marker not in (MARKER, 0):
        raise refuse(path, f"is not a kiosk database (application id {marker:#x})")
    _quick_check(conn, path, seconds)
    return marker == 0


def _quick_check(conn: sqlite3.Connection, path: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        rows = conn.execute("PRAGMA quick_check(20)").fetchall()
    except sqlite3.OperationalError as e:
        if "interrupt" not in str(e):
            raise refuse(path, f"cannot be checked ({e})") from e
        log.warning("quick_check of %s took over %.0f s; started without it", path, seconds)
        return
    except sqlite3.DatabaseError as e:
        raise refuse(path, f"is damaged ({e})") from e
    finally:
        conn.set_progress_handler(None, 0)
    problems = [str(r[0]) for r in rows if r[0] != "ok"]
    if problems:
        raise refuse(path, f"is damaged (quick_check: {problems[0][:200]})")


def daily_backup(conn: sqlite3.Connection, path: Path, today: date) -> Path | None:
    """A copy of the checked database for ``today`` unless one exists; keeps the last
    ``KEEP_BACKUPS``. A copy that cannot be made (a full disk) is logged and skipped."""
    folder = backups_dir(path)
    target = folder / f"{path.stem}-{today:%Y%m%d}.sqlite3"
    if target.exists():
        return target
    partial = target.with_suffix(".partial")
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        dest = sqlite3.connect(partial)
        try:
            conn.backup(dest)
        finally:
            dest.close()
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as e:
        log.warning("no backup of %s today: %s", path, e)
        partial.unlink(missing_ok=True)
        return None
    for old in sorted(folder.glob(f"{path.stem}-*.sqlite3"))[:-KEEP_BACKUPS]:
        old.unlink(missing_ok=True)
    return target
