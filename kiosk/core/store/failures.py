"""Translating ``sqlite3`` errors into the project's exception tree, at the store's edge.

Nothing above the store sees a ``sqlite3.Error``: each is raised again (``from`` the original,
so the log keeps SQLite's own words) as the ``StorageError`` its primary result code means.
"""

from __future__ import annotations

import sqlite3

from kiosk.core.config.errors import (
    ConstraintError,
    StorageCorruptError,
    StorageError,
    StorageFullError,
    StorageIOError,
)

_BY_CODE: dict[int, type[StorageError]] = {
    sqlite3.SQLITE_FULL: StorageFullError,
    sqlite3.SQLITE_IOERR: StorageIOError,
    sqlite3.SQLITE_CANTOPEN: StorageIOError,
    sqlite3.SQLITE_READONLY: StorageIOError,
    sqlite3.SQLITE_CORRUPT: StorageCorruptError,
    sqlite3.SQLITE_NOTADB: StorageCorruptError,
    sqlite3.SQLITE_CONSTRAINT: ConstraintError,
}


def translate(error: sqlite3.Error, doing: str) -> StorageError:
    """The ``StorageError`` for ``error``, its detail saying what the store was ``doing``."""
    if isinstance(error, StorageError):
        return error
    code = getattr(error, "sqlite_errorcode", None)
    cls = _BY_CODE.get(code & 0xFF) if isinstance(code, int) else None
    if cls is None and isinstance(error, sqlite3.IntegrityError):
        cls = ConstraintError
    name = getattr(error, "sqlite_errorname", "") or type(error).__name__
    translated = (cls or StorageError)(f"{doing}: {error} ({name})")
    if isinstance(translated, ConstraintError) and isinstance(code, int):
        translated.sqlite_errorcode = code
        translated.sqlite_errorname = name
    return translated
