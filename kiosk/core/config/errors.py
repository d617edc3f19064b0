"""The kiosk's one exception tree.

Adapters translate sqlite3, HTTP, CUPS and SMTP errors into these with ``raise ... from e``.
Each carries a message key from the catalogues, so a screen can show a calm, translated text
while the log keeps the cause.

    KioskError
    ├── ConfigError          settings file unreadable or invalid (refuse to start)
    ├── StorageError         local database problems (the store translates every sqlite3 error)
    │   ├── SchemaTooNewError  database written by a newer version (never downgraded)
    │   ├── StorageFullError   the disk is full (SQLITE_FULL): nothing of the failed write is kept
    │   ├── StorageIOError     the disk failed to read or write (SQLITE_IOERR, CANTOPEN, READONLY)
    │   ├── StorageCorruptError  the file is damaged or not a database (SQLITE_CORRUPT, NOTADB)
    │   └── ConstraintError    a write broke a constraint (also a ``sqlite3.IntegrityError``)
    ├── ValidationError      bad visitor input; ``field`` names the form field
    ├── NotFoundError        a code, visit or record that does not exist
    ├── DeniedError          a forged/expired badge, a revoked kiosk, another site's data
    └── TransientError       worth retrying later (printer offline, network down)
        ├── PrinterError
        ├── NotifyError
        └── TransportError
"""

from __future__ import annotations

import sqlite3
from typing import Any


class KioskError(Exception):
    """Base of every error the kiosk raises on purpose."""

    #: catalogue key of the message a visitor or receptionist may see
    message_key = "error.generic"

    def __init__(self, detail: str = "", *, key: str | None = None, **params: Any) -> None:
        super().__init__(detail or self.message_key)
        self.detail = detail
        if key is not None:
            self.message_key = key
        self.params = params


class ConfigError(KioskError):
    message_key = "error.config"


class StorageError(KioskError):
    message_key = "error.storage"


class SchemaTooNewError(StorageError):
    message_key = "error.schema_too_new"


class StorageFullError(StorageError):
    message_key = "error.storage_full"


class StorageIOError(StorageError):
    message_key = "error.storage_io"


class StorageCorruptError(StorageError):
    message_key = "error.storage_corrupt"


class ConstraintError(StorageError, sqlite3.IntegrityError):
    """A unique, foreign-key or check constraint refused a write.

    Also a ``sqlite3.IntegrityError``, so code that tells "this row already exists" apart
    from storage trouble keeps working whichever of the two it catches.
    """


class ValidationError(KioskError):
    message_key = "error.invalid"

    def __init__(self, detail: str = "", *, field: str = "", key: str | None = None, **params: Any):
        super().__init__(detail, key=key, **params)
        self.field = field


class NotFoundError(KioskError):
    message_key = "error.not_found"


class DeniedError(KioskError):
    message_key = "error.denied"


class TransientError(KioskError):
    message_key = "error.transient"


class PrinterError(TransientError):
    message_key = "error.printer"


class NotifyError(TransientError):
    message_key = "error.notify"


class TransportError(TransientError):
    message_key = "error.transport"
