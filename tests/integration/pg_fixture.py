"""A throwaway PostgreSQL 15 cluster for tests and benchmarks (reusable).

``PostgresCluster().start()`` runs ``initdb`` as the ``postgres`` user (initdb refuses root)
in a temporary directory, starts the server on a free loopback port with its socket in that
directory, and ``new_database()`` hands out a fresh empty database per test. Stopping removes
everything. If the binaries are missing, the fixture fails with the package to install: CI
installs ``postgresql-15`` (scripts/debian-packages.txt), so a skip would hide a broken setup.

    from pg_fixture import postgres  # noqa: F401  (pytest fixture, tests/integration on sys.path)
    def test_x(postgres): url = postgres.new_database()
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("KIOSK_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresCluster:
    def __init__(self, *, fast: bool = True, max_connections: int = 200) -> None:
        self.fast = fast
        self.max_connections = max_connections
        self.port = _free_port()
        self.root: Path | None = None
        self._names = itertools.count(1)

    def _as_postgres(self, *args: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *args]
        return list(args)

    def start(self) -> PostgresCluster:
        initdb = PG_BIN / "initdb"
        if not initdb.exists():
            raise RuntimeError(
                f"PostgreSQL server binaries not found at {PG_BIN}: install the Debian package "
                "postgresql-15 (listed in scripts/debian-packages.txt) or set KIOSK_PG_BIN"
            )
        self.root = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        data = self.root / "data"
        subprocess.run(
            self._as_postgres(
                str(initdb),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
            ),
            check=True,
            capture_output=True,
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            f"-c max_connections={self.max_connections}"
        )
        if self.fast:
            options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        subprocess.run(
            self._as_postgres(
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(self.root / "log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ),
            check=True,
            capture_output=True,
        )
        return self

    def admin_url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A new, empty database; returns its SQLAlchemy URL."""
        import psycopg

        name = f"kiosk_test_{next(self._names)}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.admin_url(name)

    def stop(self) -> None:
        if self.root is None:
            return
        subprocess.run(
            self._as_postgres(
                str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop"
            ),
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster().start()
    try:
        yield cluster
    finally:
        cluster.stop()
