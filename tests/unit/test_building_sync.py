"""Buildings distributed by sync (kiosk side), the reloading ``Directions`` and route links.

The pull handler writes ``<data dir>/building.json`` atomically inside the pull's transaction;
``Directions`` picks the new file up on its next use; route tokens are signed per site and
refused when forged, altered or expired. Head office's validation of an upload is checked here
too (it is a pure function); the HTTP side is in tests/integration/test_building_sync_http.py.
"""

from __future__ import annotations

import json
import os
import random
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import DeniedError, NotFoundError
from kiosk.core.config.settings import Settings
from kiosk.core.keys.hierarchy import KeyPurpose, SiteKey, derive
from kiosk.core.models import Site
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from kiosk.core.wayfinding import building_store
from kiosk.core.wayfinding.building import DEMO_BUILDING, load_building
from kiosk.core.wayfinding.building_store import SHA_KV, VERSION_KV, building_hash
from kiosk.core.wayfinding.directions import Directions
from kiosk.core.wayfinding.route_links import (
    RouteLinks,
    RouteToken,
    peek_key,
    route_url,
    sign,
    verify,
)
from sync.fake import FakeHeadOffice
from sync.protocol import ChangeOut
from sync.server.buildings import BuildingRejected, check_building
from sync.worker import SyncClient

NEW_ROOM = {
    "number": "588",
    "floor": "5",
    "waypoint": "f5.west",
    "name_zh": "新会议室",
    "name_en": "New meeting room",
}


def demo_document() -> dict:
    return json.loads(DEMO_BUILDING.read_text(encoding="utf-8"))


def with_new_room() -> dict:
    document = demo_document()
    document["rooms"].append(dict(NEW_ROOM))
    return document


def change(cursor: int, document: dict, version: int, sha: str | None = None) -> ChangeOut:
    payload = {
        "site_id": "s1",
        "version": version,
        "sha256": sha or building_hash(document),
        "building": document,
    }
    return ChangeOut(
        cursor=cursor, kind="building.updated", entity_id="s1", hlc="", payload=payload
    )


@pytest.fixture
def kiosk(tmp_path: Path):
    clock = FakeClock()
    data = tmp_path / "data"
    data.mkdir()
    store = Store(data / "kiosk.sqlite3", clock=clock)
    records = Records(store)
    with store.transaction() as tx:
        records.upsert_site(tx, Site("s1", "一号", "One"))
    transport = FakeHeadOffice()
    client = SyncClient(
        store=store,
        records=records,
        head_office=transport,
        clock=clock,
        site_id="s1",
        kiosk_id="k1",
        rng=random.Random(1),
    )
    settings = Settings().replace("site", id="s1").replace("kiosk", data_dir=str(data))
    yield client, transport, store, data, settings
    client.close()
    store.close()


# -- the pull handler -------------------------------------------------------------------------
def test_a_pulled_building_is_written_and_directions_use_it_without_a_restart(kiosk) -> None:
    client, transport, store, data, settings = kiosk
    assert Directions.for_site(settings) is None  # not the demo site: no building yet
    transport.feed = [change(1, demo_document(), 1)]
    client.sync_once()
    written = data / "building.json"
    assert json.loads(written.read_text(encoding="utf-8")) == demo_document()
    assert store.get_value(VERSION_KV) == "1"
    assert store.get_value(SHA_KV) == building_hash(demo_document())
    assert not [p for p in data.iterdir() if p.name.endswith(".tmp")]

    directions = Directions.for_site(settings)
    assert directions is not None
    with pytest.raises(NotFoundError):
        directions.route("588")
    held = directions.summary  # what the print queue holds: the same object, not a copy

    transport.feed.append(change(2, with_new_room(), 2))
    client.sync_once()
    assert store.get_value(VERSION_KV) == "2"
    r = directions.route("588")
    assert r.goal.room == "588" and r.floors == ("1", "5")
    assert "588" in held(r, "zh_CN")


def test_the_same_change_twice_and_an_older_version_change_nothing(kiosk) -> None:
    client, transport, store, data, _ = kiosk
    transport.feed = [change(1, with_new_room(), 2)]
    client.sync_once()
    first = (data / "building.json").read_bytes()
    # a crash after the answer and before the commit: the same change comes again
    transport.feed.append(change(2, with_new_room(), 2))
    transport.feed.append(change(3, demo_document(), 1))  # stale: older than what is on disk
    client.sync_once()
    assert (data / "building.json").read_bytes() == first
    assert store.get_value(VERSION_KV) == "2"
    assert store.get_value("sync.cursor") == "3"


def test_a_bad_building_or_hash_is_skipped_and_the_old_file_stays(kiosk) -> None:
    client, transport, store, data, _ = kiosk
    transport.feed = [change(1, demo_document(), 1)]
    client.sync_once()
    before = (data / "building.json").read_bytes()
    broken = demo_document()
    broken["rooms"].append({"number": "999", "floor": "5", "waypoint": "nowhere"})
    transport.feed += [
        change(2, broken, 2),
        change(3, with_new_room(), 3, sha="0" * 64),
    ]
    client.sync_once()
    assert (data / "building.json").read_bytes() == before
    assert store.get_value(VERSION_KV) == "1"
    assert store.get_value("sync.cursor") == "3"  # skipped, not blocking the feed


