"""Run the Alembic migrations programmatically (no alembic.ini needed).

On PostgreSQL an advisory lock makes several server processes starting at once migrate one
after the other instead of racing.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_LOCK_KEY = 0x10BB1  # arbitrary, fixed: "lobby"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def migrate(engine: Engine) -> str:
    """Bring the schema up to date and make sure there is a master secret; says which."""
    from .db import make_sessionmaker
    from .keys import ensure_master_secret
    from .sealing import compact

    before = _revision(engine)
    upgrade(engine)
    if before is not None and before < "0013":  # the clear values it sealed: no page keeps them
        compact(engine)
    with make_sessionmaker(engine)() as session, session.begin():
        secret, created = ensure_master_secret(session)
    if created:
        return "master secret created in the database (shared by every server process)"
    return f"master secret: {secret.source}"


def _revision(engine: Engine) -> str | None:
    """The database's Alembic revision (None: a new database)."""
    from sqlalchemy import inspect

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return str(row[0]) if row else None
