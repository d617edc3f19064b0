"""sqlite3 errors leave the store as the project's own errors, each with a calm message key."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import (
    ConstraintError,
    StorageCorruptError,
    StorageError,
    StorageFullError,
)
from kiosk.core.config.i18n import Translator
from kiosk.core.events import InvitationCreated
from kiosk.core.store.database import Store


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 2 MiB tmpfs (needs root and mount); skipped where it cannot be had."""
    folder = tmp_path / "small"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_is_a_storage_full_error_and_committed_data_stays(small_disk: Path):
    store = Store(small_disk / "k.sqlite3", clock=FakeClock())
    with store.transaction() as tx:
        store.set_value("committed", "before the disk filled")
        tx.emit(InvitationCreated(invitation_id="kept", code="KEPT1"))
    blob = "x" * 200_000
    with pytest.raises(StorageFullError) as caught:
        for i in range(100):  # 20 MB into 2 MiB: fails long before the end
            with store.transaction() as tx:
                store.set_value(f"filler{i}", blob)
                tx.emit(InvitationCreated(invitation_id=f"f{i}", code="FILL1"))
    error = caught.value
    assert error.message_key == "error.storage_full"
    assert "full" in str(error) and "cannot rollback" not in str(error)
    assert isinstance(error.__cause__, sqlite3.OperationalError)
    assert not store.in_transaction()
    store.close()
    reopened = Store(small_disk / "k.sqlite3", clock=FakeClock())
    assert reopened.get_value("committed") == "before the disk filled"
    assert "kept" in [e.entity_id for e in reopened.outbox_after("t", limit=1000)]
    reopened.close()


def test_a_damaged_file_is_a_corruption_error(tmp_path: Path):
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageCorruptError) as caught:
        Store(path)
    assert caught.value.message_key == "error.storage_corrupt"


def test_a_broken_constraint_is_both_a_storage_and_an_integrity_error(tmp_path: Path):
    store = Store(tmp_path / "k.sqlite3")
    with pytest.raises(ConstraintError) as caught, store.transaction() as tx:
        tx.execute("INSERT INTO departments (id, site_id, name_zh, name_en) VALUES ('d','x','','')")
    assert isinstance(caught.value, StorageError)
    assert isinstance(caught.value, sqlite3.IntegrityError)
    store.close()


def test_a_bad_query_is_a_storage_error_not_a_sqlite3_one(tmp_path: Path):
    store = Store(tmp_path / "k.sqlite3")
    with pytest.raises(StorageError) as caught:
        store.query("SELECT * FROM no_such_table")
    assert not isinstance(caught.value, sqlite3.Error)
    store.close()


@pytest.mark.parametrize("key", ["error.storage_full", "error.storage_io", "error.storage_corrupt"])
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_storage_errors_have_a_calm_text_in_both_languages(key: str, language: str):
    text = Translator(language).t(key)
    assert text != key
    assert ("前台" if language == "zh_CN" else "reception desk") in text
