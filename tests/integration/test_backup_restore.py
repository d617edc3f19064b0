"""Backup → wipe → restore, on the kiosk and on head office, with nothing done twice.

Real parts: ``kiosk-server`` over HTTP (SQLite, and PostgreSQL for head office), real mail
(aiosmtpd), the kiosk built by ``build_services`` and enrolled over HTTP, and the ``kiosk`` and
``kiosk-server`` commands themselves. The kiosk story: A and B check in, a backup is taken,
then B's host is mailed, A's escalation goes out, C checks in and A checks out by badge. The
kiosk's disk is wiped and the backup restored: no message goes out again, B's badge still
checks out, A is known as gone and C's badge checks out (head office sent them back).
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from notify_fixtures import make_directory, make_settings
from notify_servers import SmtpServer
from pg_fixture import postgres  # noqa: F401  (fixture)

from kiosk import cli
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import NotFoundError
from kiosk.core.config.settings_toml import render_toml
from kiosk.core.notify.channels import AppriseNotifier
from kiosk.core.visits.checkin import CheckinForm
from kiosk.services import build_services
from sync.client import enroll
from sync.server import cli as server_cli
from tests.support.harness import HeadOffice, ServerProcess

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PASSPHRASE = "correct horse battery staple 门"


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def passphrase_file(tmp_path: Path) -> Path:
    path = tmp_path / "passphrase"
    path.write_text(PASSPHRASE + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def _rows(db: Path, table: str, columns: str = "*", order: str = "rowid") -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return [tuple(r) for r in conn.execute(f"SELECT {columns} FROM {table} ORDER BY {order}")]


VISIT_COLUMNS = "id, site_id, visitor_id, state, host_id, badge_code, checked_in_at, checked_out_at"
TABLES = ("sites", "departments", "hosts", "visitors", "visits", "outbox", "alerts", "print_jobs")


class Kiosk:
    """An enrolled kiosk wired by ``build_services``; workers driven by the test."""

    def __init__(self, tmp: Path, server: ServerProcess, code: str, smtp: SmtpServer) -> None:
        self.data, self.config = tmp / "kiosk-data", tmp / "kiosk.toml"
        self.clock = FakeClock()
        enroll(server.url, code, data_dir=self.data)
        tag = tmp.name
        self.addresses = {h: f"{h}.{tag}@example.com" for h in ("h1", "h2", "h3", "rnd", "desk")}
        settings = make_settings(
            front_desk_urls=(smtp.url(self.addresses["desk"]),),
            department_urls=(f"rnd={smtp.url(self.addresses['rnd'])}",),
            send_timeout=5.0,
            escalate_after=120.0,
        )
        settings = settings.replace("head_office", url="").replace("kiosk", data_dir=str(self.data))
        settings = settings.replace("site", id="demo").replace("printer", backend="file")
        self.config.write_text(render_toml(settings), encoding="utf-8")
        self.settings = settings
        self.smtp = smtp
        self.open()
        make_directory(
            self.services.records,
            host_urls={h: (smtp.url(self.addresses[h]),) for h in ("h1", "h2", "h3")},
        )

    def open(self) -> None:
        self.services = build_services(
            self.settings, clock=self.clock, start_workers=False, notifier=AppriseNotifier()
        )

    def check_in(self, name: str, host: str, phone: str) -> tuple[str, str]:
        result = self.services.checkin.check_in(
            CheckinForm(name=name, phone=phone, purpose="meeting", host_id=host, consent=True)
        )
        return result.visit.id, result.visit.badge_code

    def close(self) -> None:
        self.services.sync.close()  # services.stop() stops the worker, keeps its connections
        self.services.stop()

    def mails(self) -> int:
        return sum(len(self.smtp.mailbox.to(a)) for a in self.addresses.values())

    def run(self, *, command: list[str]) -> int:
        return cli.main(["--config", str(self.config), *command])


def test_kiosk_backup_wipe_restore_does_nothing_twice(tmp_path, smtp, passphrase_file) -> None:
    ho = HeadOffice(f"sqlite:///{tmp_path / 'ho.sqlite3'}")
    ho.add_site("demo", "示范大厦", "Demo Tower")
    server = ServerProcess(ho.database_url, log_path=tmp_path / "server.log").start()
    try:
        k = Kiosk(tmp_path, server, ho.add_kiosk("demo"), smtp)
        _a, a_badge = k.check_in("张伟", "h1", "13812345678")
        assert k.services.notifier.wait_idle()
        smtp.mailbox.wait_for(k.addresses["h1"])
        b, b_badge = k.check_in("李雷", "h3", "13912345678")  # not yet told: pending at backup
        k.services.sync.sync_once()
        archive = tmp_path / "backups" / "kiosk.lkbackup"
        assert (
            k.run(command=["backup", str(archive), "--passphrase-file", str(passphrase_file)]) == 0
        )
        assert archive.stat().st_mode & 0o777 == 0o600
        at_backup = {t: _rows(k.data / "kiosk.sqlite3", t) for t in TABLES}

        # after the backup: B's host told, A's escalation sent, C in, A out by badge
        assert k.services.notifier.wait_idle()
        smtp.mailbox.wait_for(k.addresses["h3"])
        k.clock.advance(130)
        assert k.services.notifier.wait_idle()
        c, c_badge = k.check_in("韩梅梅", "h1", "13712345678")
        assert k.services.notifier.wait_idle()
        smtp.mailbox.wait_for(k.addresses["h1"], count=2)
        k.services.checkin.check_out_by_badge(a_badge)
        k.services.sync.sync_once()
        time.sleep(0.5)
        sent = k.mails()
        assert sent >= 4  # A's host, B's host, A's escalation, C's host
        visits_before_wipe = _rows(k.data / "kiosk.sqlite3", "visits", VISIT_COLUMNS, "id")
        k.close()

        shutil.rmtree(k.data)
        restore = ["restore", str(archive), "--passphrase-file", str(passphrase_file)]
        assert k.run(command=restore) == 0
        for name in ("head-office.token", "enrollment.json", "kiosk.sqlite3"):
            assert (k.data / name).stat().st_mode & 0o777 == 0o600, name

        # row for row: what the backup held is back; the visits are today's, from head office
        db = k.data / "kiosk.sqlite3"
        for table in ("sites", "departments", "hosts", "outbox", "alerts"):
            assert _rows(db, table) == at_backup[table], table
        assert _rows(db, "visits", VISIT_COLUMNS, "id") == visits_before_wipe

        k.open()
        k.clock.advance(3600)  # every escalation of the backup is long due
        assert k.services.notifier.wait_idle()
        k.services.print_queue.run_once()
        time.sleep(1.0)
        assert k.mails() == sent, "a notification was sent again after the restore"
        jobs = _rows(db, "print_jobs", "visit_id, state", "visit_id")
        assert all(state != "printed" or vid != b for vid, state in jobs)

        assert k.services.checkin.check_out_by_badge(b_badge) == b  # issued before backup
        with pytest.raises(NotFoundError) as gone:
            k.services.checkin.check_out_by_badge(a_badge)  # checked out after the backup
        assert gone.value.message_key == "checkout.already_out"
        assert k.services.checkin.check_out_by_badge(c_badge) == c  # checked in after
        k.services.sync.sync_once()
        k.close()
    finally:
        server.stop()
        ho.close()


def test_wrong_passphrase_is_refused_and_changes_nothing(tmp_path, passphrase_file) -> None:
    data = tmp_path / "data"
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{data}"\n', encoding="utf-8")
    services = build_services(cli.load_settings(config), start_workers=False)
    services.stop()
    archive = tmp_path / "k.lkbackup"
    base = ["--config", str(config)]
    assert cli.main([*base, "backup", str(archive), "--passphrase-file", str(passphrase_file)]) == 0
    wrong = tmp_path / "wrong"
    wrong.write_text("not it", encoding="utf-8")
    before = sorted(p.name for p in data.iterdir())
    assert cli.main([*base, "restore", str(archive), "--passphrase-file", str(wrong)]) == 1
    assert sorted(p.name for p in data.iterdir()) == before


SERVER_TABLES = ("sites", "kiosks", "events", "visits", "changes")


def _server_rows(ho: HeadOffice) -> dict[str, list[tuple]]:
    from sqlalchemy import text

    out = {}
    with ho.engine.connect() as conn:
        for table in SERVER_TABLES:
            rows = conn.execute(text(f"SELECT * FROM {table}")).all()
            out[table] = sorted((tuple(str(v) for v in r) for r in rows), key=repr)
    return out


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_head_office_backup_wipe_restore_then_kiosks_fill_the_gap(
    tmp_path, request, database, passphrase_file
) -> None:
    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'ho.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    ho = HeadOffice(url)
    ho.add_site("demo", "示范大厦", "Demo Tower")
    server = ServerProcess(url, log_path=tmp_path / "server.log").start()
    try:
        from tests.support.harness import enrolled_kiosk

        kiosk = enrolled_kiosk(server.url, ho.add_kiosk("demo"), tmp_path / "kiosk")
        make_directory(kiosk.records)
        settings = make_settings().replace("site", id="demo")
        from kiosk.core.visits.checkin import CheckinService

        service = CheckinService(records=kiosk.records, settings=settings, clock=FakeClock())
        x = service.check_in(
            CheckinForm(
                name="王芳", phone="13812345678", purpose="meeting", host_id="h1", consent=True
            )
        ).visit.id
        kiosk.client.sync_once()
        archive = tmp_path / "ho.lkbackup"
        pf = ["--passphrase-file", str(passphrase_file)]
        assert server_cli.main(["--database-url", url, "backup", str(archive), *pf]) == 0
        assert archive.stat().st_mode & 0o777 == 0o600
        at_backup = _server_rows(ho)

        y = service.check_in(
            CheckinForm(
                name="赵敏", phone="13912345678", purpose="meeting", host_id="h1", consent=True
            )
        ).visit.id
        kiosk.client.sync_once()  # head office has Y now; the restore will lose it
        server.stop()
        ho.engine.dispose()
        _wipe(url, tmp_path)

        assert server_cli.main(["--database-url", url, "restore", str(archive), *pf]) == 0
        after = _server_rows(ho)
        for table in ("kiosks", "events", "visits"):
            assert after[table] == at_backup[table], table
        new_changes = [r for r in after["changes"] if r not in at_backup["changes"]]
        assert [r for r in at_backup["changes"] if r not in after["changes"]] == []
        assert len(new_changes) == 1 and "head_office.restored" in new_changes[0]

        server.start()
        kiosk.client.sync_once()  # pulls head_office.restored: push position back to 0
        kiosk.client.sync_once()  # pushes the whole outbox: X duplicate, Y stored
        with ho.sessions() as s:
            from sync.server.models import Visit

            assert {v.id for v in s.query(Visit).all()} >= {x, y}
        kiosk.close()
    finally:
        server.stop()
        ho.close()


def _wipe(url: str, tmp_path: Path) -> None:
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(str(tmp_path / "ho.sqlite3") + suffix).unlink(missing_ok=True)
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
