"""Head office's personal columns, sealed at rest on SQLite and PostgreSQL alike.

``SealedText(table, column)`` and ``SealedJSON(table, column)`` are column types that seal a
value with the server's field cipher (``kiosk.core.privacy.fields``: AES-256-GCM, the table
and column as associated data) on the way in and open it on the way out, so a copy of the
database, a ``pg_dump`` or a stolen disk image holds no visitor's name or number in clear. No
SQL can compare or search a sealed column: lookups go through the blind index (``phone_key``).

The cipher belongs to the engine (``make_engine`` installs it on the engine's dialect), its key
in ``keys/data.key``: beside the SQLite file, or in ``$KIOSK_SERVER_KEYS_DIR`` (every server
process of one PostgreSQL must be given the same folder, or a copy of the file, 0600). An engine
without a cipher refuses to write or read a sealed column rather than store it in clear.

Must never: log a value, fall back to clear text.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, Text, TypeDecorator

from kiosk.core.config.errors import ConfigError
from kiosk.core.keys.key_files import KeyFile
from kiosk.core.privacy.fields import KEY_NAME, FieldCipher, Fields

KEYS_DIR_ENV = "KIOSK_SERVER_KEYS_DIR"
_ATTRIBUTE = "kiosk_fields"


def keys_folder(url: str, environ: dict[str, str] | None = None) -> Path | None:
    """Where the server's data key lives for the database at ``url`` (None: in memory, for a
    SQLite database in memory)."""
    env = os.environ if environ is None else environ
    if env.get(KEYS_DIR_ENV):
        return Path(env[KEYS_DIR_ENV])
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if not path or path == ":memory:":
            return None
        return Path(path).parent / "keys"
    return Path(platformdirs.user_data_dir("lobby-kiosk-server")) / "keys"


def install(engine: Engine, url: str, fields: Fields | None = None) -> Fields:
    """Give ``engine`` its field cipher (made with its key file on first use)."""
    cipher = fields or FieldCipher(KeyFile(keys_folder(url), KEY_NAME))
    setattr(engine.dialect, _ATTRIBUTE, cipher)
    return cipher


def compact(engine: Engine) -> None:
    """Rewrite the sealed tables so no free page keeps a value from before sealing: SQLite
    VACUUM (and an emptied WAL), PostgreSQL VACUUM FULL of those tables (outside a
    transaction, so it cannot run inside ``migrate``'s)."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # the driver's own: no BEGIN IMMEDIATE around VACUUM
        try:
            cursor = raw.cursor()
            for sql in (
                "PRAGMA wal_checkpoint(TRUNCATE)",
                "VACUUM",
                "PRAGMA wal_checkpoint(TRUNCATE)",
            ):
                cursor.execute(sql)
            cursor.close()
        finally:
            raw.close()
        return
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        for table in sorted({t for t, _, _ in SEALED}):
            conn.exec_driver_sql(f"VACUUM FULL {table}")


def fields_of(dialect: Any) -> Fields:
    cipher = getattr(dialect, _ATTRIBUTE, None)
    if cipher is None:
        raise ConfigError("this database engine has no field cipher (make it with make_engine)")
    return cipher


class SealedText(TypeDecorator[str]):
    """A text column whose values are sealed at rest."""

    impl = Text
    cache_ok = True
    #: ``db.executemany`` seals through it too
    sealed = True

    def __init__(self, table: str, column: str) -> None:
        super().__init__()
        self.table, self.column = table, column

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return fields_of(dialect).seal(value, self.table, self.column)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return fields_of(dialect).open(value, self.table, self.column)


class SealedJSON(TypeDecorator[Any]):
    """A JSON document (an event's payload, a feed entry) sealed at rest as one value."""

    impl = Text
    cache_ok = True
    #: ``db.executemany`` seals through it too
    sealed = True

    def __init__(self, table: str, column: str) -> None:
        super().__init__()
        self.table, self.column = table, column

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        if value == {}:  # nothing to hide (a fed change's own payload): spared the cipher
            return "{}"
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return fields_of(dialect).seal(text, self.table, self.column)

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):  # a JSON column PostgreSQL returned decoded (pre-0013)
            return value
        return json.loads(fields_of(dialect).open(value, self.table, self.column))


#: (table, column, JSON?) of every sealed column (migration 0013 seals what was in clear)
SEALED: tuple[tuple[str, str, bool], ...] = (
    ("events", "payload", True),
    ("changes", "payload", True),
    ("alerts", "details", True),
    ("visitors", "name", False),
    ("visitors", "phone", False),
    ("visitors", "company", False),
    ("invitations", "visitor_name", False),
    ("invitations", "phone", False),
    ("invitations", "company", False),
    ("watchlist", "name", False),
    ("watchlist", "phone", False),
    ("visit_annotations", "old_value", False),
    ("visit_annotations", "new_value", False),
    ("visit_annotations", "reason", False),
    ("tickets", "raised", True),
    ("ticket_entries", "entry", True),
    ("emergency_entries", "payload", True),
)
