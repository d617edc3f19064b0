"""Database engine and sessions for the head-office server (SQLite or PostgreSQL).

The server keeps no state of its own: every request opens a session, does its work in one
transaction and closes it, so any number of server processes can share one PostgreSQL.
SQLite write transactions start with ``BEGIN IMMEDIATE`` so two writers queue on the busy
timeout instead of failing on a lock upgrade.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from sqlalchemy import Engine, create_engine, event
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


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 30.0, "check_same_thread": False, "isolation_level": None}
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _sqlite_connect(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def is_postgresql(session: Session) -> bool:
    bind = session.get_bind()
    return bind.dialect.name == "postgresql"
