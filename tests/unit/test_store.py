"""The local store: migrations, outbox atomicity, foreign keys, refusing newer schemas."""

from __future__ import annotations

import sqlite3

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import SchemaTooNewError, StorageError
from kiosk.core.events import InvitationCreated
from kiosk.core.store.database import SCHEMA_VERSION, Store


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "k.sqlite3", clock=FakeClock())
    yield s
    s.close()


def test_a_new_database_is_migrated_to_the_current_schema(store):
    assert store.schema_version == SCHEMA_VERSION
    pragmas = {
        "journal_mode": store.conn.execute("PRAGMA journal_mode").fetchone()[0],
        "synchronous": store.conn.execute("PRAGMA synchronous").fetchone()[0],
        "foreign_keys": store.conn.execute("PRAGMA foreign_keys").fetchone()[0],
    }
    assert pragmas == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1}


def test_migrations_are_applied_step_by_step_from_an_older_file(tmp_path):
    from kiosk.core.store import database as store_module

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for statement in store_module._split_sql(store_module.MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    s = Store(path)
    assert s.schema_version == SCHEMA_VERSION
    s.close()


def test_a_database_from_a_newer_version_is_refused_not_downgraded(tmp_path):
    path = tmp_path / "new.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaTooNewError, match="newer kiosk"):
        Store(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    conn.close()


def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path):
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match=r"not a kiosk database|cannot open"):
        Store(path)


def test_an_unwritable_data_directory_gives_a_clear_error(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        import os

        if os.access(folder, os.W_OK):  # root ignores permission bits
            blocker = tmp_path / "file"
            blocker.write_text("x")
            target = blocker / "sub" / "k.sqlite3"
        else:
            target = folder / "k.sqlite3"
        with pytest.raises(StorageError, match="data directory"):
            Store(target)
    finally:
        folder.chmod(0o700)


def test_change_and_event_commit_together(store):
    with store.transaction() as tx:
        tx.execute("INSERT INTO kv (key, value) VALUES ('a', '1')")
        tx.emit(InvitationCreated(invitation_id="a", code="CODE1"))
    assert store.get_value("a") == "1"
    events = store.outbox_after("tester")
    assert [(e.kind, e.entity_id, e.payload) for e in events] == [
        ("invitation.created", "a", {"invitation_id": "a", "code": "CODE1"})
    ]


def test_a_failure_rolls_back_the_change_and_its_event(store):
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.execute("INSERT INTO kv (key, value) VALUES ('b', '1')")
        tx.emit(InvitationCreated(invitation_id="b", code="CODE2"))
        raise RuntimeError("crash between the change and the commit")
    assert store.get_value("b") is None
    assert store.outbox_after("tester") == []


def test_foreign_keys_are_enforced(store):
    with pytest.raises(sqlite3.IntegrityError), store.transaction() as tx:
        tx.execute(
            "INSERT INTO departments (id, site_id, name_zh, name_en) "
            "VALUES ('d', 'nosite', 'x', 'x')"
        )


def test_consumers_read_after_their_own_position(store):
    for i in range(5):
        with store.transaction() as tx:
            tx.emit(InvitationCreated(invitation_id=str(i), code="CODE3"))
    first = store.outbox_after("printer", limit=2)
    assert [e.entity_id for e in first] == ["0", "1"]
    store.advance("printer", first[-1].seq)
    assert [e.entity_id for e in store.outbox_after("printer")] == ["2", "3", "4"]
    assert store.pending("printer") == 3
    assert store.pending("sync") == 5
    store.advance("printer", 1)  # never backwards
    assert store.pending("printer") == 3


def test_listeners_hear_of_commits_that_emitted(store):
    heard = []
    store.on_emit(lambda: heard.append(1))
    with store.transaction() as tx:
        tx.execute("INSERT INTO kv (key, value) VALUES ('quiet', '1')")
    with store.transaction() as tx:
        tx.emit(InvitationCreated(invitation_id="x", code="CODE4"))
    assert heard == [1]
