"""Database engine and sessions for the head-office server (SQLite or PostgreSQL).

The server keeps no state of its own: every request opens a session, does its work in one
transaction and closes it, so any number of server processes can share one PostgreSQL.
SQLite write transactions start with ``BEGIN IMMEDIATE`` so two writers queue on the busy
timeout instead of failing on a lock upgrade. Reads that never write (a kiosk's pull) go
through ``reading(engine)``: a plain ``BEGIN``, which in WAL mode takes no lock at all, so idle
kiosks' pulls never queue behind pushes (or each other) on the write lock.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs
import pydantic_core
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Engine,
    String,
    Text,
    TypeDecorator,
    any_,
    bindparam,
    cast,
    column,
    create_engine,
    event,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, sessionmaker

APP_NAME = "lobby-kiosk-server"
DATABASE_URL_ENV = "KIOSK_SERVER_DATABASE_URL"


def default_database_url() -> str:
    """``$KIOSK_SERVER_DATABASE_URL``, else a SQLite file in the platform data directory."""
    env = os.environ.get(DATABASE_URL_ENV)
    if env:
        return env
    folder = Path(platformdirs.user_data_dir(APP_NAME))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'head-office.sqlite3'}"


#: SQLite connections kept open (cheap: a file handle and a page cache each, filled lazily)
SQLITE_POOL_SIZE = 20


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """The engine, with its field cipher (``sealing.install``: personal columns sealed)."""
    from .sealing import install

    engine = _engine(url, pool_size=pool_size)
    install(engine, url)
    return engine


def _engine(url: str, *, pool_size: int) -> Engine:
    # hide_parameters: a database error's text, which app.py logs, must not carry the row's
    # values (visitors' phone numbers, hosts' notify URLs with their passwords and tokens)
    if url.startswith("sqlite"):
        # 20 kept, 20 more at a peak (more than a process's worker threads need, threads.py): a
        # connection past the kept ones is opened (its pragmas run) and closed again per request
        engine = create_engine(
            url,
            connect_args={"timeout": 30.0, "check_same_thread": False, "isolation_level": None},
            hide_parameters=True,
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=SQLITE_POOL_SIZE,
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # no pre-ping: a connection the database dropped fails one request (503, the kiosk retries)
    # instead of every request paying a round trip
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, hide_parameters=True)


def _sqlite_connect(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    # freed pages are zeroed: a re-sealed or erased personal value leaves no copy in the file
    cur.execute("PRAGMA secure_delete=ON")
    # 64 MB page cache (the default is 2 MB): inserts into large, randomly keyed indexes (event
    # and visit UUIDs) otherwise read pages back from disk once the tables outgrow it
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


#: execution option of ``reading(engine)``'s connections
READ_ONLY = "kiosk_read_only"


def _sqlite_begin(conn) -> None:
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")  # deferred: a read snapshot, no write lock
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def reading(engine: Engine) -> Engine:
    """The engine for transactions that only read (same pool). On SQLite they begin deferred;
    a write inside one fails (``database is locked`` if another writer holds the lock), so
    use it for nothing that writes."""
    return engine.execution_options(**{READ_ONLY: True})


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def is_postgresql(session: Session) -> bool:
    bind = session.get_bind()
    return bind.dialect.name == "postgresql"


def one_of(session: Session, column: Any, values: Iterable[str]) -> Any:
    """``column IN values`` for a batch's ids or keys, the values sent as ONE parameter: a JSON
    array read with ``json_each`` on SQLite, a text array with ``= ANY`` on PostgreSQL.

    SQLAlchemy's ``in_(list)`` binds and renders every value on each execution, which for a
    batch of 500 ids costs more than the lookup itself (the profile of a push); this compiles
    once, whatever the number of values.
    """
    items = [str(v) for v in values]
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, items, type_=ARRAY(String)))
    listed: Any = select(literal_column("value")).select_from(
        func.json_each(bindparam(None, json.dumps(items), type_=String))
    )
    return column.in_(listed.scalar_subquery())


def executemany(
    session: Session, stmt: Any, rows: list[dict[str, Any]], *, distinct: bool = False
) -> None:
    """Run an INSERT for many rows in the session's transaction.

    On SQLite the rows go straight to the driver's ``executemany``: SQLAlchemy's per-row
    parameter processing costs more than SQLite's insert itself (the push hot path). Values
    are converted the way SQLAlchemy stores them (UTC datetimes as text, JSON as text), a
    sealed column's in one call (``sealing``). On PostgreSQL the rows go as ONE statement, a
    batch as one JSON parameter (``bulk_insert``), unless the
    statement updates on conflict and the caller does not say the rows' keys are ``distinct``
    (one statement cannot update a row twice): then row by row.
    Every row must have the same keys. Pass statements built once (module constants): the
    compiled SQL is kept per statement and set of keys.
    """
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        if (distinct or not _updates_on_conflict(stmt)) and _bulk_fits(stmt, rows[0]):
            bulk_insert(session, stmt, rows)
        else:
            conn.execute(stmt, rows)
        return
    sql, columns = _sqlite_plan(conn.dialect, stmt, tuple(rows[0]))
    n = len(rows)
    values: list[list[Any]] = []
    for key, convert, default in columns:
        if key is None:
            values.append([default] * n)
            continue
        column = [row[key] for row in rows]
        if isinstance(convert, TypeDecorator):  # a sealed column: its engine's cipher
            column = _sealed(session, convert, column)
        elif convert is not None:
            column = _each(convert, column)
        values.append(column)
    conn.exec_driver_sql(sql, list(zip(*values, strict=True)))


def bulk_insert(
    session: Session, stmt: Any, rows: list[dict[str, Any]], *, returning: Any = None
) -> list[Any]:
    """PostgreSQL: the rows as one ``INSERT … SELECT … FROM json_populate_recordset(NULL::table,
    rows)`` with the statement's own ``ON CONFLICT`` clause: the whole batch is ONE JSON text
    parameter (pydantic's serialiser writes it, PostgreSQL reads each value with its column's
    own input function), sealed columns sealed in one call per column, no per-row or per-value
    parameter processing; the ``returning`` column's values (else []). The rows' conflict keys
    must be distinct when the statement updates on conflict.

    (``unnest`` of one array per column, the way before, spent a third of a push's CPU in
    psycopg quoting every element of every array with a regular expression.)"""
    conn = session.connection()
    keys = tuple(rows[0])
    table = stmt.table
    names = [table.c[k].name for k in keys]
    plan = _PG_PLANS.get((stmt, keys, returning))
    if plan is None:
        records = func.json_populate_recordset(
            literal_column(f"NULL::{conn.dialect.identifier_preparer.format_table(table)}"),
            cast(bindparam("_rows", type_=Text), JSON),
        )
        source: Any = select(*(column(n) for n in names)).select_from(records)
        plan = stmt.from_select(list(keys), source)
        if returning is not None:
            plan = plan.returning(returning)
        if len(_PG_PLANS) > 256:
            _PG_PLANS.clear()
        _PG_PLANS[(stmt, keys, returning)] = plan
    columns: list[list[Any]] = []
    for k in keys:
        column_type = table.c[k].type
        values = [row[k] for row in rows]
        if getattr(column_type, "sealed", False):
            values = _sealed(session, column_type, values)
        elif isinstance(column_type, TypeDecorator):
            values = [column_type.process_bind_param(v, conn.dialect) for v in values]
        columns.append(values)
    records_json = pydantic_core.to_json(
        [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
    ).decode()
    result = conn.execute(plan, {"_rows": records_json})
    return list(result.scalars()) if returning is not None else []


def _bulk_fits(stmt: Any, row: dict[str, Any]) -> bool:
    """Whether ``bulk_insert`` can send these columns: an INSERT's own columns, none plain
    JSON (an array of JSON documents is not worth its adapter: those go row by row)."""
    table = getattr(stmt, "table", None)
    if table is None or not hasattr(stmt, "from_select"):
        return False
    for k in row:
        if k not in table.c:
            return False
        column_type = table.c[k].type
        if isinstance(column_type, JSON) or (
            isinstance(column_type, TypeDecorator)
            and not getattr(column_type, "sealed", False)
            and isinstance(column_type.impl, JSON)
        ):
            return False
    return True


def _updates_on_conflict(stmt: Any) -> bool:
    from sqlalchemy.dialects.postgresql.dml import OnConflictDoUpdate

    return isinstance(getattr(stmt, "_post_values_clause", None), OnConflictDoUpdate)


#: (statement, keys, returning) → its ``json_populate_recordset`` form (``bulk_insert``)
_PG_PLANS: dict[tuple[Any, tuple[str, ...], Any], Any] = {}


def _sealed(session: Session, column_type: Any, values: list[Any]) -> list[Any]:
    """A sealed column's values sealed in one call, remembered in clear for the request when
    it asks (``sealing.remembering``)."""
    from .sealing import SealedText, remember

    sealed = column_type.bind_many(values, session.get_bind().dialect)
    if isinstance(column_type, SealedText):
        remember(session, column_type, sealed, values)
    return list(sealed)


def _each(convert: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    """``convert`` of each value; a value repeated from the row before (the batch's one
    ``received_at``) converted once."""
    out: list[Any] = []
    last: Any = None
    done: Any = None
    for v in values:
        if v is None:
            out.append(None)
        elif v is last:
            out.append(done)
        else:
            last, done = v, convert(v)
            out.append(done)
    return out


#: (one SQLite parameter: row key or None for a left-out column, converter, default)
_Column = tuple[str | None, Callable[[Any], Any] | TypeDecorator[Any] | None, Any]
_PLANS: dict[tuple[Any, tuple[str, ...]], tuple[str, list[_Column]]] = {}


def _sqlite_plan(dialect: Any, stmt: Any, keys: tuple[str, ...]) -> tuple[str, list[_Column]]:
    """The statement's SQL and, per positional parameter, how to fill it from a row."""
    plan = _PLANS.get((stmt, keys))
    if plan is not None:
        return plan
    compiled = stmt.values({k: bindparam(k) for k in keys}).compile(dialect=dialect)
    table = stmt.table
    columns: list[_Column] = []
    for name in compiled.positiontup or []:
        if name in keys:
            columns.append((name, _converter(table.c[name].type), None))
        else:  # left out: the column's scalar default
            columns.append((None, None, _sqlite_value(_column_default(table, name))))
    if len(_PLANS) > 256:  # statements built per call would otherwise pile up here
        _PLANS.clear()
    plan = _PLANS[(stmt, keys)] = (compiled.string, columns)
    return plan


def _converter(column_type: Any) -> Callable[[Any], Any] | TypeDecorator[Any] | None:
    if getattr(column_type, "sealed", False):
        return column_type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl
    if isinstance(column_type, DateTime):
        return _sqlite_datetime
    if isinstance(column_type, JSON):
        return json.dumps
    if isinstance(column_type, Boolean):
        return int
    return None


def _column_default(table: Any, name: str) -> Any:
    default = table.c[name].default
    if default is None or not default.is_scalar:
        return None
    return default.arg


def _sqlite_datetime(value: Any) -> Any:
    """A datetime as SQLAlchemy stores it on SQLite: naive UTC text with microseconds."""
    if not isinstance(value, datetime):
        return _sqlite_value(value)
    # a zero offset (pydantic's own UTC zone object among them) needs no conversion
    if value.tzinfo is not None and value.tzinfo is not UTC and value.utcoffset():
        value = value.astimezone(UTC)
    # "YYYY-MM-DD HH:MM:SS.ffffff" is 26 characters; an aware value's "+00:00" is cut off
    return value.isoformat(sep=" ", timespec="microseconds")[:26]


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, bool):
        return int(value)
    return value
