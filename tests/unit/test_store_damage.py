"""A damaged or emptied database is refused at start, naming the backup; never recreated.

Issue 12, item 7: a database truncated to 0 bytes started as a new, empty one (300 visits
gone, no warning); 64 flipped bytes mid-file started normally while quick_check reported a
corrupt page. Each test below damages a real kiosk database made by the app's wiring.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import StorageCorruptError
from kiosk.core.config.settings import load_settings
from kiosk.core.store import integrity
from kiosk.core.store.database import Store
from kiosk.core.visits.checkin import CheckinForm
from kiosk.services import build_services

VISITS = 150


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """A kiosk data directory with VISITS check-ins and today's backup, the kiosk stopped."""
    data = tmp_path_factory.mktemp("damage")
    settings = load_settings(environ={}).replace("kiosk", data_dir=str(data))
    clock = FakeClock(datetime(2026, 11, 26, 1, 0, tzinfo=UTC))
    services = build_services(settings, demo=True, clock=clock, start_workers=False)
    for i in range(VISITS):
        services.checkin.check_in(
            CheckinForm(
                name=f"访客{i}",
                phone=f"138{i:08d}",
                purpose="meeting",
                host_id="h001",
                consent=True,
            )
        )
    services.stop()
    return data


def _copy(made: Path, tmp_path: Path) -> Path:
    """A copy of the made data directory (database and its backups) to damage."""
    import shutil

    target = tmp_path / "data"
    shutil.copytree(made, target)
    return target / "kiosk.sqlite3"


def _start(db: Path):
    settings = load_settings(environ={}).replace("kiosk", data_dir=str(db.parent))
    return build_services(settings, start_workers=False)


def _refused(db: Path) -> str:
    with pytest.raises(StorageCorruptError) as caught:
        _start(db)
    text = str(caught.value)
    backup = integrity.newest_backup(db)
    assert backup is not None and str(backup) in text
    assert caught.value.message_key == "error.storage_corrupt"
    return text


def test_the_made_database_starts_and_has_a_backup(made, tmp_path) -> None:
    db = _copy(made, tmp_path)
    services = _start(db)
    assert len(services.records.visits()) == VISITS
    services.stop()
    backup = integrity.newest_backup(db)
    assert backup is not None and backup.name.startswith("kiosk-")
    restored = sqlite3.connect(backup)
    assert restored.execute("PRAGMA application_id").fetchone()[0] == integrity.MARKER
    restored.close()


def test_a_database_truncated_to_zero_bytes_is_refused_not_recreated(made, tmp_path) -> None:
    db = _copy(made, tmp_path)
    db.write_bytes(b"")
    assert "empty (0 bytes)" in _refused(db)
    assert db.stat().st_size == 0  # nothing was created over it


def test_a_database_truncated_to_half_is_refused(made, tmp_path) -> None:
    db = _copy(made, tmp_path)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    _refused(db)
    assert db.stat().st_size == len(data) // 2


def test_sixty_four_flipped_bytes_mid_file_are_refused(made, tmp_path) -> None:
    db = _copy(made, tmp_path)
    # inside cells, as in the attack: a page's cells fill it from its end, so the last bytes
    # of the outbox's root page (mid-page can be the unused gap between pointers and cells)
    with sqlite3.connect(db) as conn:
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name='outbox'").fetchone()
        (page,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    data = bytearray(db.read_bytes())
    start = root * page - 100
    for i in range(start, start + 64):
        data[i] ^= 0xFF
    db.write_bytes(bytes(data))
    text = _refused(db)
    assert "damaged" in text


def test_a_file_that_lost_its_schema_is_refused_and_kept(made, tmp_path) -> None:
    db = _copy(made, tmp_path)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys=OFF")
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    for table in tables:
        conn.execute(f"DROP TABLE {table}")
    conn.execute("PRAGMA user_version=0")
    conn.commit()
    conn.close()
    size = db.stat().st_size
    assert "lost its schema" in _refused(db)
    assert db.stat().st_size == size


def test_another_programs_database_is_refused(tmp_path) -> None:
    db = tmp_path / "kiosk.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA application_id=1234")
    conn.execute("PRAGMA user_version=3")
    conn.execute("CREATE TABLE kv (key TEXT)")
    conn.execute("CREATE TABLE outbox (seq INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(StorageCorruptError, match="not a kiosk database"):
        Store(db)


def test_a_database_from_before_the_marker_is_adopted(made, tmp_path) -> None:
    db = _copy(made, tmp_path)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA application_id=0")
    conn.commit()
    conn.close()
    store = Store(db)
    assert store.query_one("PRAGMA application_id")[0] == integrity.MARKER
    store.close()


def test_the_check_is_bounded_in_time(made, tmp_path, caplog) -> None:
    db = _copy(made, tmp_path)
    with caplog.at_level(logging.WARNING, logger="kiosk.core.store.integrity"):
        store = Store(db, check_seconds=0)
    assert "quick_check" in caplog.text
    store.close()
