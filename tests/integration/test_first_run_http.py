"""A new kiosk's first run against a real ``kiosk-server``, built by the app's own wiring.

Enrolled over HTTP, wired by ``build_services`` with its workers running: the directory it
pulls is searchable at once (no restart), a host added at head office is found after the
next pull, and its badges and host e-mails carry the site's and the kiosk's names from head
office, never their ids, also after the site is renamed there (``PATCH /sites/{id}``,
``kiosk-server rename-site``).
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notify_servers import SmtpServer, WebhookServer

from kiosk.core.config.settings import load_settings
from kiosk.core.visits.checkin import CheckinForm
from kiosk.services import Services, build_services
from sync.client import enroll
from tests.support.harness import HeadOffice, ServerProcess

pytestmark = pytest.mark.integration

API = "/api/v1"


class Env:
    def __init__(self, ho: HeadOffice, server: ServerProcess, admin_token: str) -> None:
        self.ho = ho
        self.server = server
        self.admin = {"Authorization": f"Bearer {admin_token}"}
        self.http = httpx.Client(base_url=server.url, timeout=30)

    def put(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = self.http.put(f"{API}{path}", json=body, headers=self.admin)
        assert r.status_code == 200, r.text
        return r.json()

    def new_site(self) -> str:
        site = "s" + uuid.uuid4().hex[:8]
        self.ho.add_site(site, "示范大厦", "Demo Tower")
        dept = {"site_id": site, "name_zh": "研发部", "name_en": "R&D", "floor": "5"}
        self.put(f"/departments/{site}-rnd", dept)
        return site

    def put_host(self, site: str, host_id: str, **fields: Any) -> None:
        self.put(f"/hosts/{host_id}", {"site_id": site, "department_id": f"{site}-rnd", **fields})

    def kiosk_code(self, site: str, name: str) -> str:
        r = self.http.post(
            f"{API}/kiosks", json={"site_id": site, "name": name}, headers=self.admin
        )
        assert r.status_code == 201, r.text
        return str(r.json()["enrollment_code"])


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> Iterator[Env]:
    folder = tmp_path_factory.mktemp("ho-first-run")
    url = f"sqlite:///{folder / 'head-office.sqlite3'}"
    ho = HeadOffice(url)
    server = ServerProcess(url, log_path=folder / "server.log").start()
    e = Env(ho, server, ho.add_admin("alice"))
    yield e
    e.http.close()
    server.stop()
    ho.close()


@pytest.fixture
def new_kiosk(env: Env, tmp_path: Path) -> Iterator[Callable[[str, str], Services]]:
    """Enroll a fresh kiosk as ``kiosk enroll`` does, then start it as the app does."""
    started: list[Services] = []

    def make(site: str, name: str) -> Services:
        data = tmp_path / f"kiosk-{len(started)}"
        enroll(env.server.url, env.kiosk_code(site, name), data_dir=data)
        settings = load_settings(environ={"KIOSK_KIOSK_DATA_DIR": str(data)})
        settings = settings.replace("printer", out_dir=str(data / "badges"))
        settings = settings.replace("head_office", interval=0.2)
        services = build_services(settings)
        started.append(services)
        return services

    yield make
    for services in started:
        services.stop()


def _names(services: Services, query: str) -> list[str]:
    return [r.name_zh for r in services.search.search(query)]


def _eventually(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {predicate}")


def test_a_fresh_kiosk_finds_hosts_right_after_its_first_pull(env: Env, new_kiosk) -> None:
    site = env.new_site()
    env.put_host(site, f"{site}-h1", name_zh="李娜", name_en="Li Na")
    services = new_kiosk(site, "Lobby east")
    assert services.sync is not None
    # the sync worker's first round pulls the directory; the index follows without a restart
    _eventually(lambda: "李娜" in _names(services, "lina"))
    assert _names(services, "研发") == ["研发部", "李娜"]

    env.put_host(site, f"{site}-h2", name_zh="王强", name_en="Wang Qiang")
    services.sync.wake()
    _eventually(lambda: "王强" in _names(services, "wq"))
    assert services.search.generation >= 2
    # a host deleted at head office is no longer offered after the next pull
    r = env.http.delete(f"{API}/hosts/{site}-h2", headers=env.admin)
    assert r.status_code == 200, r.text
    services.sync.wake()
    _eventually(lambda: _names(services, "wq") == [])
    assert "李娜" in _names(services, "lina")


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def webhook() -> Iterator[WebhookServer]:
    server = WebhookServer().start()
    yield server
    server.stop()


def test_badges_and_host_messages_name_the_site_and_kiosk_not_their_ids(
    env: Env, new_kiosk, smtp: SmtpServer, webhook: WebhookServer
) -> None:
    site = env.new_site()
    mail_to = f"li.na.{site}@example.com"
    env.put_host(
        site,
        f"{site}-h1",
        name_zh="李娜",
        name_en="Li Na",
        notify_urls=[smtp.url(mail_to), webhook.url(f"li/{site}")],
    )
    services = new_kiosk(site, "Lobby east")
    kiosk_id = services.settings.kiosk.id
    assert kiosk_id != "Lobby east" and services.settings.kiosk.name == "Lobby east"
    _eventually(lambda: services.records.host(f"{site}-h1") is not None)
    assert services.records.site(site).name("zh_CN") == "示范大厦"

    result = services.checkin.check_in(
        CheckinForm(
            name="欧阳娜娜",
            phone="13912345678",
            purpose="meeting",
            host_id=f"{site}-h1",
            consent=True,
        )
    )
    # the badge the print queue renders for this visit
    for lang in ("zh_CN", "en"):
        badge = services.print_queue.badge_data(result.visit.id, lang)
        assert (badge.site_name_zh, badge.site_name_en) == ("示范大厦", "Demo Tower")
    _eventually(lambda: services.print_queue.status_for(result.visit.id).state == "printed")

    [mail] = smtp.mailbox.wait_for(mail_to)
    [hook] = webhook.wait_for(f"/li/{site}")
    plain = mail.get_body(("plain",)).get_content()
    for text in (mail["Subject"], plain, str(hook)):
        assert "示范大厦" in text
        assert site not in text, "the site is named, not its id"
    for text in (plain, str(hook)):
        assert "Lobby east" in text and kiosk_id not in text


def _rename_site(env: Env, *args: str) -> subprocess.CompletedProcess:
    """``kiosk-server rename-site …`` against the head office's database."""
    command = [sys.executable, "-m", "sync.server.cli", "--database-url", env.server.database_url]
    return subprocess.run(
        [*command, "rename-site", *args], capture_output=True, text=True, timeout=60
    )


