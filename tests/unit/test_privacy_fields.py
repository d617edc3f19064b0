"""Personal fields sealed at rest: the cipher, the repositories' seam, the sealing of an older
database, on real SQLite files."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.settings import load_settings
from kiosk.core.directory.demo import demo_directory, import_directory
from kiosk.core.keys.blind_index import KeyedCodec
from kiosk.core.privacy import migrate
from kiosk.core.privacy.fields import FieldCipher, FieldError, PlainFields, is_sealed
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from kiosk.core.visits.checkin import CheckinForm, CheckinService

NAME, PHONE, COMPANY = "公孙明远", "13987654321", "星河远航科技"


@pytest.fixture
def clock():
    return FakeClock(datetime(2026, 11, 26, 1, 0, tzinfo=UTC))


def check_in(store: Store, clock: FakeClock, records: Records | None = None) -> str:
    records = records or Records(store, KeyedCodec(store))
    import_directory(records, demo_directory())
    service = CheckinService(records=records, settings=load_settings(environ={}), clock=clock)
    form = CheckinForm(
        name=NAME, phone=PHONE, company=COMPANY, purpose="meeting", host_id="h001", consent=True
    )
    return service.check_in(form).visit.id


def clear_bytes(folder) -> list[str]:
    """Files under ``folder`` holding the name, the number or the company in clear."""
    return clear_bytes_of(folder, (NAME, PHONE, COMPANY))


def clear_bytes_of(folder, values: tuple[str, ...]) -> list[str]:
    """Files under ``folder`` holding any of ``values`` in clear."""
    hits = []
    for root, _, names in os.walk(folder):
        for n in names:
            data = Path(root, n).read_bytes()
            if any(v.encode() in data for v in values):
                hits.append(n)
    return hits


def test_a_sealed_value_opens_only_in_its_own_column(tmp_path):
    cipher = FieldCipher.for_database(tmp_path / "k.sqlite3")
    token = cipher.seal(NAME, "visitors", "name")
    assert is_sealed(token) and NAME not in token
    assert cipher.open(token, "visitors", "name") == NAME
    assert cipher.seal(NAME, "visitors", "name") != token  # a fresh nonce each time
    with pytest.raises(FieldError):
        cipher.open(token, "visits", "note")
    # a character from the middle (the last ones may carry only base64's unused padding bits)
    at = len(token) // 2
    altered = token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :]
    with pytest.raises(FieldError):
        cipher.open(altered, "visitors", "name")
    assert cipher.seal("", "visitors", "name") == ""


def test_the_data_key_is_a_private_file_of_its_own_installation(tmp_path):
    one = FieldCipher.for_database(tmp_path / "a" / "k.sqlite3")
    key = tmp_path / "a" / "keys" / "data.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert (
        FieldCipher.for_database(tmp_path / "a" / "k.sqlite3").open(
            one.seal(PHONE, "visitors", "phone"), "visitors", "phone"
        )
        == PHONE
    )
    other = FieldCipher.for_database(tmp_path / "b" / "k.sqlite3")
    with pytest.raises(FieldError):
        other.open(one.seal(PHONE, "visitors", "phone"), "visitors", "phone")
    assert "key" not in repr(one).lower().replace("fieldcipher", "")


def test_a_rotated_key_still_opens_what_the_old_one_sealed(tmp_path):
    cipher = FieldCipher.for_database(tmp_path / "k.sqlite3")
    old = cipher.seal(NAME, "visitors", "name")
    cipher.rotate()
    assert cipher.version == 2
    assert cipher.open(old, "visitors", "name") == NAME
    assert cipher.seal(NAME, "visitors", "name").startswith("pf1.2.")


def test_a_check_in_stores_no_personal_value_in_clear(tmp_path, clock):
    store = Store(tmp_path / "k.sqlite3", clock=clock)
    records = Records(store, KeyedCodec(store))
    visit_id = check_in(store, clock, records)
    raw = store.query_one("SELECT name, phone, company FROM visitors")
    assert all(is_sealed(v) for v in raw)
    payload = store.query_one("SELECT payload FROM outbox WHERE entity_id = ?", (visit_id,))[0]
    assert is_sealed(payload) and NAME not in payload
    # the repositories and the outbox read them back; lookups go through the blind index
    visitor = records.visitor_by_phone(PHONE)
    assert visitor is not None and (visitor.name, visitor.company) == (NAME, COMPANY)
    assert [v.id for v in records.open_visits_by_phone(PHONE)] == [visit_id]
    assert store.outbox_after("t")[0].payload["visitor"]["name"] == NAME
    assert NAME in store.outbox_rows(0, 100)[-1]["payload"]  # what sync sends over HTTPS
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    assert clear_bytes(tmp_path) == []


def test_an_older_database_is_sealed_and_compacted_when_it_opens(tmp_path, clock):
    path = tmp_path / "k.sqlite3"
    old = Store(path, clock=clock, fields=PlainFields())  # as the previous version wrote it
    check_in(old, clock)
    old.close()
    assert clear_bytes(tmp_path), "the previous version left the values in clear"
    store = Store(path, clock=clock)
    raw = store.query_one("SELECT name, phone FROM visitors")
    assert all(is_sealed(v) for v in raw)
    assert Records(store).visitor(store.query_one("SELECT id FROM visitors")[0]).name == NAME
    assert migrate.seal_existing(store) == 0  # once only
    store.close()
    assert clear_bytes(tmp_path) == []  # no freed page, no WAL frame keeps them


def test_secure_delete_is_on_for_every_connection(tmp_path):
    store = Store(tmp_path / "k.sqlite3")
    assert store.query_one("PRAGMA secure_delete")[0] == 1
    store.close()


def test_keys_rotate_while_check_ins_go_on_and_nothing_is_unreadable(tmp_path, clock) -> None:
    import threading

    from kiosk.cli import main as kiosk_cli

    path = tmp_path / "kiosk.sqlite3"
    store = Store(path, clock=clock)  # the running kiosk
    records = Records(store, KeyedCodec(store))
    import_directory(records, demo_directory())
    service = CheckinService(records=records, settings=load_settings(environ={}), clock=clock)
    errors: list[Exception] = []

    def check_ins() -> None:
        try:
            with store.session():
                for i in range(60):
                    form = CheckinForm(
                        name=f"访客{i}",
                        phone=f"139{i:08d}",
                        purpose="meeting",
                        host_id="h001",
                        consent=True,
                    )
                    service.check_in(form)
        except Exception as e:  # reported below
            errors.append(e)

    desk = threading.Thread(target=check_ins)
    desk.start()
    assert kiosk_cli(["--data-dir", str(tmp_path), "rotate-keys"]) == 0  # another process
    desk.join()
    assert errors == []
    assert kiosk_cli(["--data-dir", str(tmp_path), "rotate-keys"]) == 0
    # every value opens in the running kiosk, and every one is sealed with the newest key
    names = {records.visitor(r[0]).name for r in store.query("SELECT id FROM visitors")}
    assert names == {f"访客{i}" for i in range(60)}
    assert all(
        e.payload["visitor"]["name"]
        for e in store.outbox_after("t", limit=1000)
        if e.kind == "visit.checked_in"
    )
    rows = store.query("SELECT name, phone FROM visitors")
    assert {v.split(".")[1] for r in rows for v in r} == {"3"}
    store.close()
