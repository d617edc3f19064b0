"""A head office with dashboard accounts, for the dashboard's HTTP and browser tests.

A real ``kiosk-server`` process on SQLite, two sites, and one account per role made with the
same ``create_user`` the ``kiosk-server dashboard-user add`` command uses. ``login`` signs in
over HTTP exactly as the login form does (fetch the form, repeat its CSRF token, post).
Each client may claim its own address with ``X-Forwarded-For`` (uvicorn trusts it from
loopback), so the login limiter's per-address lockout of one test never reaches another.

The migrations and the five argon2 hashes take seconds on a busy machine, and every env starts
from the same rows: they are made once per test process, and each env's database starts as a
copy of that one (its own file, so no env sees another's rows).
"""

from __future__ import annotations

import atexit
import re
import shutil
import sqlite3
import tempfile
import uuid
from contextlib import closing
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import httpx

from sync.server.dashboard.accounts import create_user
from tests.support.harness import HeadOffice, ServerProcess

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
#: every env's accounts: login name -> (role, sites, with a TOTP secret)
ACCOUNTS: dict[str, tuple[str, list[str] | None, bool]] = {
    "admin": ("admin", None, False),
    "manager": ("site_manager", ["north"], False),
    "guard": ("security", ["*"], False),
    "viewer": ("viewer", ["north"], False),
    "totp": ("admin", None, True),
}


@dataclass
class DashboardEnv:
    folder: Path
    ho: HeadOffice = field(init=False)
    server: ServerProcess = field(init=False)
    #: role -> login name
    users: dict[str, str] = field(default_factory=dict)
    totp_secret: str = ""
    clients: list[httpx.Client] = field(default_factory=list)
    #: the server's port (None: any free one); known before it starts for ``--public-url``
    port: int | None = None

    def __post_init__(self) -> None:
        path = self.folder / "head-office.sqlite3"
        self.folder.mkdir(parents=True, exist_ok=True)
        template, self.totp_secret = _accounts_database()
        with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(path)) as copy:
            source.backup(copy)
        url = f"sqlite:///{path}"
        self.ho = HeadOffice(url)
        self.users.update({name: role for name, (role, _, _) in ACCOUNTS.items()})
        server = ServerProcess(url, port=self.port, log_path=self.folder / "server.log")
        self.server = server.start(timeout=60)  # a machine busy with other runs starts slowly

    @property
    def url(self) -> str:
        return self.server.url

    def add_user(
        self, name: str, role: str, *, sites: list[str] | None = None, totp: bool = False
    ) -> str:
        with self.ho.sessions() as s, s.begin():
            user = create_user(s, name=name, password=PASSWORD, role=role, sites=sites, totp=totp)
            secret = user.totp_secret
        self.users[name] = role
        return secret

    def client(self, address: str | None = None) -> httpx.Client:
        headers = {"X-Forwarded-For": address or f"10.{_octets()}"}
        c = httpx.Client(base_url=self.url, headers=headers, timeout=30)
        self.clients.append(c)  # closed with the server
        return c

    def login(self, name: str, *, password: str = PASSWORD, code: str = "") -> httpx.Client:
        c = self.client()
        r = c.post(
            "/dashboard/login",
            data={"name": name, "password": password, "code": code, "csrf": login_csrf(c)},
        )
        assert r.status_code == 303, r.text
        return c

    def close(self) -> None:
        for c in self.clients:
            c.close()
        self.server.stop()
        self.ho.close()


@cache
def _accounts_database() -> tuple[Path, str]:
    """The head-office database every env copies: migrated, the sites north and south, and
    ``ACCOUNTS`` made with ``create_user``; with the TOTP account's secret."""
    folder = Path(tempfile.mkdtemp(prefix="dashboard-accounts-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "head-office.sqlite3"
    ho = HeadOffice(f"sqlite:///{path}")
    try:
        ho.add_site("north", "北区大楼", "North Tower")
        ho.add_site("south", "南区大楼", "South Tower")
        secret = ""
        for name, (role, sites, totp) in ACCOUNTS.items():
            with ho.sessions() as s, s.begin():
                user = create_user(
                    s, name=name, password=PASSWORD, role=role, sites=sites, totp=totp
                )
                secret = user.totp_secret or secret
    finally:
        ho.close()
    return path, secret


def login_csrf(c: httpx.Client) -> str:
    page = c.get("/dashboard/login")
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


def page_csrf(c: httpx.Client, path: str = "/dashboard/") -> str:
    found = CSRF.search(c.get(path).text)
    assert found
    return found.group(1)


def _octets() -> str:
    raw = uuid.uuid4().bytes
    return f"{raw[0]}.{raw[1]}.{raw[2]}"
