"""The restore steps name other parts' consumers and keys without importing them (the core does
not import sync/, and the notifier's worker is heavy): they must stay the same names."""

from __future__ import annotations

from kiosk.core.backup import resync, settle
from kiosk.core.notify import worker as notify_worker
from sync import worker as sync_worker


def test_the_names_restore_copies_are_the_owners_names() -> None:
    assert settle.NOTIFY_CONSUMER == notify_worker.CONSUMER
    assert settle.SYNC_CURSOR_KEY == sync_worker.CURSOR_KEY
    assert resync.SYNC_CONSUMER == sync_worker.CONSUMER


def test_an_archive_may_hold_key_files_but_no_path_that_climbs(tmp_path) -> None:
    import pytest

    from kiosk.core.backup.archive import BackupError, extract_archive, write_archive

    key = tmp_path / "badge.key"
    key.write_bytes(b"k" * 32)
    db = tmp_path / "kiosk.sqlite3"
    db.write_bytes(b"db")
    archive = tmp_path / "a.lkbackup"
    write_archive(archive, {"kiosk.sqlite3": db, "keys/badge.key": key}, "pass phrase")
    into = tmp_path / "out"
    into.mkdir()
    assert sorted(extract_archive(archive, into, "pass phrase")) == [
        "keys/badge.key",
        "kiosk.sqlite3",
    ]
    assert (into / "keys" / "badge.key").read_bytes() == b"k" * 32
    for bad in ("../evil", "keys/../../evil", "other/x.key", "keys/a/b"):
        crafted = tmp_path / "bad.lkbackup"
        write_archive(crafted, {bad: key}, "pass phrase")
        fresh = tmp_path / f"out-{len(bad)}"
        fresh.mkdir()
        with pytest.raises(BackupError):
            extract_archive(crafted, fresh, "pass phrase")
        assert not (tmp_path / "evil").exists()