def test_a_failed_write_rolls_the_pull_back(kiosk, monkeypatch) -> None:
    client, transport, store, data, _ = kiosk

    def full_disk(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(building_store, "write_atomically", full_disk)
    transport.feed = [change(1, demo_document(), 1)]
    with pytest.raises(OSError):
        client.sync_once()
    assert store.get_value("sync.cursor") in (None, "0")
    assert store.get_value(VERSION_KV) is None
    assert not (data / "building.json").exists()
    monkeypatch.undo()
    client.sync_once()  # the change comes again and now lands
    assert store.get_value(VERSION_KV) == "1" and (data / "building.json").is_file()


def test_atomic_write_leaves_the_old_file_when_it_fails(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "building.json"
    target.write_text("old")

    def no_rename(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(os, "replace", no_rename)
    with pytest.raises(OSError):
        building_store.write_atomically(target, b"new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["building.json"]


# -- Directions reloading -----------------------------------------------------------------------
def test_directions_keep_the_old_building_when_the_new_file_is_broken(tmp_path: Path) -> None:
    path = tmp_path / "building.json"
    path.write_text(json.dumps(with_new_room()), encoding="utf-8")
    directions = Directions(load_building(path), watch=path)
    assert directions.route("588").goal.room == "588"
    building_store.write_atomically(path, b'{"format": "lobby-kiosk-building/1"}')
    assert directions.route("588").goal.room == "588"  # logged, previous building kept
    building_store.write_atomically(path, json.dumps(demo_document()).encode())
    with pytest.raises(NotFoundError):
        directions.route("588")


def test_demo_site_switches_from_the_demo_tower_to_a_distributed_building(tmp_path) -> None:
    settings = Settings().replace("site", id="demo").replace("kiosk", data_dir=str(tmp_path))
    directions = Directions.for_site(settings)
    assert directions is not None and directions.building.source == str(DEMO_BUILDING)
    new = json.dumps(with_new_room()).encode()
    building_store.write_atomically(tmp_path / "building.json", new)
    assert directions.route("588").goal.room == "588"


# -- head office's check of an upload -----------------------------------------------------------
def test_upload_check_lists_every_problem() -> None:
    bad = demo_document()
    bad["waypoints"].append(dict(bad["waypoints"][0]))  # duplicate id
    bad["rooms"].append({"number": "999", "floor": "5", "waypoint": "nowhere"})
    bad["floors"][0]["image"] = "plan-1.png"
    bad["floors"][0]["image_bounds"] = [0, 0, 10, 10]
    with pytest.raises(BuildingRejected) as caught:
        check_building(bad)
    problems = caught.value.problems
    assert any("duplicate id" in p for p in problems), problems
    assert any("unknown waypoint 'nowhere'" in p for p in problems), problems
    assert any("floor images are not distributed" in p for p in problems), problems
    assert not any("missing floor image" in p for p in problems)
    with pytest.raises(BuildingRejected) as caught:
        check_building({"format": "something else"})
    assert "'format' must be" in caught.value.problems[0]
    assert check_building(with_new_room()).room_by_number["588"].floor == "5"


# -- route links ---------------------------------------------------------------------------------
SITE_KEY = derive(b"master secret", KeyPurpose.ROUTE_LINK, "s1")
NOW = FakeClock().now()


def _token(**changes) -> RouteToken:
    values = {
        "site_id": "s1",
        "goal": "room:503",
        "accessible": True,
        "lang": "en",
        "expires": int(NOW.timestamp()) + 60,
    }
    values.update(changes)
    return RouteToken(**values)


def test_route_token_round_trip_and_refusals() -> None:
    key = SITE_KEY
    token = sign(key, _token())
    assert peek_key(token) == ("s1", 1)
    assert verify(key, token, now=NOW) == _token()
    assert verify(key, token, now=NOW).target == "503"
    with pytest.raises(DeniedError) as caught:
        verify(key, token, now=NOW + timedelta(seconds=61))
    assert caught.value.message_key == "route.page.expired"
    payload, mac = token.split(".")
    other = sign(key, _token(goal="room:504")).split(".")[0]
    for forged in (f"{other}.{mac}", f"{payload}.{mac[:-2]}AA", "x.y", "", "a" * 600):
        with pytest.raises(DeniedError) as caught:
            verify(key, forged, now=NOW)
        assert caught.value.message_key == "route.page.invalid"
    # another site's key, the site's reply key or another version does not verify it
    for wrong in (
        derive(b"master secret", KeyPurpose.ROUTE_LINK, "s2"),
        derive(b"master secret", KeyPurpose.REPLY_LINK, "s1"),
        derive(b"master secret", KeyPurpose.ROUTE_LINK, "s1", 2),
    ):
        with pytest.raises(DeniedError):
            verify(wrong, token, now=NOW)
    with pytest.raises(ValueError):
        sign(key, _token(goal="host:h1"))  # never a person


def test_route_links_only_with_head_office_and_a_key() -> None:
    directions = Directions(load_building(DEMO_BUILDING))
    r = directions.route("503", accessible=True)
    clock = FakeClock()
    key = SiteKey(KeyPurpose.ROUTE_LINK, 1, SITE_KEY)
    assert (
        RouteLinks(base_url="", site_id="s1", key=lambda: key, clock=clock).url_for(
            r, accessible=True, lang="zh_CN"
        )
        is None
    )
    keys: list[SiteKey | None] = [None]
    links = RouteLinks(
        base_url="https://ho.example.com", site_id="s1", key=lambda: keys[0], clock=clock
    )
    assert links.url_for(r, accessible=True, lang="zh_CN") is None  # key not fetched yet
    keys[0] = key
    url = links.url_for(r, accessible=True, lang="zh_CN")
    assert url is not None and url.startswith("https://ho.example.com/route/")
    parsed = verify(SITE_KEY, url.rsplit("/", 1)[1], now=clock.now())
    assert parsed.goal == "room:503" and parsed.accessible and parsed.lang == "zh_CN"
    # after a rotation the link names the new version
    v2 = derive(b"master secret", KeyPurpose.ROUTE_LINK, "s1", 2)
    keys[0] = SiteKey(KeyPurpose.ROUTE_LINK, 2, v2)
    url = links.url_for(r, accessible=True, lang="zh_CN")
    assert url is not None and peek_key(url.rsplit("/", 1)[1]) == ("s1", 2)
    assert verify(v2, url.rsplit("/", 1)[1], now=clock.now()).key_version == 2
    assert route_url("https://ho/", "t") == "https://ho/route/t"


def test_a_route_made_before_a_reload_is_still_drawn_on_its_own_building(tmp_path) -> None:
    path = tmp_path / "building.json"
    path.write_text(json.dumps(with_new_room()), encoding="utf-8")
    directions = Directions(load_building(path), watch=path)
    r = directions.route("588")
    renamed = with_new_room()
    for floor in renamed["floors"]:
        floor["id"] = "L" + floor["id"]
    for item in renamed["waypoints"] + renamed["rooms"] + renamed.get("areas", []):
        if "floor" in item:
            item["floor"] = "L" + item["floor"]
    building_store.write_atomically(path, json.dumps(renamed).encode())
    assert directions.building.floor_by_id.keys() >= {"L1", "L5"}  # reloaded
    assert directions.floor_name("5", "en") == "Floor 5"  # of the building r was made on
    assert directions.render(r, "5", size=(320, 240), lang="en").size == (320, 240)
    assert directions.route("588").floors == ("L1", "L5")


# -- wiring -------------------------------------------------------------------------------------
def test_the_app_wires_route_links_to_head_office_and_the_fetched_site_key(tmp_path) -> None:
    from kiosk.core.config.settings import load_settings
    from kiosk.core.head_office.enrollment import ENROLLMENT_FILE, TOKEN_FILE
    from kiosk.core.keys.site_keys import KeySet
    from kiosk.services import build_services

    KEYS = KeySet({KeyPurpose.ROUTE_LINK: SiteKey(KeyPurpose.ROUTE_LINK, 1, SITE_KEY)})
    alone = tmp_path / "alone"
    alone.mkdir()
    services = build_services(
        load_settings(environ={"KIOSK_KIOSK_DATA_DIR": str(alone)}), demo=True, start_workers=False
    )
    try:
        services.site_keys.keep(KEYS)
        r = services.directions.route("503")
        assert services.route_links.url_for(r, accessible=False, lang="en") is None
    finally:
        services.stop()

    enrolled = tmp_path / "enrolled"
    enrolled.mkdir()
    (enrolled / TOKEN_FILE).write_text("kt_secret")
    (enrolled / ENROLLMENT_FILE).write_text(
        json.dumps(
            {
                "url": "http://127.0.0.1:9",
                "kiosk_id": "s1-k",
                "site_id": "s1",
                "site_name_zh": "一号",
                "site_name_en": "One",
                "site_timezone": "Asia/Shanghai",
            }
        )
    )
    (enrolled / "building.json").write_text(json.dumps(demo_document()), encoding="utf-8")
    services = build_services(
        load_settings(environ={"KIOSK_KIOSK_DATA_DIR": str(enrolled)}), start_workers=False
    )
    try:
        r = services.directions.route("503")
        assert services.route_links.url_for(r, accessible=False, lang="en") is None  # no key yet
        services.site_keys.keep(KEYS)  # what the fetch from head office keeps
        url = services.route_links.url_for(r, accessible=False, lang="en")
        assert url is not None and url.startswith("http://127.0.0.1:9/route/")
        parsed = verify(SITE_KEY, url.rsplit("/", 1)[1], now=services.clock.now())
        assert (parsed.site_id, parsed.goal) == ("s1", "room:503")
    finally:
        services.stop()
