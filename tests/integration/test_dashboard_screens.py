"""Every dashboard page in headless Chromium at 1366×768 (a laptop) and 390×844 (a phone), in
both languages: no script error or CSP violation, no page wider than the phone's screen (wide
tables scroll inside their own box), and a screenshot of each.

A plain run checks zh_CN on the laptop and English on the phone (English is the wider text;
half the time of all four) and keeps the screenshots in a temporary folder;
``DASHBOARD_SCREENSHOTS=docs`` checks all four and writes them into docs/screenshots
(``dashboard-<page>-<lang>-<width>.png``, what docs/dashboard.md shows).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sync.server.models import Alert, Visit, Visitor, WatchlistEntry
from tests.support.dashboard_env import PASSWORD, DashboardEnv
from tests.support.dashboard_shots import CHROMIUM, shot_folder, shot_runs

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REFUSED = re.compile(r"^Failed to load resource: .* status of (403|422) ")
PEOPLE = [
    ("张伟", "华为技术", "13812345678"),
    ("李娜", "腾讯科技", "13900001111"),
    ("Emma Müller", "Siemens AG", "15000002222"),
    ("王芳", "中国银行", "18600003333"),
    ("陈杰", "京东物流", "13700004444"),
    ("John Smith", "Acme Ltd", "13500005555"),
]


def seed(e: DashboardEnv) -> None:
    now = datetime.now(UTC)
    with e.ho.sessions() as s, s.begin():
        for i, (name, company, phone) in enumerate(PEOPLE * 2):
            site = "north" if i % 3 else "south"
            s.add(Visitor(id=f"vr{i}", site_id=site, name=name, company=company, phone=phone))
            at = now - timedelta(minutes=17 * i + 3)
            out = i >= 6
            s.add(
                Visit(
                    id=f"visit-{i:03d}",
                    site_id=site,
                    visitor_id=f"vr{i}",
                    state="checked_out" if out else "checked_in",
                    purpose="meeting",
                    created_at=at,
                    checked_in_at=at,
                    checked_out_at=at + timedelta(minutes=40) if out else None,
                    state_hlc="1",
                )
            )
        s.add(
            Alert(
                id="alert-1",
                site_id="north",
                kiosk_id="north-k1",
                kind="watchlist_match",
                severity="critical",
                message_key="",
                details={},
                raised_at=now - timedelta(minutes=5),
            )
        )
        s.add(
            WatchlistEntry(
                id="w1",
                site_id="*",
                name="赵某",
                phone="13600006666",
                reason="曾多次强行闯入 / forced entry twice",
                created_at=now - timedelta(days=3),
            )
        )


@pytest.fixture(scope="module")
def env(dashboard: DashboardEnv) -> DashboardEnv:
    e = dashboard
    seed(e)
    return e


def test_every_page_fits_a_laptop_and_a_phone_in_both_languages(
    env: DashboardEnv, tmp_path: Path
) -> None:
    assert Path(CHROMIUM).exists()
    from playwright.sync_api import sync_playwright

    folder = shot_folder(tmp_path)
    runs = shot_runs()
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for lang, (width, height) in runs:
                context = browser.new_context(
                    viewport={"width": width, "height": height},
                    extra_http_headers={"X-Forwarded-For": f"10.66.{width % 250}.1"},
                )
                page = context.new_page()

                def console(m, where: list[str] = errors) -> None:
                    if m.type == "error" and not REFUSED.match(m.text):
                        where.append(m.text)

                page.on("console", console)
                page.on("pageerror", lambda e: errors.append(str(e)))
                shoot_all(env, page, lang, width, folder)
                context.close()
        finally:
            browser.close()
    assert errors == []
    assert len(list(folder.glob("dashboard-*.png"))) >= 15 * len(runs)


def shoot_all(env: DashboardEnv, page, lang: str, width: int, folder: Path) -> None:
    base = env.url + "/dashboard"

    def shot(name: str) -> None:
        page.wait_for_load_state()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} at {width}px is {overflow}px too wide"
        page.screenshot(path=str(folder / f"dashboard-{name}-{lang}-{width}.png"))

    page.goto(f"{base}/login?lang={lang}")
    shot("login")
    page.fill("input[name=name]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    shot("overview")
    page.goto(f"{base}/onsite")
    page.wait_for_selector("#live-state[data-ok]")
    shot("onsite")
    page.goto(f"{base}/visits")
    shot("visits")
    page.goto(f"{base}/watchlist")
    shot("watchlist")
    page.goto(f"{base}/invitations?site=north")
    page.fill("#invite input[name=visitor_name]", "韩梅梅")
    page.fill("#invite input[name=company]", "新东方")
    page.click("#invite button[type=submit]")
    page.wait_for_selector("#invitation-code")
    shot("invitations")
    page.goto(f"{base}/sites/north/alerts")
    shot("alerts")
    page.goto(f"{base}/sites/north/report")
    shot("report")
    page.goto(f"{base}/sites/north/building")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "building.json",
                "mimeType": "application/json",
                "buffer": b'{"format": "lobby-kiosk-building/1", "floors": []}',
            }
        ],
    )
    page.click("#building-upload button[type=submit]")
    shot("building")
    page.goto(f"{base}/sites/north/directory")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "hosts.csv",
                "mimeType": "text/csv",
                "buffer": (
                    "工号,姓名,英文名,部门,邮箱\nx1,李娜,Li Na,没有的部门,\nx2,=1+1,,,\n"
                ).encode(),
            }
        ],
    )
    page.check("input[name=check_only]")
    page.click("form.row button[type=submit]")
    shot("directory")
    page.goto(f"{base}/sites/new")
    shot("site-new")
    page.goto(f"{base}/sites/north")
    page.click("form.row button[type=submit]")
    page.wait_for_selector("#enrollment-code")
    shot("site")
    page.goto(f"{base}/users")
    shot("users")
    page.goto(f"{base}/audit?chain=head-office&verify=true")
    shot("audit")
    # a denied page: signed in as a manager of north, asking for south
    page.click("form.inline button")  # sign out
    page.fill("input[name=name]", "manager")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{base}/sites/south")
    shot("denied")
    page.click("form.inline button")
