"""The site keys a kiosk fetches from head office live in a 0600 key file, never in its database."""

from __future__ import annotations

import json
import stat

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.keys.hierarchy import KIOSK_PURPOSES, KeyPurpose, SiteKey, derive, format_versioned
from kiosk.core.keys.site_keys import KEYS_KV, PUBLIC_URL_KV, KeySet, SiteKeys
from kiosk.core.store.database import Store
from sync.fake import FakeHeadOffice

PUBLIC_URL = "https://visitors.example.com"


def site_key_set(version: int = 1, master: bytes = b"master secret") -> KeySet:
    keys = {p: SiteKey(p, version, derive(master, p, "demo", version)) for p in KIOSK_PURPOSES}
    return KeySet(keys, public_url=PUBLIC_URL)


def database_bytes(store: Store) -> bytes:
    """Everything SQLite wrote: the database file and its WAL, as raw bytes."""
    files = [store.path, store.path.with_name(store.path.name + "-wal")]
    return b"".join(f.read_bytes() for f in files if f.exists())


def key_material(keys: KeySet) -> list[bytes]:
    """Each key as it would be written in text (hex, either case) and as raw bytes."""
    found = []
    for key in keys.keys.values():
        found += [key.key.hex().encode(), key.key.hex().upper().encode(), key.key]
    return found


@pytest.fixture
def env(tmp_path):
    clock = FakeClock()
    store = Store(tmp_path / "kiosk.sqlite3", clock=clock)
    yield store, clock
    store.close()


def test_fetched_keys_are_in_a_0600_key_file_and_nowhere_in_the_database(env) -> None:
    store, clock = env
    head_office = FakeHeadOffice()
    head_office.keys = site_key_set()
    keys = SiteKeys(store=store, clock=clock, head_office=head_office)
    assert keys.needs_fetch()
    keys.refresh()
    keys.wait()
    for purpose in KIOSK_PURPOSES:
        assert keys.current(purpose) == head_office.keys.keys[purpose]
    assert keys.link_base() == PUBLIC_URL
    assert not keys.needs_fetch()

    path = store.path.parent / "keys" / "site.key"
    assert keys.key_file.path == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    kept = json.loads(path.read_bytes())["keys"]
    assert sorted(k["purpose"] for k in kept) == sorted(p.value for p in KIOSK_PURPOSES)
    assert not list(path.parent.glob("*.tmp"))  # written through a temporary file, renamed

    assert store.get_value(KEYS_KV) is None
    raw = database_bytes(store)
    assert len(raw) > 4096 and PUBLIC_URL.encode() in raw  # the bytes read are the database's
    for material in key_material(head_office.keys):
        assert material not in raw

    # after a restart the kiosk signs with them without asking head office
    head_office.fail_with = ConnectionError("head office down")
    again = SiteKeys(store=store, clock=clock, head_office=head_office)
    assert again.current(KeyPurpose.ROUTE_LINK) == head_office.keys.keys[KeyPurpose.ROUTE_LINK]
    assert again.link_base() == PUBLIC_URL
    assert not again.needs_fetch()


def test_a_rotation_rewrites_the_key_file(env) -> None:
    store, clock = env
    head_office = FakeHeadOffice()
    head_office.keys = site_key_set(1)
    keys = SiteKeys(store=store, clock=clock, head_office=head_office)
    assert keys.fetch_now()
    head_office.keys = site_key_set(2)
    assert keys.fetch_now()
    again = SiteKeys(store=store, clock=clock, head_office_url=head_office.url)
    assert again.current(KeyPurpose.REPLY_LINK) == head_office.keys.keys[KeyPurpose.REPLY_LINK]
    raw = database_bytes(store)
    for material in key_material(site_key_set(1)) + key_material(site_key_set(2)):
        assert material not in raw


