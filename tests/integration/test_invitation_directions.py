"""An invitation's directions link, from the dashboard to the guest's phone (issue 19): an admin
sets the site's postal address on the dashboard's site page (and a new site's on its form) of a
real ``kiosk-server`` (with a public URL and ``$KIOSK_SERVER_MAIL_URL``: the app's own mailer),
invites two guests to a host whose department is in room 503 of the site's building; each
guest's mail arrives at a real SMTP server (aiosmtpd) in their language with the address and a
link; the link opened in headless Chromium at 390×844 (a phone, no login) shows the way to room
503 with the address and nobody's name; the same link with one character changed gets the
translated "not valid" page.

``DASHBOARD_SCREENSHOTS=docs`` writes the two phone screenshots into docs/screenshots
(``invitation-route-<lang>-390.png``, what docs/dashboard.md shows); a plain run keeps them in
a temporary folder.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from notify_servers import SmtpServer
from PIL import Image

from kiosk.core.config.i18n import translate
from kiosk.core.wayfinding.building import DEMO_BUILDING, building_from_dict
from kiosk.core.wayfinding.phrasing import instructions
from kiosk.core.wayfinding.routes import route
from sync.server.buildings import store_building
from sync.server.models import Department, Host
from tests.support.dashboard_env import DashboardEnv, page_csrf
from tests.support.harness import ROOT, free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
ZH = "上海市浦东新区世纪大道100号北区大楼"
EN = "North Tower, 100 Century Avenue, Pudong, Shanghai"
LINK = re.compile(r"https?://[^\s]+/route/[A-Za-z0-9_\-.]+")
GUESTS = (("en", "lily@example.com", "Lily Brown"), ("zh_CN", "li@example.com", "李雷"))


def test_the_mailed_directions_link_shows_the_way_on_a_phone(tmp_path, monkeypatch) -> None:
    assert Path(CHROMIUM).exists(), f"Debian chromium is needed at {CHROMIUM}"
    from playwright.sync_api import sync_playwright

    shots = ROOT / "docs" / "screenshots"
    if os.environ.get("DASHBOARD_SCREENSHOTS") != "docs":
        shots = tmp_path / "shots"
    shots.mkdir(parents=True, exist_ok=True)
    smtp = SmtpServer().start()
    port = free_port()
    monkeypatch.setenv(
        "KIOSK_SERVER_MAIL_URL", f"mailto://127.0.0.1:{smtp.port}?from=office@example.com"
    )
    monkeypatch.setenv("KIOSK_SERVER_PUBLIC_URL", f"http://127.0.0.1:{port}")
    env = DashboardEnv(tmp_path / "ho", port=port)
    try:
        with env.ho.sessions() as s, s.begin():
            document = json.loads(DEMO_BUILDING.read_text(encoding="utf-8"))
            store_building(s, site_id="north", document=document, uploaded_by="test")
            s.add(
                Department(id="rnd", site_id="north", name_zh="研发部", name_en="R&D", room="503")
            )
            s.flush()
            s.add(
                Host(
                    id="h1",
                    site_id="north",
                    department_id="rnd",
                    name_zh="王芳",
                    name_en="Wang Fang",
                )
            )

        expected = route(building_from_dict(document), None, "503")  # what the kiosk draws
        admin = env.login("admin")
        # the address, on the site's page; a two-line one is refused with the reason
        site_page = "/dashboard/sites/north"
        refused = admin.post(
            f"{site_page}/address",
            data={
                "csrf": page_csrf(admin, site_page),
                "address_zh": "一行\n两行",
                "address_en": EN,
            },
        )
        assert refused.status_code == 400
        assert translate("site.address.invalid", "zh_CN") in refused.text
        saved = admin.post(
            f"{site_page}/address",
            data={"csrf": page_csrf(admin, site_page), "address_zh": ZH, "address_en": EN},
        )
        assert saved.status_code == 303
        assert ZH in admin.get(site_page).text

        # and on the new-site form
        form = {"id": "east", "name_zh": "东区", "name_en": "East", "timezone": "Asia/Shanghai"}
        too_long = admin.post(
            "/dashboard/sites/new",
            data={
                "csrf": page_csrf(admin, "/dashboard/sites/new"),
                **form,
                "address_en": "x" * 301,
            },
        )
        assert too_long.status_code == 400
        assert translate("site.address.invalid", "zh_CN") in too_long.text
        added = admin.post(
            "/dashboard/sites/new",
            data={
                "csrf": page_csrf(admin, "/dashboard/sites/new"),
                **form,
                "address_zh": "东路8号",
            },
        )
        assert added.status_code == 303
        assert 'id="site-address">东路8号<' in admin.get("/dashboard/sites/east").text

        day = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date().isoformat()
        links: dict[str, str] = {}
        for lang, address, name in GUESTS:
            made = admin.post(
                "/dashboard/invitations",
                data={
                    "csrf": page_csrf(admin, "/dashboard/invitations"),
                    "site_id": "north",
                    "visitor_name": name,
                    "host_id": "h1",
                    "day": day,
                    "email": address,
                    "language": lang,
                },
            )
            assert made.status_code == 200, made.text
            [mail] = smtp.mailbox.wait_for(address)
            text = mail.get_body(("plain",)).get_content()
            shown = ZH if lang == "zh_CN" else EN
            assert translate("invite_mail.address", lang, address=shown) in text
            [link] = LINK.findall(text)
            assert link.startswith(env.url + "/route/")
            assert f'href="{link}"' in mail.get_body(("html",)).get_content()
            links[lang] = link

        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
            )
            try:
                # a phone that never signed in to anything
                page = browser.new_page(
                    viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
                )
                errors: list[str] = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                for lang, link in links.items():
                    response = page.goto(link)
                    assert response is not None and response.status == 200
                    assert "503" in page.inner_text("h1")
                    shown = ZH if lang == "zh_CN" else EN
                    assert page.inner_text("#address") == translate(
                        "route.page.address", lang, address=shown
                    )
                    steps = [i.split("\n")[0] for i in page.locator("#steps li").all_inner_texts()]
                    assert steps == list(instructions(expected, lang))
                    assert page.locator("img.map").count() == 2
                    assert page.evaluate("document.documentElement.scrollWidth") <= 390
                    body = page.inner_text("body")
                    for who in ("Wang Fang", "王芳", "Lily", "李雷"):  # nobody's name
                        assert who not in body
                    assert errors == [], errors
                    shot = shots / f"invitation-route-{lang}-390.png"
                    page.screenshot(path=str(shot), full_page=True)
                    with Image.open(shot) as image:
                        assert image.width == 780 and image.height > 844 * 2

                link = links["en"]
                mac = link.rsplit(".", 1)[1]
                # its first character (the last one's low bits are base64 padding)
                altered = link.replace(mac, ("A" if mac[0] != "A" else "B") + mac[1:])
                response = page.goto(altered)
                assert response is not None and response.status == 400
                message = page.inner_text("#message")
                assert translate("route.page.invalid", "zh_CN") in message
                assert translate("route.page.invalid", "en") in message
            finally:
                browser.close()
    finally:
        env.close()
        smtp.stop()
