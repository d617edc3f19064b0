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

``db.executemany`` seals a batch's column in one call (``bind_many``: one read of randomness
for all the nonces). Inside ``remembering(session)`` (a push) it also keeps, for the length of
that block only, each sealed text beside its value in clear, so a step after the fold reads the
raw token and ``open_raw`` gives the value without opening what the same request just sealed
(a token names one sealing: its nonce is fresh, so an equal token is the same value; any other
token, one another write left, is opened with the cipher).

Must never: log a value, fall back to clear text, keep a value in clear past the request.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs
import pydantic_core
from sqlalchemy import Engine, Text, TypeDecorator
from sqlalchemy.orm import Session

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


#: ``session.info`` key: (table, column, sealed text) → the value in clear, in ``remembering``
_REMEMBERED = "kiosk_sealed_in_clear"


@contextmanager
def remembering(session: Session) -> Iterator[None]:
    """Within the block, the text values ``db.executemany`` seals in ``session`` stay known in
    clear beside their tokens (``open_raw``); forgotten when the block ends."""
    session.info[_REMEMBERED] = {}
    try:
        yield
    finally:
        session.info.pop(_REMEMBERED, None)


def remember(
    session: Session, column: Any, sealed: Sequence[str | None], values: Sequence[Any]
) -> None:
    """Keep ``values`` beside the ``sealed`` texts of ``column`` (a ``SealedText``) while the
    session is ``remembering``; nothing otherwise."""
    memory = session.info.get(_REMEMBERED)
    if memory is None:
        return
    for token, value in zip(sealed, values, strict=True):
        if token:
            memory[(column.table, column.column, token)] = value


def open_raw(session: Session, column: Any, token: str | None) -> str:
    """The value of ``column``'s (a ``SealedText``) raw ``token`` as read from the database:
    the one this request sealed, if it did, else opened with the engine's cipher."""
    if not token:
        return ""
    memory = session.info.get(_REMEMBERED)
    if memory is not None:
        value = memory.get((column.table, column.column, token))
        if value is not None:
            return str(value)
    return fields_of(session.get_bind().dialect).open(token, column.table, column.column)


def open_json(dialect: Any, value: Any, table: str, column: str) -> bytes:
    """A ``SealedJSON`` column's value as read raw (``type_coerce(column, Text)``): its JSON
    text in UTF-8, opened but not parsed (a pull sends it on as it is; ``pull_pages``)."""
    if value is None or value == "{}":
        return b"{}"
    if not isinstance(value, str):  # a JSON column PostgreSQL returned decoded (pre-0013)
        return pydantic_core.to_json(value)
    return fields_of(dialect).open(value, table, column).encode("utf-8")


def compact_json(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON, the same JSON value ``json.dumps(value, ensure_ascii=False,
    separators=(",", ":"))`` writes (non-ASCII kept, ``NaN`` as ``NaN``), by pydantic's
    serialiser: a third of the time per payload. A value it cannot write (a lone surrogate)
    goes through ``json.dumps`` as before."""
    try:
        return pydantic_core.to_json(value, inf_nan_mode="constants")
    except pydantic_core.PydanticSerializationError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(
            errors="surrogatepass"
        )


def _json_text(value: Any) -> str:
    return compact_json(value).decode(errors="surrogatepass")


def _seal_many(dialect: Any, values: list[str], table: str, column: str) -> list[str]:
    fields = fields_of(dialect)
    many = getattr(fields, "seal_many", None)
    if many is None:  # a Fields of another make: one by one
        return [fields.seal(v, table, column) for v in values]
    return list(many(values, table, column))


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

    def bind_many(self, values: Sequence[str | None], dialect: Any) -> list[str | None]:
        """``process_bind_param`` of a batch's column at once (``db.executemany``)."""
        present = [v for v in values if v is not None]
        sealed = iter(_seal_many(dialect, present, self.table, self.column))
        return [None if v is None else next(sealed) for v in values]

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
        text = _json_text(value)
        return fields_of(dialect).seal(text, self.table, self.column)

    def bind_many(self, values: Sequence[Any], dialect: Any) -> list[str | None]:
        """``process_bind_param`` of a batch's column at once (``db.executemany``)."""
        texts = [_json_text(v) for v in values if v is not None and v != {}]
        sealed = iter(_seal_many(dialect, texts, self.table, self.column))
        return [None if v is None else "{}" if v == {} else next(sealed) for v in values]

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
