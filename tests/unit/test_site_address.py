"""A site's postal address and the directions link in a guest's invitation mail, on a real
SQLite head-office database (migrated by Alembic): the address is checked by type and size
wherever a site is made or changed (records, API, ``kiosk-server`` commands), an address alone
never reaches the kiosks' feed; the guest's mail carries the address in their language and a
signed link to the route page from the lobby to the host's room that names nothing but the
room, and the route page (the real app, in process) shows the way and the address, and gives a
clear translated page for an altered link and for one past its invitation's day.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from datetime import UTC, datetime, timedelta
from html import escape

import httpx
import pytest
from sqlalchemy import func, select

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import ValidationError
from kiosk.core.config.i18n import translate
from kiosk.core.keys.hierarchy import KeyPurpose
from kiosk.core.wayfinding.building import DEMO_BUILDING
from kiosk.core.wayfinding.route_links import peek_key, verify
from sync.server.api.invitation_routes import create_invitation_record
from sync.server.api.schemas import InvitationCreate
from sync.server.api.sites_routes import create_site_record, update_site_record
from sync.server.app import create_app
from sync.server.buildings import store_building
from sync.server.cli import main as server_cli
from sync.server.db import make_engine, make_sessionmaker
from sync.server.invitation_mail import compose, queue_invitation_mail
from sync.server.keys import SECRET_ENV, ensure_master_secret, rotate_key, verifying_key
from sync.server.migrate import upgrade
from sync.server.models import Admin, Change, Department, Host, Site
from sync.server.security import digest, new_admin_token
from sync.server.site_address import ADDRESS_MAX, address_in, clean_address

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
BASE = "https://ho.example.com"
ZH = "上海市浦东新区世纪大道100号"
EN = "100 Century Avenue, Pudong, Shanghai"


@pytest.fixture
def url(tmp_path, monkeypatch) -> str:
    monkeypatch.delenv(SECRET_ENV, raising=False)  # the database's own secret signs
    monkeypatch.delenv("KIOSK_SERVER_REPLY_SECRET", raising=False)
    return f"sqlite:///{tmp_path / 'ho.sqlite3'}"


@pytest.fixture
def sessions(url):
    engine = make_engine(url)
    upgrade(engine)
    maker = make_sessionmaker(engine)
    with maker() as s, s.begin():
        ensure_master_secret(s, now=NOW)
        create_site_record(
            s, id="north", name_zh="北区大楼", name_en="North Tower", address_zh=ZH, address_en=EN
        )
        s.add(Department(id="rnd", site_id="north", name_zh="研发部", name_en="R&D", room="503"))
        s.flush()
        s.add(
            Host(id="h1", site_id="north", department_id="rnd", name_zh="王芳", name_en="Wang Fang")
        )
        s.add(
            Host(id="h2", site_id="north", department_id="", name_zh="赵强", name_en="Zhao Qiang")
        )
        document = json.loads(DEMO_BUILDING.read_text(encoding="utf-8"))
        store_building(s, site_id="north", document=document, uploaded_by="test")
    yield maker
    engine.dispose()


# -- the address ---------------------------------------------------------------------------------
def test_an_address_is_one_line_of_text_within_its_size() -> None:
    assert clean_address("  上海市  浦东新区 ", field="address_zh") == "上海市 浦东新区"
    assert clean_address("", field="address_en") == ""
    assert clean_address("x" * ADDRESS_MAX, field="address_en") == "x" * ADDRESS_MAX
    for bad in ("x" * (ADDRESS_MAX + 1), "line one\nline two", "a\x00b", "a\u2028b", 42, None):
        with pytest.raises(ValidationError) as caught:
            clean_address(bad, field="address_en")
        assert caught.value.message_key == "site.address.invalid"
        assert caught.value.field == "address_en"
    for lang in ("zh_CN", "en"):
        assert translate("site.address.invalid", lang) != "site.address.invalid"


def test_an_address_change_alone_stays_at_head_office(sessions) -> None:
    with sessions() as s, s.begin():
        site = s.get_one(Site, "north")
        assert (address_in(site, "zh_CN"), address_in(site, "en")) == (ZH, EN)
        before = s.scalar(select(func.count()).select_from(Change).where(Change.site_id == "north"))
        assert update_site_record(s, site, address_en="1 Bund Road, Shanghai") is True
        assert update_site_record(s, site, address_en="1 Bund Road, Shanghai") is False
        after = s.scalar(select(func.count()).select_from(Change).where(Change.site_id == "north"))
        assert after == before  # the kiosks are not told: they never show it
        assert update_site_record(s, site, address_zh="") is True
        assert address_in(site, "zh_CN") == "1 Bund Road, Shanghai"  # the other language's
        with pytest.raises(ValidationError):  # nothing changes on a bad address
            update_site_record(s, site, name_en="Renamed", address_zh="a\nb")
        assert site.name_en == "North Tower"


def test_the_admin_api_and_the_command_line_set_and_check_it(url, sessions, capsys) -> None:
    app = create_app(url)
    token = new_admin_token()
    with sessions() as s, s.begin():
        s.add(Admin(name="alice", token_hash=digest(token), created_at=NOW))
    headers = {"Authorization": f"Bearer {token}"}
    made = _call(
        app,
        "POST",
        "/api/v1/sites",
        headers=headers,
        json={
            "id": "east",
            "name_zh": "东区",
            "name_en": "East",
            "address_en": " 8 East Road ",
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["address_en"] == "8 East Road" and made.json()["address_zh"] == ""

    def patch(body: dict) -> httpx.Response:
        return _call(app, "PATCH", "/api/v1/sites/east", headers=headers, json=body)

    assert patch({"address_zh": "字" * (ADDRESS_MAX + 1)}).status_code == 422  # too long
    assert patch({"address_zh": 7}).status_code == 422  # not text
    assert patch({"address_zh": "a\nb"}).status_code == 400  # two lines
    assert patch({"address_zh": "东路8号"}).json()["address_zh"] == "东路8号"
    app.state.engine.dispose()

    cli = ["--database-url", url]
    assert (
        server_cli(
            [
                *cli,
                "add-site",
                "west",
                "--name-zh",
                "西区",
                "--name-en",
                "West",
                "--address-zh",
                "西路1号",
            ]
        )
        == 0
    )
    assert server_cli([*cli, "rename-site", "west", "--address-en", "1 West Road"]) == 0
    assert "1 West Road" in capsys.readouterr().out
    assert server_cli([*cli, "rename-site", "west", "--address-en", "x" * 301]) == 2
    assert "at most 300" in capsys.readouterr().err
    with sessions() as s:
        west = s.get_one(Site, "west")
        assert (west.address_zh, west.address_en) == ("西路1号", "1 West Road")


def _call(app, method: str, path: str, **kwargs) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ho") as c:
            return await c.request(method, path, **kwargs)

    return asyncio.run(go())


# -- the mail's directions link -------------------------------------------------------------------
def _mail(sessions, *, host: str | None, lang: str, until: datetime | None = None, base=BASE):
    with sessions() as s, s.begin():
        inv = create_invitation_record(
            s,
            InvitationCreate(
                site_id="north",
                visitor_name="Lily Brown",
                host_id=host,
                valid_from=until - timedelta(days=1) if until else None,
                valid_until=until,
            ),
        )
        record = queue_invitation_mail(s, inv, address="lily@example.com", language=lang, now=NOW)
        message = compose(s, record, sender="office@example.com", now=NOW, base_url=base)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def _link(text: str) -> str | None:
    found = re.search(re.escape(BASE) + r"/route/[A-Za-z0-9_\-.]+", text)
    return found.group(0) if found else None


def test_the_mail_has_the_address_and_a_signed_link_to_the_hosts_room(sessions) -> None:
    until = NOW + timedelta(days=3)
    for lang, address in (("en", EN), ("zh_CN", ZH)):
        text, html = _mail(sessions, host="h1", lang=lang, until=until)
        assert translate("invite_mail.address", lang, address=address) in text
        link = _link(text)
        assert link is not None and f'href="{link}"' in html
        assert escape(translate("invite_mail.directions_link", lang)) in html
        token = link.rsplit("/", 1)[1]
        with sessions() as s:
            site, version = peek_key(token)
            key, _ = verifying_key(s, site, KeyPurpose.ROUTE_LINK, version)
        parsed = verify(key, token, now=NOW)
        # the department's room (the host has none of their own), the guest's language, the
        # end of the invitation's day; nothing else: no name of the host or the guest
        assert (parsed.site_id, parsed.goal, parsed.lang) == ("north", "room:503", lang)
        assert parsed.expires == int(until.timestamp())
        payload = base64.urlsafe_b64decode(token.split(".")[0] + "==").decode()
        assert set(json.loads(payload)) <= {"v", "s", "g", "a", "l", "e", "k"}
        for name in ("Wang", "王芳", "Lily", "Brown"):
            assert name not in payload


def test_no_link_when_it_could_not_show_the_way(sessions) -> None:
    assert _link(_mail(sessions, host=None, lang="en")[0]) is None  # no host
    assert _link(_mail(sessions, host="h2", lang="en")[0]) is None  # no room anywhere
    assert _link(_mail(sessions, host="h1", lang="en", base="")[0]) is None  # no public URL
    with sessions() as s, s.begin():
        s.get_one(Host, "h2").room = "777"  # not on the site's building map
    text = _mail(sessions, host="h2", lang="en")[0]
    assert _link(text) is None and EN in text
    with sessions() as s, s.begin():
        s.get_one(Host, "h2").room = "201"
    assert _link(_mail(sessions, host="h2", lang="en")[0]) is not None


def test_a_department_without_a_room_has_the_building_files_room(sessions) -> None:
    with sessions() as s, s.begin():  # the demo building puts "hr" in room 205
        s.add(Department(id="hr", site_id="north", name_zh="人事部", name_en="HR"))
        s.flush()
        s.add(Host(id="h3", site_id="north", department_id="hr", name_zh="孙丽", name_en="Sun Li"))
    link = _link(_mail(sessions, host="h3", lang="zh_CN")[0])
    assert link is not None
    payload = base64.urlsafe_b64decode(link.rsplit("/", 1)[1].split(".")[0] + "==")
    assert json.loads(payload)["g"] == "room:205"


def test_the_route_page_of_a_mailed_link_and_its_attacks(url, sessions) -> None:
    until = NOW + timedelta(days=2)
    link = _link(_mail(sessions, host="h1", lang="en", until=until)[0])
    assert link is not None
    path = link.removeprefix(BASE)
    app = create_app(url)
    app.state.clock = FakeClock(NOW + timedelta(days=1))
    try:
        page = _call(app, "GET", path)
        assert page.status_code == 200, page.text
        assert translate("route.page.address", "en", address=EN) in page.text
        assert "503" in page.text and "<ol id=steps>" in page.text
        for name in ("Wang Fang", "王芳", "Lily", "Zhao", "赵强"):  # no one's name
            assert name not in page.text
        chinese = _call(app, "GET", path + "?lang=zh_CN")
        assert translate("route.page.address", "zh_CN", address=ZH) in chinese.text

        def refused(p: str, code: int, key: str) -> None:
            r = _call(app, "GET", p)
            assert r.status_code == code, (p, r.status_code)
            assert translate(key, "zh_CN") in r.text and translate(key, "en") in r.text
            assert "Traceback" not in r.text and "503" not in r.text

        token = path.rsplit("/", 1)[1]
        payload, mac = token.split(".")
        body = json.loads(base64.urlsafe_b64decode(payload + "=="))
        body["g"] = "room:201"  # another room, the signature kept
        forged = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
        refused(f"/route/{forged}.{mac}", 400, "route.page.invalid")
        # the first character: the last one's low bits are base64 padding, not signature
        flipped = ("A" if mac[0] != "A" else "B") + mac[1:]
        refused(f"/route/{payload}.{flipped}", 400, "route.page.invalid")
        app.state.clock = FakeClock(until + timedelta(seconds=1))  # the day is over
        refused(path, 410, "route.page.expired")

        # a route-key rotation ends at once a mailed link that outlives its 12-hour honour
        app.state.clock = FakeClock(NOW + timedelta(days=1))
        with sessions() as s, s.begin():
            rotate_key(s, "north", KeyPurpose.ROUTE_LINK, now=NOW + timedelta(hours=1))
        refused(path, 410, "route.page.expired")
        fresh = _link(_mail(sessions, host="h1", lang="en", until=until)[0])
        assert fresh is not None and _call(app, "GET", fresh.removeprefix(BASE)).status_code == 200
    finally:
        app.state.engine.dispose()
