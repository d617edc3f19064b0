"""A live head office under attack, and the bystanders who must not notice (reusable).

``HostileEnv`` is a real ``kiosk-server`` process (SQLite or PostgreSQL) with helpers to make
sites and real kiosks (enrolled over HTTP, checking in with the real use case), to send raw
requests as an attacker would, to read the server's memory (``VmRSS`` in /proc) and its log,
and ``bystanders_sync``: two kiosks of a fresh site check in and see each other's visits.

    from hostile_env import hostile_fixture  # noqa: F401  (fixture ``hostile``)
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kiosk.core.config.settings import Settings
from kiosk.core.models import VisitState
from kiosk.core.visits.checkin import CheckinForm, CheckinService
from tests.support.harness import HeadOffice, KioskHarness, ServerProcess, enrolled_kiosk

API = "/api/v1"


class HostileEnv:
    def __init__(self, url: str, folder: Path, *, env: dict[str, str] | None = None) -> None:
        self.url = url
        self.folder = folder
        self.log_path = folder / "server.log"
        self.ho = HeadOffice(url)
        saved = {k: os.environ.get(k) for k in env or {}}
        os.environ.update(env or {})
        try:
            self.server = ServerProcess(url, log_path=self.log_path).start()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        self.admin_token = self.ho.add_admin("alice")
        self.admin = {"Authorization": f"Bearer {self.admin_token}"}
        self.http = httpx.Client(base_url=self.server.url, timeout=60)
        self.opened: list[KioskHarness] = []

    def close(self) -> None:
        for k in self.opened:
            k.close()
        self.http.close()
        self.server.stop()
        self.ho.close()

    def new_site(self) -> str:
        site = "s" + uuid.uuid4().hex[:8]
        self.ho.add_site(site, f"站点{site}", f"Site {site}")
        r = self.http.put(
            f"{API}/departments/{site}-rnd",
            json={"site_id": site, "name_zh": "研发部", "name_en": "R&D", "floor": "7"},
            headers=self.admin,
        )
        assert r.status_code == 200, r.text
        r = self.http.put(
            f"{API}/hosts/{site}-h1",
            json={"site_id": site, "department_id": f"{site}-rnd", "name_zh": "李娜"},
            headers=self.admin,
        )
        assert r.status_code == 200, r.text
        return site

    def kiosk(self, site: str, name: str) -> KioskHarness:
        data = self.folder / f"{name}-{uuid.uuid4().hex[:6]}"
        k = enrolled_kiosk(self.server.url, self.ho.add_kiosk(site), data)
        self.opened.append(k)
        k.client.sync_once()  # the site's directory: its host is what check-ins name
        return k

    def check_in(self, k: KioskHarness, phone: str, name: str = "张伟"):
        settings = Settings().replace("site", id=k.site_id).replace("kiosk", id=k.kiosk_id)
        service = CheckinService(records=k.records, settings=settings, clock=k.store.clock)
        form = CheckinForm(
            name=name, phone=phone, purpose="meeting", host_id=f"{k.site_id}-h1", consent=True
        )
        return service.check_in(form).visit

    def auth(self, k: KioskHarness) -> dict[str, str]:
        return {"Authorization": f"Bearer {k.token}"}

    def rss_kb(self) -> int:
        """The server process's resident memory (kB), from /proc/PID/status."""
        assert self.server.proc is not None
        for line in Path(f"/proc/{self.server.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def bystanders_sync(self, visits: int = 3) -> None:
        """A fresh site's two kiosks: every check-in of one reaches head office and the other."""
        site = self.new_site()
        one, two = self.kiosk(site, "by1"), self.kiosk(site, "by2")
        one.client.sync_once()
        two.client.sync_once()
        made = [self.check_in(one, f"1380013{i:04d}").id for i in range(visits)]
        result = one.client.sync_once()
        assert result.pushed == visits and result.rejected == 0, result
        two.client.sync_once()
        for vid in made:
            copy = two.records.visit(vid)
            assert copy is not None and copy.state is VisitState.CHECKED_IN, vid
        rows = self.http.get(f"{API}/visits", params={"site_id": site}, headers=self.admin)
        assert sorted(v["id"] for v in rows.json()) == sorted(made)


def _url(request, folder: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{folder / 'head-office.sqlite3'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture(name="hostile", scope="module", params=["sqlite", "postgresql"])
def hostile_fixture(request, tmp_path_factory) -> Iterator[HostileEnv]:
    """A live server on SQLite, then on PostgreSQL."""
    folder = tmp_path_factory.mktemp(f"hostile-{request.param}")
    env = HostileEnv(_url(request, folder), folder)
    yield env
    env.close()


@pytest.fixture(name="hostile_sqlite", scope="module")
def hostile_sqlite_fixture(tmp_path_factory) -> Iterator[HostileEnv]:
    """A live server on SQLite only (for attacks the database plays no part in)."""
    folder = tmp_path_factory.mktemp("hostile-sqlite")
    env = HostileEnv(f"sqlite:///{folder / 'head-office.sqlite3'}", folder)
    yield env
    env.close()
