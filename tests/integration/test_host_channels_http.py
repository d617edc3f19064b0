"""A host's own notify URLs set at head office reach the kiosk of its site over real HTTP.

A real ``kiosk-server`` process on SQLite and on a real PostgreSQL 15 cluster: the admin PUTs a
host with channels, the kiosk pulls them; a URL apprise does not understand is refused with a
400 that names it without its secrets; the URLs are credentials, so no kiosk token reads them
through the admin routes, no other site's feed carries them, and the server log never has them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pg_fixture import postgres  # noqa: F401  (fixture)
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from sync.server.db import make_engine
from sync.server.migrate import upgrade
from tests.support.harness import HeadOffice, KioskHarness, ServerProcess, enrolled_kiosk

pytestmark = pytest.mark.integration

API = "/api/v1"
SECRET = "hunter2-relay-pw"
MAIL = f"mailto://desk:{SECRET}@127.0.0.1:2525?from=desk@example.com&to=li@example.com"


class Env:
    def __init__(self, ho: HeadOffice, server: ServerProcess, admin_token: str, log: Path):
        self.ho = ho
        self.server = server
        self.log = log
        self.admin = {"Authorization": f"Bearer {admin_token}"}
        self.http = httpx.Client(base_url=server.url, timeout=30)

    def new_site(self) -> str:
        site = "s" + uuid.uuid4().hex[:8]
        self.ho.add_site(site, f"站点{site}", f"Site {site}")
        r = self.http.put(
            f"{API}/departments/{site}-rnd",
            json={"site_id": site, "name_zh": "研发部", "name_en": "R&D"},
            headers=self.admin,
        )
        assert r.status_code == 200, r.text
        return site

    def put_host(self, site: str, **fields) -> httpx.Response:
        body = {"site_id": site, "department_id": f"{site}-rnd", "name_zh": "李娜", **fields}
        return self.http.put(f"{API}/hosts/{site}-h1", json=body, headers=self.admin)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(request, tmp_path_factory) -> Iterator[Env]:
    folder = tmp_path_factory.mktemp(f"ho-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'head-office.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    ho = HeadOffice(url)
    log = folder / "server.log"
    server = ServerProcess(url, log_path=log).start()
    e = Env(ho, server, ho.add_admin("alice"), log)
    yield e
    e.http.close()
    server.stop()
    ho.close()


@pytest.fixture
def kiosks(env: Env, tmp_path: Path) -> Iterator[list[KioskHarness]]:
    opened: list[KioskHarness] = []
    yield opened
    for k in opened:
        k.close()


def _kiosk(env: Env, kiosks: list[KioskHarness], site: str, folder: Path) -> KioskHarness:
    k = enrolled_kiosk(env.server.url, env.ho.add_kiosk(site), folder)
    kiosks.append(k)
    return k


def test_channels_set_at_head_office_reach_the_kiosk(env: Env, kiosks, tmp_path: Path) -> None:
    site = env.new_site()
    k = _kiosk(env, kiosks, site, tmp_path / "k")
    r = env.put_host(site, notify_urls=[MAIL])
    assert r.status_code == 200, r.text
    assert r.json()["notify_urls"] == [MAIL]
    listed = env.http.get(f"{API}/hosts", params={"site_id": site}, headers=env.admin).json()
    assert listed[0]["notify_urls"] == [MAIL]  # admins configured them: they may read them

    k.client.sync_once()
    assert k.records.host(f"{site}-h1").notify_urls == (MAIL,)

    # a later edit that leaves them out clears them (PUT replaces the host, as for email)
    assert env.put_host(site, name_en="Li Na").status_code == 200
    k.client.sync_once()
    host = k.records.host(f"{site}-h1")
    assert host.notify_urls == () and host.name_en == "Li Na"


@pytest.mark.parametrize(
    ("bad", "shown"),
    [
        (f"nosuch://desk:{SECRET}@relay.example.com/x", "nosuch://"),
        ("slack://", "slack://"),
        ("just words", "notify_urls[1]"),
    ],
)
def test_a_url_apprise_does_not_understand_is_a_400_naming_it_without_secrets(
    env: Env, bad: str, shown: str
) -> None:
    site = env.new_site()
    r = env.put_host(site, notify_urls=[MAIL, bad])
    assert r.status_code == 400, r.text
    detail = r.json()["detail"]
    assert detail.startswith("notify_urls[1]: ") and shown in detail
    assert SECRET not in r.text
    # nothing was stored and nothing went to the feed
    assert env.http.get(f"{API}/hosts", params={"site_id": site}, headers=env.admin).json() == []


def test_no_kiosk_token_reads_the_channels_but_its_own_sites_feed(
    env: Env, kiosks, tmp_path: Path
) -> None:
    site, other = env.new_site(), env.new_site()
    mine = _kiosk(env, kiosks, site, tmp_path / "mine")
    foreign = _kiosk(env, kiosks, other, tmp_path / "foreign")
    assert env.put_host(site, notify_urls=[MAIL]).status_code == 200

    for k in (mine, foreign):
        auth = {"Authorization": f"Bearer {k.token}"}
        for params in ({}, {"site_id": site}):
            r = env.http.get(f"{API}/hosts", params=params, headers=auth)
            assert r.status_code == 403 and SECRET not in r.text
        r = env.http.put(
            f"{API}/hosts/{site}-h1",
            json={"site_id": site, "department_id": f"{site}-rnd"},
            headers=auth,
        )
        assert r.status_code == 403 and SECRET not in r.text
    assert SECRET not in env.http.get("/openapi.json").text

    foreign_feed = env.http.get(
        f"{API}/sync/pull", headers={"Authorization": f"Bearer {foreign.token}"}
    )
    assert foreign_feed.status_code == 200 and SECRET not in foreign_feed.text
    own_feed = env.http.get(f"{API}/sync/pull", headers={"Authorization": f"Bearer {mine.token}"})
    assert own_feed.status_code == 200 and MAIL in own_feed.json()["changes"][-1]["payload"].get(
        "notify_urls", []
    )
    foreign.client.sync_once()
    assert foreign.records.host(f"{site}-h1") is None
    assert SECRET not in env.log.read_text(errors="replace")


def test_hosts_stored_before_the_migration_get_no_channels(env: Env, request) -> None:
    if env.server.database_url.startswith("sqlite"):
        url = f"sqlite:///{env.log.parent / 'before-0005.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    engine = make_engine(url)
    try:
        upgrade(engine, "0004")
        with engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO sites (id, name_zh, name_en, timezone, settings, building_map, "
                    "change_seq) VALUES ('s1', 'x', 'x', 'UTC', '{}', '{}', 0)"
                )
            )
            c.execute(
                text(
                    "INSERT INTO hosts (id, site_id, department_id, name_zh, name_en, floor, "
                    "room, email, phone, language, away, delegate_id) VALUES "
                    "('h1', 's1', 'd1', '李', 'Li', '', '', '', '', 'zh_CN', false, NULL)"
                )
            )
        upgrade(engine)
        with engine.connect() as c:
            value = c.execute(text("SELECT notify_urls FROM hosts WHERE id = 'h1'")).scalar_one()
        assert value in ([], "[]")
    finally:
        engine.dispose()


def test_a_database_error_does_not_carry_the_rows_values(tmp_path: Path) -> None:
    """app.py logs database errors; their text must not hold a host's URLs."""
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        with engine.begin() as c:
            c.execute(text("CREATE TABLE t (id TEXT PRIMARY KEY, urls TEXT)"))
            c.execute(text("INSERT INTO t VALUES ('h1', :u)"), {"u": MAIL})
        with pytest.raises(IntegrityError) as caught, engine.begin() as c:
            c.execute(text("INSERT INTO t VALUES ('h1', :u)"), {"u": MAIL})
        assert "UNIQUE" in str(caught.value) and SECRET not in str(caught.value)
    finally:
        engine.dispose()
