"""The blind index is keyed per site (issue 12, item 9), with a real ``kiosk-server``.

Before, every kiosk indexed phone numbers with SHA-256 and one fixed salt: a number was read
back from its index in 23 ms. Now the index is HMAC-SHA256 under the site's blind-index key,
derived by head office and fetched with the other site keys: two kiosks of one site index a
visitor alike, two sites never; a stand-alone kiosk has a key of its own; adopting a new key
re-indexes. Kiosks are built by the app's own wiring (``build_services``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.core.config.settings import load_settings
from kiosk.core.keys.hierarchy import KeyPurpose
from kiosk.services import Services, build_services
from sync.client import enroll
from tests.support.harness import HeadOffice, ServerProcess

pytestmark = [pytest.mark.integration]

PHONE = "13812345678"


@pytest.fixture(scope="module")
def head_office(tmp_path_factory) -> Iterator[tuple[HeadOffice, ServerProcess]]:
    folder = tmp_path_factory.mktemp("ho")
    url = f"sqlite:///{folder / 'head-office.sqlite3'}"
    ho = HeadOffice(url)
    for site in ("east", "west"):
        ho.add_site(site)
    server = ServerProcess(url, log_path=folder / "server.log").start()
    yield ho, server
    server.stop()
    ho.close()


def _kiosk(head_office, site: str, data: Path) -> Services:
    ho, server = head_office
    enroll(server.url, ho.add_kiosk(site), data_dir=data)
    settings = load_settings(environ={}).replace("kiosk", data_dir=str(data))
    services = build_services(settings, start_workers=False)
    assert services.site_keys.fetch_now()  # what the notify worker's refresh starts
    return services


def _visitor_key(services: Services) -> str:
    with services.store.transaction() as tx:
        visitor = services.records.add_visitor(tx, name="张伟", phone=PHONE)
    row = services.store.query_one("SELECT phone_key FROM visitors WHERE id = ?", (visitor.id,))
    return str(row[0])


def test_kiosks_of_a_site_index_alike_and_sites_differ(head_office, tmp_path) -> None:
    east1 = _kiosk(head_office, "east", tmp_path / "east1")
    east2 = _kiosk(head_office, "east", tmp_path / "east2")
    west = _kiosk(head_office, "west", tmp_path / "west")
    try:
        keys = [_visitor_key(k) for k in (east1, east2, west)]
        assert keys[0] == keys[1] != keys[2]
        # the same visitor, found by phone at the other kiosk of the site through its index
        assert east2.records.visitor_by_phone(PHONE) is not None
        salted = hashlib.sha256(b"lobby-kiosk" + f"phone:{PHONE}".encode()).hexdigest()
        assert salted not in keys  # not the fixed salt any more
        site_key = east1.site_keys.current(KeyPurpose.BLIND_INDEX)
        assert site_key is not None and east1.records.codec.current.key == site_key.key
        for k in (east1, east2, west):
            assert site_key.key not in k.store.path.read_bytes()  # the key is not in the database
    finally:
        for k in (east1, east2, west):
            k.stop()


def test_a_stand_alone_kiosk_has_its_own_key_and_adopting_the_site_key_reindexes(
    head_office, tmp_path
) -> None:
    ho, server = head_office
    data = tmp_path / "alone"
    settings = load_settings(environ={}).replace("kiosk", data_dir=str(data))
    alone = build_services(settings, start_workers=False)
    before = _visitor_key(alone)
    assert alone.records.codec.current.source == "local"
    alone.stop()
    # the same data directory, now enrolled at a site: the site key arrives, rows re-index
    enroll(server.url, ho.add_kiosk("east"), data_dir=data)
    enrolled = build_services(settings, start_workers=False)
    peer = _kiosk(head_office, "east", tmp_path / "peer")
    try:
        assert enrolled.site_keys.fetch_now()
        (row,) = enrolled.store.query("SELECT phone_key FROM visitors")
        assert row[0] != before and row[0] == _visitor_key(peer)
        assert enrolled.records.visitor_by_phone(PHONE) is not None
    finally:
        enrolled.stop()
        peer.stop()
