"""Test and benchmark harness: a real head-office server process and enrolled kiosks.

Used by tests/integration and bench/bench_sync.py (it lives under tests/, not in the installed
package). Starts ``kiosk-server serve`` in a
subprocess on a free loopback port (real HTTP, real uvicorn), provisions sites, kiosks and
admins straight in the database, and builds kiosk stores wired to a ``SyncClient``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from kiosk.core.config.clock import Clock, SystemClock
from kiosk.core.models import Site
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from sync.client import HeadOfficeClient, enroll
from sync.protocol import MAX_PULL_CHANGES
from sync.server.db import make_engine, make_sessionmaker
from sync.worker import SyncClient

ROOT = Path(__file__).resolve().parents[2]


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU time process ``pid`` has used so far, from ``/proc``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # after the command's closing parenthesis: utime and stime are the 12th and 13th
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """``kiosk-server serve`` in a subprocess; ``start``/``kill``/``stop`` as often as needed.

    Every started server is remembered until it is stopped, so a test that fails (or times
    out) half-way leaves no process behind for the next test (tests/integration/conftest.py).
    """

    running: set[ServerProcess] = set()

    def __init__(
        self,
        database_url: str,
        *,
        port: int | None = None,
        log_path: Path | None = None,
        workers: int = 1,
        tls: tuple[Path, Path] | None = None,
        ca_bundle: str = "",
    ) -> None:
        self.database_url = database_url
        self.workers = workers
        #: (certificate, key) PEM files: uvicorn serves HTTPS with them, at ``localhost``
        self.tls = tls
        #: the CA that vouches for ``tls`` (the health check verifies with it)
        self.ca_bundle = ca_bundle
        self.port = port or free_port()
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.tls:
            return f"https://localhost:{self.port}"
        return f"http://127.0.0.1:{self.port}"

    def _command(self) -> list[str]:
        if self.tls:  # uvicorn's own TLS options in front of the app kiosk-server serves
            return [
                *("-m", "uvicorn", "sync.server.cli:app_from_environment", "--factory"),
                *("--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"),
                *("--ssl-certfile", str(self.tls[0]), "--ssl-keyfile", str(self.tls[1])),
            ]
        return [
            *("-m", "sync.server.cli", "--database-url", self.database_url, "serve"),
            *("--host", "127.0.0.1", "--port", str(self.port), "--no-migrate"),
            *("--log-level", "warning", "--workers", str(self.workers)),
        ]

    def start(self, *, timeout: float = 30.0) -> ServerProcess:
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "KIOSK_SERVER_DATABASE_URL": self.database_url,
        }
        self.proc = subprocess.Popen(
            [sys.executable, *self._command()],
            stdout=out,
            stderr=out,
            env=env,
            cwd=str(ROOT),
        )
        ServerProcess.running.add(self)
        if self.log_path:
            out.close()  # type: ignore[union-attr]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"kiosk-server exited with {self.proc.returncode}")
            try:
                health = requests.get(
                    self.url + "/healthz", timeout=1.0, verify=self.ca_bundle or True
                )
                if health.status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"kiosk-server did not answer on {self.url} within {timeout} s")

    def cpu_seconds(self) -> float:
        """CPU time (user and system) the server process has used so far: on a shared machine
        a better measure of its work than wall time (``--workers 1`` serves in this one
        process; with more, the supervisor's children are not counted)."""
        if self.proc is None:
            raise RuntimeError("the server is not running")
        return process_cpu_seconds(self.proc.pid)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what a power cut does to the process."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None
        ServerProcess.running.discard(self)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        ServerProcess.running.discard(self)


@dataclass
class HeadOffice:
    """Provisioning straight in the server's database (what ``kiosk-server add-…`` does)."""

    database_url: str

    def __post_init__(self) -> None:
        from sync.server.migrate import migrate

        self.engine = make_engine(self.database_url, pool_size=2)
        migrate(self.engine)  # what ``kiosk-server migrate`` does: schema and master secret
        self.sessions = make_sessionmaker(self.engine)

    def add_site(self, site_id: str, name_zh: str = "", name_en: str = "") -> None:
        from sync.server.api.sites_routes import create_site_record

        with self.sessions() as s, s.begin():
            create_site_record(
                s, id=site_id, name_zh=name_zh or site_id, name_en=name_en or site_id
            )

    def add_kiosk(self, site_id: str) -> str:
        from sync.server.api.sites_routes import create_kiosk_record

        with self.sessions() as s, s.begin():
            _, code = create_kiosk_record(s, site_id=site_id)
        return code

    def add_admin(self, name: str) -> str:
        from datetime import UTC, datetime

        from sync.server.models import Admin
        from sync.server.security import digest, new_admin_token

        token = new_admin_token()
        with self.sessions() as s, s.begin():
            s.add(Admin(name=name, token_hash=digest(token), created_at=datetime.now(UTC)))
        return token

    def close(self) -> None:
        self.engine.dispose()


@dataclass
class KioskHarness:
    """One enrolled kiosk: its store, records and sync client."""

    kiosk_id: str
    site_id: str
    token: str
    store: Store
    records: Records
    client: SyncClient

    def close(self) -> None:
        self.client.close()
        self.store.close()


def enrolled_kiosk(
    server_url: str,
    code: str,
    data_dir: Path,
    *,
    clock: Clock | None = None,
    batch_size: int = 500,
    pull_page: int = MAX_PULL_CHANGES,
) -> KioskHarness:
    """Enroll through the real HTTP route and build a kiosk wired to head office."""
    done = enroll(server_url, code, data_dir=data_dir)
    token = (data_dir / "head-office.token").read_text().strip()
    return kiosk_for(
        server_url,
        done.kiosk_id,
        done.site_id,
        token,
        data_dir,
        clock=clock,
        batch_size=batch_size,
        pull_page=pull_page,
    )


def kiosk_for(
    server_url: str,
    kiosk_id: str,
    site_id: str,
    token: str,
    data_dir: Path,
    *,
    clock: Clock | None = None,
    batch_size: int = 500,
    pull_page: int = MAX_PULL_CHANGES,
) -> KioskHarness:
    clock = clock or SystemClock()
    store = Store(data_dir / "kiosk.sqlite3", clock=clock)
    records = Records(store)
    if records.site(site_id) is None:
        with store.transaction() as tx:
            records.upsert_site(tx, Site(site_id, site_id, site_id))
    client = SyncClient(
        store=store,
        records=records,
        head_office=HeadOfficeClient(server_url, token, timeout=10.0),
        clock=clock,
        site_id=site_id,
        kiosk_id=kiosk_id,
        batch_size=batch_size,
        pull_page=pull_page,
        interval=0.2,
        backoff_base=0.05,
        backoff_cap=0.5,
    )
    return KioskHarness(kiosk_id, site_id, token, store, records, client)
