"""The kiosk's files are its user's alone: 0700 directories, 0600 files (issue 12, item 8).

Before: the database was 0644 in a 0755 data directory and held the badge signing key, so any
local user could read visitors' data and forge badges.
"""

from __future__ import annotations

import logging
import os
import stat

import pytest

from kiosk.core.config.settings import load_settings
from kiosk.core.head_office import enrollment
from kiosk.services import build_services
from sync.fake import FakeHeadOffice


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    before = os.umask(0o022)  # what a desktop session usually has
    yield
    os.umask(before)


def test_files_are_private_from_creation(tmp_path, loose_umask) -> None:
    data = tmp_path / "lobby" / "data"
    head_office = FakeHeadOffice()
    enrollment.enroll(head_office, head_office.add_code("demo"), data_dir=data)
    settings = load_settings(environ={}).replace("kiosk", data_dir=str(data))
    services = build_services(settings, demo=True, start_workers=False)
    services.badges.key()  # what the first check-in does
    db = data / "kiosk.sqlite3"
    wal, shm = db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")
    assert wal.exists() and shm.exists()
    assert _mode(data) == 0o700
    for path in (db, wal, shm, data / "head-office.token", *(data / "keys").glob("*.key")):
        assert _mode(path) == 0o600, path
    assert sorted(p.name for p in (data / "keys").glob("*.key")) == [
        "badge.key",
        "blind-index.key",
        "data.key",
    ]
    assert _mode(data / "keys") == 0o700 and _mode(data / "backups") == 0o700
    assert all(_mode(p) == 0o600 for p in (data / "backups").iterdir())
    services.stop()


def test_files_others_can_read_are_named_at_start(tmp_path, caplog) -> None:
    data = tmp_path / "data"
    settings = load_settings(environ={}).replace("kiosk", data_dir=str(data))
    build_services(settings, start_workers=False).stop()
    os.chmod(data, 0o755)
    os.chmod(data / "kiosk.sqlite3", 0o644)
    with caplog.at_level(logging.WARNING, logger="kiosk.core.store.files"):
        build_services(settings, start_workers=False).stop()
    warned = [r.getMessage() for r in caplog.records]
    assert any(f"chmod 0700 {data}" in m for m in warned)
    assert any(f"chmod 0600 {data / 'kiosk.sqlite3'}" in m for m in warned)
