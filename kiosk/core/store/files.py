"""The kiosk's files on disk: who may read them, and room kept for a full disk.

The data directory holds visitors' personal data, the badge signing key and the kiosk's
token: it is created 0700 and the database 0600 before SQLite opens it (SQLite gives its
``-wal`` and ``-shm`` files the database's mode). At each start ``check_private`` logs a
warning for any of them that others on the machine can read (a directory made by hand, a
copied file); it does not change them.

A full disk: ``RESERVE`` bytes are kept in a file of their own (``.reserve``) while there is
room. When a write fails for lack of space, ``release_reserve`` deletes it, so the kiosk can
still record the alert that says so; it is made again at a start with room.

No Kivy, no network.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from kiosk.core.config.errors import StorageError

log = logging.getLogger(__name__)

RESERVE = 256 * 1024
RESERVE_FILE = ".reserve"
_SIDE_FILES = ("-wal", "-shm")


def prepare(path: Path) -> None:
    """The data directory (0700 when created here) and a writable database path."""
    folder = path.parent
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as e:
        raise StorageError(f"cannot create the data directory {folder}: {e.strerror}") from e
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StorageError(f"the data directory {folder} is not writable")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StorageError(f"the database {path} is not readable and writable")


def create_private(path: Path) -> None:
    """An empty file at ``path``, 0600, before SQLite opens it (so it and its side files
    are private whatever the umask)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as e:
        raise StorageError(f"cannot create the database {path}: {e.strerror}") from e
    os.fchmod(fd, 0o600)
    os.close(fd)


def too_open(path: Path) -> bool:
    """Whether group or others may read, write or enter ``path`` (False if it is absent)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return False
    return bool(mode & 0o077)


def check_private(path: Path, *others: Path) -> list[Path]:
    """Log a warning for the data directory, the database (with its side files) and
    ``others`` (keys, token) when others may read them; returns those found."""
    found = [
        p
        for p in (
            path.parent,
            path,
            *(path.with_name(path.name + s) for s in _SIDE_FILES),
            *others,
        )
        if too_open(p)
    ]
    for p in found:
        wanted = "0700" if p.is_dir() else "0600"
        log.warning(
            "%s is readable by other users of this machine (mode %o); it holds personal data or "
            "keys: chmod %s %s",
            p,
            stat.S_IMODE(p.stat().st_mode),
            wanted,
            p,
        )
    return found


def reserve_path(path: Path) -> Path:
    return path.parent / RESERVE_FILE


def keep_reserve(path: Path) -> None:
    """Set ``RESERVE`` bytes aside unless they already are (skipped, logged, on a full disk)."""
    reserve = reserve_path(path)
    if reserve.exists():
        return
    try:
        fd = os.open(reserve, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.posix_fallocate(fd, 0, RESERVE)
        finally:
            os.close(fd)
    except OSError as e:
        reserve.unlink(missing_ok=True)
        log.warning("no room to keep %d bytes in reserve in %s: %s", RESERVE, path.parent, e)


def release_reserve(path: Path) -> bool:
    """Free the reserve (the disk is full); False when there was none left to free."""
    try:
        reserve_path(path).unlink()
    except FileNotFoundError:
        return False
    log.warning("the disk of %s is full: released the %d bytes kept in reserve", path, RESERVE)
    return True
