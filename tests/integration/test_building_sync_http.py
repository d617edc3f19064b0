"""Buildings distributed by sync and the route page, over real HTTP on loopback.

A real ``kiosk-server`` process on SQLite and on a real PostgreSQL 15 cluster: an admin uploads
a building (validated, 422 with every problem when wrong), an enrolled kiosk's ``sync_once``
writes ``<data dir>/building.json`` and its ``Directions`` route to a room only the new file
has; the route page answers a signed link with the steps in both languages and PNG maps, and
refuses forged and expired links with a clear page. Headless Chromium (Playwright) takes the
phone-sized screenshot in docs/screenshots/route-mobile.png.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pg_fixture import postgres  # noqa: F401  (fixture)
from PIL import Image

from kiosk.core.config.clock import SystemClock
from kiosk.core.config.i18n import translate
from kiosk.core.config.settings import Settings
from kiosk.core.keys.hierarchy import KeyPurpose, derive
from kiosk.core.wayfinding.building import DEMO_BUILDING
from kiosk.core.wayfinding.building_store import building_hash
from kiosk.core.wayfinding.directions import Directions
from kiosk.core.wayfinding.phrasing import instructions
from kiosk.core.wayfinding.route_links import RouteLinks, RouteToken, route_url, sign
from sync.client import HeadOfficeClient
from sync.server.keys import SECRET_ENV
from tests.support.harness import ROOT, HeadOffice, ServerProcess, enrolled_kiosk

pytestmark = pytest.mark.integration

API = "/api/v1"
SECRET = "test master secret for route links"
SCREENSHOT = ROOT / "docs" / "screenshots" / "route-mobile.png"
CHROMIUM = "/usr/bin/chromium"


def demo_document() -> dict:
    return json.loads(DEMO_BUILDING.read_text(encoding="utf-8"))


def with_new_room() -> dict:
    document = demo_document()
    document["rooms"].append(
        {
            "number": "588",
            "floor": "5",
            "waypoint": "f5.west",
            "name_zh": "新会议室",
            "name_en": "New meeting room",
        }
    )
    return document


class Env:
    def __init__(self, ho: HeadOffice, server: ServerProcess, admin_token: str) -> None:
        self.ho = ho
        self.database_url = ho.database_url
        self.server = server
        self.url = server.url
        self.admin = {"Authorization": f"Bearer {admin_token}"}
        self.http = httpx.Client(base_url=server.url, timeout=30)

    def new_site(self) -> str:
        site = "b" + uuid.uuid4().hex[:8]
        self.ho.add_site(site, f"大楼{site}", f"Tower {site}")
        return site

    def upload(self, site: str, document: dict, headers: dict | None = None) -> httpx.Response:
        return self.http.put(
            f"{API}/sites/{site}/building",
            json=document,
            headers=self.admin if headers is None else headers,
        )

    def link(self, site: str, goal: str, *, lang: str, accessible=False, ttl=600) -> str:
        key = derive(SECRET.encode(), KeyPurpose.ROUTE_LINK, site)
        token = RouteToken(site, goal, accessible, lang, int(time.time()) + ttl)
        return route_url(self.url, sign(key, token))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(request, tmp_path_factory) -> Iterator[Env]:
    folder = tmp_path_factory.mktemp(f"ho-buildings-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'head-office.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    ho = HeadOffice(url)
    saved = os.environ.get(SECRET_ENV)
    os.environ[SECRET_ENV] = SECRET  # the environment's secret wins over the database's
    try:
        server = ServerProcess(url, log_path=folder / "server.log").start()
    finally:
        if saved is None:
            os.environ.pop(SECRET_ENV)
        else:
            os.environ[SECRET_ENV] = saved
    e = Env(ho, server, ho.add_admin("alice"))
    yield e
    e.http.close()
    server.stop()
    ho.close()


# -- upload ------------------------------------------------------------------------------------
def test_upload_keeps_a_version_and_hash_and_the_same_file_changes_nothing(env: Env) -> None:
    site = env.new_site()
    r = env.upload(site, demo_document())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["version"] == 1 and body["changed"] is True
    assert body["sha256"] == building_hash(demo_document())
    assert body["uploaded_by"] == "alice"
    again = env.upload(site, demo_document()).json()
    assert again["version"] == 1 and again["changed"] is False
    newer = env.upload(site, with_new_room()).json()
    assert newer["version"] == 2 and newer["sha256"] == building_hash(with_new_room())
    got = env.http.get(f"{API}/sites/{site}/building", headers=env.admin)
    assert got.status_code == 200 and got.json() == with_new_room()


def test_a_bad_building_is_refused_with_every_problem(env: Env) -> None:
    site = env.new_site()
    bad = demo_document()
    bad["waypoints"].append(dict(bad["waypoints"][0]))
    bad["rooms"].append({"number": "999", "floor": "5", "waypoint": "nowhere"})
    r = env.upload(site, bad)
    assert r.status_code == 422, r.text
    problems = r.json()["problems"]
    assert any("duplicate id" in p for p in problems), problems
    assert any("unknown waypoint 'nowhere'" in p for p in problems), problems
    assert "2 problem" in r.json()["detail"]
    wrong_format = env.upload(site, {"format": "floorplan/9"})
    assert (
        wrong_format.status_code == 422 and "'format' must be" in wrong_format.json()["problems"][0]
    )
    not_an_object = env.http.put(f"{API}/sites/{site}/building", json=[1], headers=env.admin)
    assert not_an_object.status_code == 422
    # nothing was kept or sent
    assert env.http.get(f"{API}/sites/{site}/building", headers=env.admin).status_code == 404


def test_only_an_admin_uploads_and_only_the_sites_kiosks_receive_it(
    env: Env, tmp_path: Path
) -> None:
    site, other = env.new_site(), env.new_site()
    k = enrolled_kiosk(env.url, env.ho.add_kiosk(site), tmp_path / "k")
    try:
        kiosk_auth = {"Authorization": f"Bearer {k.token}"}
        assert env.upload(site, demo_document(), headers=kiosk_auth).status_code == 403
        assert env.upload(other, demo_document(), headers=kiosk_auth).status_code == 403
        assert env.upload(site, demo_document(), headers={}).status_code == 401
        bogus = {"Authorization": "Bearer at_not-a-real-token"}
        assert env.upload(site, demo_document(), headers=bogus).status_code == 401
        got = env.http.get(f"{API}/sites/{site}/building", headers=kiosk_auth)
        assert got.status_code == 403
        assert env.upload("no-such-site", demo_document()).status_code == 404

        assert env.upload(other, with_new_room()).status_code == 200
        k.client.sync_once()
        assert not (tmp_path / "k" / "building.json").exists()  # another site's building
    finally:
        k.close()


# -- end to end: upload → kiosk pull → Directions --------------------------------------------------
def test_upload_reaches_the_kiosk_and_its_directions(env: Env, tmp_path: Path) -> None:
    site = env.new_site()
    data = tmp_path / "k"
    k = enrolled_kiosk(env.url, env.ho.add_kiosk(site), data)
    try:
        settings = Settings().replace("site", id=site).replace("kiosk", data_dir=str(data))
        assert env.upload(site, demo_document()).status_code == 200
        k.client.sync_once()
        written = data / "building.json"
        assert json.loads(written.read_text(encoding="utf-8")) == demo_document()
        directions = Directions.for_site(settings, k.records)
        assert directions is not None
        assert "588" not in directions.building.room_by_number

        assert env.upload(site, with_new_room()).json()["version"] == 2
        k.client.sync_once()
        assert k.store.get_value("building.version") == "2"
        r = directions.route("588")  # the same object the app handed out, now on v2
        assert r.goal.room == "588"
        assert directions.instructions(r, "en")[-1].endswith("arrive at room 588")

        # the kiosk's QR link, signed with the key it fetches with its token, opens the page
        key = HeadOfficeClient(env.url, k.token).fetch_keys().keys[KeyPurpose.ROUTE_LINK]
        links = RouteLinks(base_url=env.url, site_id=site, key=lambda: key, clock=SystemClock())
        url = links.url_for(r, accessible=False, lang="en")
        assert url is not None
        page = env.http.get(url)
        assert page.status_code == 200, page.text
        assert "arrive at room 588" in page.text and "到达588室" in page.text
    finally:
        k.close()


def test_upload_building_from_the_command_line(env: Env, tmp_path: Path) -> None:
    site = env.new_site()
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(with_new_room(), ensure_ascii=False), encoding="utf-8")
    broken = demo_document()
    broken["rooms"].append({"number": "999", "floor": "5", "waypoint": "nowhere"})
    bad.write_text(json.dumps(broken), encoding="utf-8")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sync.server.cli", "--database-url", env.database_url, *args],
            capture_output=True,
            text=True,
            cwd=str(ROOT),
            timeout=60,
        )

    done = cli("upload-building", site, str(good))
    assert done.returncode == 0, done.stderr
    assert "building v1" in done.stdout and site in done.stdout
    same = cli("upload-building", site, str(good))
    assert same.returncode == 0 and "nothing sent" in same.stdout
    refused = cli("upload-building", site, str(bad))
    assert refused.returncode == 1
    assert "unknown waypoint 'nowhere'" in refused.stderr
    assert cli("upload-building", "no-such-site", str(good)).returncode == 1
    got = env.http.get(f"{API}/sites/{site}/building", headers=env.admin).json()
    assert got == with_new_room()


# -- the route page --------------------------------------------------------------------------------
def _steps(page: str) -> list[str]:
    import html

    return [html.unescape(s) for s in re.findall(r'<li lang="[^"]+">([^<]*)<', page)]


def _images(page: str) -> list[Image.Image]:
    found = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    return [Image.open(io.BytesIO(base64.b64decode(b))) for b in found]


def test_route_page_shows_the_steps_in_both_languages_and_the_maps(env: Env) -> None:
    site = env.new_site()
    assert env.upload(site, demo_document()).status_code == 200
    from kiosk.core.wayfinding.building import building_from_dict
    from kiosk.core.wayfinding.routes import route

    expected = route(building_from_dict(demo_document()), None, "503")
    zh, en = instructions(expected, "zh_CN"), instructions(expected, "en")

    r = env.http.get(env.link(site, "room:503", lang="zh_CN"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "script" not in r.text.lower()
    assert "default-src 'none'" in r.headers["content-security-policy"]
    page = r.text
    assert _steps(page) == list(zh)
    for line in en:  # the other language beneath each step
        assert line.replace("&", "&amp;") in page or line in page
    assert "乘2号电梯到5楼，出电梯后右转，右手第三间：503室" in page
    images = _images(page)
    assert len(images) == len(expected.floors) == 2
    assert all(im.format == "PNG" and im.width >= 900 for im in images)

    english = env.http.get(env.link(site, "room:503", lang="en")).text
    assert _steps(english) == list(en)
    switched = env.http.get(env.link(site, "room:503", lang="en"), params={"lang": "zh_CN"}).text
    assert _steps(switched) == list(zh)

    step_free = env.http.get(env.link(site, "room:201", lang="en", accessible=True)).text
    quick = env.http.get(env.link(site, "room:201", lang="en")).text
    assert translate("route.page.accessible", "en") in step_free
    assert "escalator" in " ".join(_steps(quick)).lower()
    assert "escalator" not in " ".join(_steps(step_free)).lower()


def test_route_page_refuses_bad_links_with_a_clear_page(env: Env) -> None:
    site = env.new_site()
    assert env.upload(site, demo_document()).status_code == 200
    good = env.link(site, "room:503", lang="en")
    token = good.rsplit("/", 1)[1]
    mac = token.split(".")[1]
    other_payload = env.link(site, "room:504", lang="en").rsplit("/", 1)[1].split(".")[0]

    def check(url: str, code: int, key: str) -> None:
        r = env.http.get(url)
        assert r.status_code == code, (url, r.status_code, r.text)
        assert translate(key, "zh_CN") in r.text and translate(key, "en") in r.text
        assert "Traceback" not in r.text

    check(f"{env.url}/route/{other_payload}.{mac}", 400, "route.page.invalid")
    check(f"{env.url}/route/not-a-token", 400, "route.page.invalid")
    check(env.link(site, "room:503", lang="en", ttl=-5), 410, "route.page.expired")
    # signed with the right key for another site's name: refused
    fake = RouteToken(site, "room:503", False, "en", int(time.time()) + 600)
    wrong_key = derive(SECRET.encode(), KeyPurpose.ROUTE_LINK, "someone-else")
    check(f"{env.url}/route/{sign(wrong_key, fake)}", 400, "route.page.invalid")
    check(env.link(site, "room:777", lang="en"), 404, "route.page.unknown_place")
    check(env.link(env.new_site(), "room:503", lang="en"), 404, "route.page.no_building")


# -- the phone -------------------------------------------------------------------------------------
def test_route_page_on_a_phone_sized_headless_chromium(env: Env, tmp_path: Path) -> None:
    # the documentation's screenshot comes from the SQLite server's run
    sqlite = env.database_url.startswith("sqlite")
    shot_path = SCREENSHOT if sqlite else tmp_path / "route-mobile.png"
    assert Path(CHROMIUM).exists(), f"Debian chromium is needed at {CHROMIUM}"
    from playwright.sync_api import sync_playwright

    site = env.new_site()
    assert env.upload(site, demo_document()).status_code == 200
    url = env.link(site, "room:503", lang="zh_CN")
    shot_path.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page(
                viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
            )
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            response = page.goto(url)
            assert response is not None and response.status == 200
            # laid out for the phone: nothing wider than the screen, the maps loaded
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            widths = page.eval_on_selector_all(
                "img.map", "els => els.map(e => [e.naturalWidth, e.clientWidth])"
            )
            assert len(widths) == 2 and all(n > 0 and 300 <= c <= 390 for n, c in widths)
            assert "503" in page.inner_text("h1")
            assert errors == [], errors  # e.g. a CSP violation
            page.screenshot(path=str(shot_path), full_page=True)
        finally:
            browser.close()
    with Image.open(shot_path) as shot:
        assert shot.width == 780 and shot.height > 844 * 2
