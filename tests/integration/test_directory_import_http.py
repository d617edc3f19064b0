"""``kiosk-server import-directory`` against a real head-office database, then a real kiosk pulls.

The command runs as its own process on the server's database (SQLite and a real PostgreSQL 15
cluster) while a real ``kiosk-server`` serves it; an enrolled kiosk pulls the hosts, and a host
with only an e-mail address is notified through a real SMTP server (aiosmtpd) because the
kiosk's ``[notify] mail_server`` is set; the relay's address never leaves the kiosk.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from notify_servers import SmtpServer
from pg_fixture import postgres  # noqa: F401  (fixture)

from kiosk.core.config.settings import Settings
from kiosk.core.notify.channels import AppriseNotifier
from kiosk.core.notify.worker import NotifyWorker
from kiosk.core.visits.checkin import CheckinForm, CheckinService
from tests.support.harness import HeadOffice, KioskHarness, ServerProcess, enrolled_kiosk

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def head_office(request, tmp_path_factory) -> Iterator[tuple[str, HeadOffice, ServerProcess]]:
    folder = tmp_path_factory.mktemp(f"ho-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'head-office.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    ho = HeadOffice(url)
    server = ServerProcess(url, log_path=folder / "server.log").start()
    yield url, ho, server
    server.stop()
    ho.close()


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def _import(url: str, site: str, path: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KIOSK_SERVER_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "sync.server.cli", "import-directory", site, str(path), *extra],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def _csv(tmp_path: Path, site: str, text: str) -> Path:
    path = tmp_path / "directory.csv"
    # what Excel on Chinese Windows saves: GB18030, CRLF line ends, Chinese headers
    path.write_bytes(text.replace("{s}", site).replace("\n", "\r\n").encode("gb18030"))
    return path


DEPARTMENTS = (
    '{"format": "lobby-kiosk-directory/1", "departments": ['
    '{"id": "{s}-rnd", "name_zh": "研发部", "name_en": "R&D", "floor": "5", "room": "503"}]}'
)


def test_import_at_head_office_reaches_the_kiosk_and_mails_the_host(
    head_office, smtp, tmp_path: Path
) -> None:
    url, ho, server = head_office
    site = "s" + uuid.uuid4().hex[:8]
    ho.add_site(site, "示范大厦", "Demo Tower")
    deps = tmp_path / "departments.json"
    deps.write_text(DEPARTMENTS.replace("{s}", site), encoding="utf-8")
    assert _import(url, site, deps).returncode == 0

    hosts = _csv(
        tmp_path,
        site,
        "工号,姓名,英文名,部门,邮箱,手机\n"
        "{s}-h1,李娜,Li Na,研发部,li.na.{s}@example.com,138 0000 0001\n"
        '{s}-h2,=HYPERLINK("http://evil.example"),,研发部,,\n'
        "{s}-h3,王伟,Wang Wei,财务部,,\n"
        "{s}-h4,张敏,Zhang Min,{s}-rnd,not-an-address,\n",
    )
    dry = _import(url, site, hosts, "--dry-run")
    assert dry.returncode == 3, dry.stderr
    assert f"hosts: 1 added ({site}-h1), 0 changed, 0 unchanged" in dry.stdout
    assert "dry run: nothing written" in dry.stdout

    k: KioskHarness = enrolled_kiosk(server.url, ho.add_kiosk(site), tmp_path / "kiosk")
    try:
        k.client.sync_once()
        assert k.records.hosts(site) == []  # the dry run wrote nothing

        done = _import(url, site, hosts)
        assert done.returncode == 3, done.stderr
        refused = [line for line in done.stdout.splitlines() if line.startswith("refused:")]
        assert refused == [
            "refused: row 3, name_zh: '=HYPERLINK(\"http://evil.example\")' looks like a "
            "spreadsheet formula; refused (enter text)",
            "refused: row 4, department: no department '财务部' at this site",
            "refused: row 5, email: 'not-an-address' is not an e-mail address (name@example.com)",
        ]
        assert "kiosks notify them by e-mail only where [notify] mail_server is set" in done.stdout

        k.client.sync_once()
        [host] = k.records.hosts(site)
        assert (host.id, host.name_zh, host.department_id) == (f"{site}-h1", "李娜", f"{site}-rnd")
        assert host.email == f"li.na.{site}@example.com" and host.notify_urls == ()
        assert host.phone == "13800000001"

        # the admin API shows the file's field names
        admin = {"Authorization": f"Bearer {ho.add_admin('a' + uuid.uuid4().hex[:6])}"}
        listed = httpx.get(
            f"{server.url}/api/v1/hosts", params={"site_id": site}, headers=admin
        ).json()
        assert listed[0]["department"] == f"{site}-rnd" and "department_id" not in listed[0]

        mail_server = f"mailto://127.0.0.1:{smtp.port}?from=kiosk@example.com"
        settings = Settings().replace("site", id=site).replace("kiosk", id=k.kiosk_id)
        settings = settings.replace("notify", mail_server=mail_server, send_timeout=5.0)
        worker = NotifyWorker(
            store=k.store,
            records=k.records,
            notifier=AppriseNotifier(),
            clock=k.store.clock,
            settings=settings,
        )
        worker.start()
        try:
            CheckinService(records=k.records, settings=settings, clock=k.store.clock).check_in(
                CheckinForm(
                    name="周星",
                    phone="13912345678",
                    purpose="meeting",
                    host_id=host.id,
                    consent=True,
                )
            )
            [mail] = smtp.mailbox.wait_for(f"li.na.{site}@example.com")
            assert "周星" in mail["Subject"]
        finally:
            worker.stop()
    finally:
        k.close()