def test_keys_an_older_kiosk_kept_in_the_database_move_to_the_key_file(env) -> None:
    store, clock = env
    old = site_key_set(3, master=b"older kiosk")
    items = [
        {"purpose": k.purpose.value, "version": k.version, "key": k.key.hex()}
        for k in old.keys.values()
        if k.purpose is not KeyPurpose.STAFF_PIN  # an older kiosk never stored the pepper
    ]
    store.set_value(KEYS_KV, json.dumps({"public_url": PUBLIC_URL, "keys": items}))
    assert any(m in database_bytes(store) for m in key_material(old))

    keys = SiteKeys(store=store, clock=clock, head_office_url="http://10.0.0.5:8080")
    assert keys.current(KeyPurpose.REPLY_LINK) == old.keys[KeyPurpose.REPLY_LINK]
    assert keys.current(KeyPurpose.ROUTE_LINK) == old.keys[KeyPurpose.ROUTE_LINK]
    assert keys.current(KeyPurpose.STAFF_PIN) is None
    assert keys.link_base() == PUBLIC_URL
    assert store.get_value(KEYS_KV) is None
    assert store.get_value(PUBLIC_URL_KV) == PUBLIC_URL
    assert stat.S_IMODE(keys.key_file.path.stat().st_mode) == 0o600
    raw = database_bytes(store)
    for material in key_material(old):
        assert material not in raw  # the deleted row is overwritten, the WAL emptied

    # the next start finds them in the file alone
    again = SiteKeys(store=store, clock=clock, head_office_url="http://10.0.0.5:8080")
    assert again.current(KeyPurpose.BLIND_INDEX) == old.keys[KeyPurpose.BLIND_INDEX]


def test_a_move_cut_short_keeps_the_key_file_and_drops_the_row(env) -> None:
    store, clock = env
    fetched = site_key_set(2)
    SiteKeys(store=store, clock=clock).keep(fetched)
    stale = site_key_set(1, master=b"stale")
    items = [
        {"purpose": k.purpose.value, "version": k.version, "key": k.key.hex()}
        for k in stale.keys.values()
    ]
    store.set_value(KEYS_KV, json.dumps({"public_url": "", "keys": items}))
    keys = SiteKeys(store=store, clock=clock)
    assert keys.current(KeyPurpose.REPLY_LINK) == fetched.keys[KeyPurpose.REPLY_LINK]
    assert store.get_value(KEYS_KV) is None


def test_an_unreadable_key_file_is_fetched_again(env) -> None:
    store, clock = env
    head_office = FakeHeadOffice()
    head_office.keys = site_key_set()
    keys = SiteKeys(store=store, clock=clock, head_office=head_office)
    assert keys.fetch_now()
    keys.key_file.path.write_text("not json")
    again = SiteKeys(store=store, clock=clock, head_office=head_office)
    assert again.current(KeyPurpose.REPLY_LINK) is None and again.needs_fetch()
    assert again.fetch_now()
    assert again.current(KeyPurpose.REPLY_LINK) == head_office.keys.keys[KeyPurpose.REPLY_LINK]


def test_a_reply_key_set_by_hand_still_wins(env) -> None:
    store, clock = env
    head_office = FakeHeadOffice()
    head_office.keys = site_key_set()
    by_hand = SiteKey(KeyPurpose.REPLY_LINK, 7, derive(b"by hand", KeyPurpose.REPLY_LINK, "demo"))
    keys = SiteKeys(
        store=store, clock=clock, head_office=head_office, reply_key=format_versioned(by_hand)
    )
    assert keys.fetch_now()
    assert keys.current(KeyPurpose.REPLY_LINK) == by_hand
    assert keys.current(KeyPurpose.ROUTE_LINK) == head_office.keys.keys[KeyPurpose.ROUTE_LINK]
    # and is not written anywhere: it is in the settings file
    assert by_hand.key.hex().encode() not in keys.key_file.path.read_bytes()
    assert by_hand.key.hex().encode() not in database_bytes(store)
