"""``kiosk-server rotate-keys`` while the server serves, killed half-way and resumed (issue 18).

A real ``kiosk-server`` takes a kiosk's check-ins the whole time. The rotation runs as the real
command in its own process, is killed with SIGKILL after its first batch, and run again: the
second run finishes that rotation (no third key), every sealed value of head office is then
under the new key version, every check-in pushed before, during and after it reads back, and a
backup taken afterwards opens on another machine (its archive carries the key file).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pg_fixture import postgres  # noqa: F401  (fixture)

from kiosk.core.config.settings import load_settings
from kiosk.core.directory.demo import demo_directory, import_directory
from kiosk.core.keys.key_files import KeyFile
from kiosk.core.privacy.fields import KEY_NAME
from kiosk.core.visits.checkin import CheckinForm, CheckinService
from sync.server.backup import backup_server, restore_server
from sync.server.db import make_engine
from sync.server.key_rotation import behind
from sync.server.models import Visitor
from sync.server.sealing import KEYS_DIR_ENV, keys_folder
from tests.support.harness import ROOT, HeadOffice, ServerProcess, enrolled_kiosk

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BEFORE = 4


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, monkeypatch) -> str:
    if request.param == "sqlite":
        (tmp_path / "ho").mkdir()
        return f"sqlite:///{tmp_path / 'ho' / 'head-office.sqlite3'}"
    # this test's own key file: the machine's default folder is shared by every PostgreSQL test
    monkeypatch.setenv(KEYS_DIR_ENV, str(tmp_path / "ho-keys"))
    return str(request.getfixturevalue("postgres").new_database())


def _rotate(url: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sync.server.cli", "--database-url", url, "rotate-keys", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=str(ROOT),
    )


def test_rotation_while_serving_survives_a_kill(
    database_url, tmp_path, monkeypatch, request
) -> None:
    ho = HeadOffice(database_url)
    ho.add_site("demo", "示范大厦", "Demo Tower")
    server = ServerProcess(database_url, log_path=tmp_path / "server.log").start()
    kiosk = enrolled_kiosk(server.url, ho.add_kiosk("demo"), tmp_path / "kiosk")
    import_directory(kiosk.records, demo_directory())
    service = CheckinService(
        records=kiosk.records, settings=load_settings(environ={}), clock=kiosk.store.clock
    )
    names: list[str] = []

    def check_in(*, push: bool = True) -> None:
        name = f"访客{len(names):03d}"
        names.append(name)
        service.check_in(
            CheckinForm(
                name=name,
                phone=f"139{len(names):08d}",
                purpose="meeting",
                host_id="h001",
                consent=True,
            )
        )
        if push:
            kiosk.client.sync_once()

    stop = threading.Event()

    def keep_checking_in() -> None:
        while not stop.is_set():
            check_in()
            stop.wait(0.2)

    try:
        for _ in range(BEFORE):
            check_in(push=False)
        kiosk.client.sync_once()
        key_file = KeyFile(keys_folder(database_url), KEY_NAME)
        assert [k.version for k in key_file.read()] == [1]
        visitors = threading.Thread(target=keep_checking_in, daemon=True)
        visitors.start()

        first = _rotate(database_url, "--batch", "2", "--pause", "0.2")
        assert first.stdout is not None
        line = first.stdout.readline()  # its first batch committed
        assert "re-sealed" in line, (line, first.stderr.read() if first.stderr else "")
        first.send_signal(signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL
        for pipe in (first.stdout, first.stderr):
            pipe.close() if pipe else None
        assert [k.version for k in key_file.read()] == [2, 1]
        assert behind(ho.engine, 2) > 0  # killed half-way: values still under v1

        second = _rotate(database_url)
        out, err = second.communicate(timeout=120)
        assert second.returncode == 0, err
        assert "finished the rotation to data key v2" in out
        stop.set()
        visitors.join(30)
        check_in()  # after the rotation, too
        assert kiosk.store.pending("sync") == 0
    finally:
        stop.set()
        kiosk.close()
        server.stop()
    assert [k.version for k in key_file.read()] == [2, 1]  # resumed: no third key
    assert len(names) > BEFORE + 1  # check-ins went on during the rotation
    assert behind(ho.engine, 2) == 0
    with ho.sessions() as session:
        stored = set(session.scalars(select(Visitor.name)))
    assert stored == set(names)
    with ho.engine.connect() as conn:
        raw = conn.exec_driver_sql("SELECT name FROM visitors").scalars().all()
    assert raw and all(v.startswith("pf1.2.") for v in raw)

    # a backup taken now opens elsewhere with the key file it carries
    archive = backup_server(database_url, tmp_path / "ho.backup", "correct horse battery")
    ho.close()
    if database_url.startswith("sqlite"):
        (tmp_path / "elsewhere").mkdir()
        target = f"sqlite:///{tmp_path / 'elsewhere' / 'head-office.sqlite3'}"
    else:
        monkeypatch.setenv(KEYS_DIR_ENV, str(tmp_path / "elsewhere-keys"))
        target = str(request.getfixturevalue("postgres").new_database())
    restore_server(target, archive, "correct horse battery")
    engine = make_engine(target, pool_size=1)
    try:
        with engine.connect() as conn:
            got = conn.execute(select(Visitor.name)).scalars().all()
        assert set(got) == set(names)
    finally:
        engine.dispose()