def _check_in(services: Services, host_id: str) -> Any:
    form = CheckinForm(
        name="欧阳娜娜", phone="13912345678", purpose="meeting", host_id=host_id, consent=True
    )
    return services.checkin.check_in(form).visit


def test_a_site_renamed_at_head_office_reaches_new_badges_and_host_messages(
    env: Env, new_kiosk, smtp: SmtpServer
) -> None:
    site = env.new_site()
    mail_to = f"li.na.{site}@example.com"
    host = f"{site}-h1"
    env.put_host(site, host, name_zh="李娜", name_en="Li Na", notify_urls=[smtp.url(mail_to)])
    services = new_kiosk(site, "Lobby east")
    assert services.sync is not None
    _eventually(lambda: services.records.host(host) is not None)

    # refused at head office, nothing sent: a blank name, a zone the zone database lacks
    for bad in ({"name_zh": "   "}, {"timezone": "Mars/Olympus"}):
        r = env.http.patch(f"{API}/sites/{site}", json=bad, headers=env.admin)
        assert r.status_code == 400, r.text
    r = env.http.patch(f"{API}/sites/nowhere", json={"name_en": "X"}, headers=env.admin)
    assert r.status_code == 404, r.text

    r = env.http.patch(
        f"{API}/sites/{site}",
        json={"name_zh": "东方大厦", "name_en": "Orient Tower", "timezone": "Asia/Hong_Kong"},
        headers=env.admin,
    )
    assert r.status_code == 200, r.text
    assert r.json()["name_en"] == "Orient Tower"
    services.sync.wake()
    _eventually(lambda: services.records.site(site).name("en") == "Orient Tower")
    assert services.records.site(site).timezone == "Asia/Hong_Kong"

    visit = _check_in(services, host)
    for lang in ("zh_CN", "en"):
        badge = services.print_queue.badge_data(visit.id, lang)
        assert (badge.site_name_zh, badge.site_name_en) == ("东方大厦", "Orient Tower")
    [mail] = smtp.mailbox.wait_for(mail_to)
    plain = mail.get_body(("plain",)).get_content()
    for text in (mail["Subject"], plain):
        assert "东方大厦" in text and "示范大厦" not in text

    # the command line does the same, and a kiosk pulls it the same way
    done = _rename_site(env, site, "--name-zh", "南方大厦")
    assert done.returncode == 0, done.stderr
    services.sync.wake()
    _eventually(lambda: services.records.site(site).name("zh_CN") == "南方大厦")
    assert services.records.site(site).name("en") == "Orient Tower"
    visit = _check_in(services, host)
    assert services.print_queue.badge_data(visit.id, "zh_CN").site_name_zh == "南方大厦"
    bad = _rename_site(env, site, "--timezone", "Nowhere/City")
    assert bad.returncode == 2 and "time zone" in bad.stderr
