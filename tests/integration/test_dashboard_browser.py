"""The dashboard in headless Chromium (Debian's, driven by Playwright) against a real
``kiosk-server`` process: signing in with and without a TOTP code, the lockout, CSRF and role
checks, a directory CSV with bad rows, and a site and kiosk added in the browser whose
visitor, checked in at a real kiosk (the app's own wiring, enrolled with the code the page
showed), appears on the on-site board without a reload.

Screenshots of every page at 1366×768 and 390×844 in both languages: test_dashboard_screens.py
(slow; it writes docs/screenshots when ``DASHBOARD_SCREENSHOTS=docs``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest

from kiosk.core.config.settings import load_settings
from kiosk.core.directory.demo import demo_directory, import_directory
from kiosk.core.visits.checkin import CheckinForm
from kiosk.services import build_services
from sync.client import enroll
from tests.support.dashboard_env import PASSWORD, DashboardEnv

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
EXPECTED_REFUSAL = re.compile(r"^Failed to load resource: .* status of (401|403|429) ")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def env(dashboard: DashboardEnv) -> DashboardEnv:
    return dashboard


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    assert Path(CHROMIUM).exists(), f"Debian chromium is needed at {CHROMIUM}"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Tab:
    """One browser context (its own cookies and address) with one page."""

    def __init__(self, env: DashboardEnv, browser, address: str, lang: str = "en") -> None:
        self.env = env
        self.context = browser.new_context(
            viewport={"width": 1366, "height": 768},
            extra_http_headers={"X-Forwarded-For": address},
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.lang = lang

    def _console(self, message) -> None:
        # the pages the tests expect to be refused (401, 403, 429) are logged as "failed to
        # load"; anything else (a missing file, a CSP violation, a script error) is a failure
        if message.type == "error" and not EXPECTED_REFUSAL.match(message.text):
            self.errors.append(message.text)

    def go(self, path: str):
        sep = "&" if "?" in path else "?"
        return self.page.goto(f"{self.env.url}{path}{sep}lang={self.lang}")

    def sign_in(self, name: str, password: str = PASSWORD, code: str = "") -> None:
        self.go("/dashboard/login")
        self.page.fill("input[name=name]", name)
        self.page.fill("input[name=password]", password)
        if code:
            self.page.fill("input[name=code]", code)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()

    def heading(self) -> str:
        return self.page.inner_text("h1")

    def close(self) -> None:
        self.context.close()


#: every tab of the module gets an address of its own: one a test locked out (the sixth wrong
#: password) must never be a later test's (an address taken from ``id()`` of a list could be,
#: as CPython hands a freed list's memory to the next)
_ADDRESSES = itertools.count(1)


@pytest.fixture
def tabs(env: DashboardEnv, browser) -> Iterator[object]:
    opened: list[Tab] = []

    def tab(lang: str = "en") -> Tab:
        n = next(_ADDRESSES)
        t = Tab(env, browser, f"10.77.{n // 250}.{n % 250 + 1}", lang)
        opened.append(t)
        return t

    yield tab
    for t in opened:
        assert t.errors == [], t.errors  # no script error, no CSP violation
        t.close()


def test_sign_in_with_and_without_a_totp_code(env: DashboardEnv, tabs) -> None:
    plain = tabs()
    plain.sign_in("admin")
    assert plain.heading() == "All sites"
    assert "North Tower" in plain.page.inner_text("main")

    second = tabs()
    second.sign_in("totp")  # the right password alone is not enough
    assert second.page.inner_text("[role=alert]") == "The name, password or code is not right."
    second.sign_in("totp", code=pyotp.TOTP(env.totp_secret).now())
    assert second.heading() == "All sites"

    zh = tabs("zh_CN")
    zh.sign_in("admin")
    assert zh.heading() == "各园区概况"


def test_the_sixth_wrong_password_locks_signing_in(env: DashboardEnv, tabs) -> None:
    env.add_user("guard2", "security", sites=["*"])
    tab = tabs()
    for _ in range(6):
        tab.sign_in("guard2", password="not the password")
    tab.sign_in("guard2")  # the right one, too late
    assert "locked" in tab.page.inner_text("[role=alert]")
    assert tab.page.url.endswith("/dashboard/login")


def test_a_tampered_form_and_another_sites_pages_are_refused(env: DashboardEnv, tabs) -> None:
    tab = tabs()
    tab.sign_in("manager")
    tab.go("/dashboard/sites/north")
    tab.page.eval_on_selector("form.row input[name=csrf]", "el => el.value = 'forged'")
    tab.page.fill("form.row input[name=name]", "Forged lobby")
    tab.page.click("form.row button[type=submit]")
    assert tab.heading() == "Not allowed"
    tab.go("/dashboard/sites/north")
    assert "Forged lobby" not in tab.page.inner_text("main")

    for path in ("/dashboard/sites/south", "/dashboard/visits?site=south"):
        response = tab.go(path)
        assert response.status == 403 and tab.heading() == "Not allowed", path
    response = tab.page.request.get(f"{env.url}/dashboard/visits.csv?site=south")
    assert response.status == 403
    tab.go("/dashboard/")
    assert "South Tower" not in tab.page.inner_text("main")


def test_a_directory_csv_with_bad_rows_keeps_the_good_ones(
    env: DashboardEnv, tabs, tmp_path: Path
) -> None:
    departments = tmp_path / "departments.json"
    departments.write_text(
        '{"format": "lobby-kiosk-directory/1", "departments": [{"id": "n-rnd", '
        '"name_zh": "研发部", "name_en": "R&D", "floor": "5", "room": "503"}]}',
        encoding="utf-8",
    )
    hosts = tmp_path / "hosts.csv"
    hosts.write_bytes(  # what Excel on Chinese Windows saves
        (
            "工号,姓名,英文名,部门,邮箱,手机\r\n"
            "n-h1,李娜,Li Na,研发部,li.na@example.com,138 0000 0001\r\n"
            'n-h2,=HYPERLINK("http://evil.example"),,研发部,,\r\n'
            "n-h3,王伟,Wang Wei,财务部,,\r\n"
        ).encode("gb18030")
    )
    tab = tabs()
    tab.sign_in("manager")
    tab.go("/dashboard/sites/north/directory")
    tab.page.set_input_files("input[type=file]", str(departments))
    tab.page.click("form.row button[type=submit]")
    assert "Imported: 1 departments, 0 hosts" in tab.page.inner_text(".report")

    tab.page.set_input_files("input[type=file]", str(hosts))
    tab.page.click("form.row button[type=submit]")
    report = tab.page.inner_text(".report")
    assert "2 rows have problems and were left out" in report
    problems = tab.page.locator("ul.problems li").all_inner_texts()
    assert problems == [
        "row 3, name_zh: '=HYPERLINK(\"http://evil.example\")' looks like a spreadsheet "
        "formula; refused (enter text)",
        "row 4, department: no department '财务部' at this site",
    ]
    hosts_table = tab.page.locator("section.card").last.inner_text()
    assert "n-h1" in hosts_table and "李娜" in hosts_table and "n-h2" not in hosts_table


def test_visitors_at_a_kiosk_added_in_the_browser_appear_on_site_without_reload(
    env: DashboardEnv, tabs, tmp_path: Path
) -> None:
    tab = tabs()
    tab.sign_in("admin")
    tab.go("/dashboard/sites/new")
    tab.page.fill("input[name=id]", "demo")
    tab.page.fill("input[name=name_zh]", "示范大厦")
    tab.page.fill("input[name=name_en]", "Demo Tower")
    tab.page.click("form.stack button[type=submit]")
    assert tab.heading() == "Demo Tower"
    tab.page.fill("form.row input[name=name]", "East lobby")
    tab.page.click("form.row button[type=submit]")
    code = tab.page.inner_text("#enrollment-code").strip()
    assert len(code) == 14 and tab.page.locator("img.qr").get_attribute("src").startswith(
        "data:image/png;base64,"
    )

    data = tmp_path / "kiosk"
    enroll(env.url, code, data_dir=data)
    settings = load_settings(environ={}).replace("kiosk", data_dir=str(data))
    kiosk = build_services(settings.replace("printer", backend="file"), start_workers=False)
    try:
        import_directory(kiosk.records, demo_directory())
        tab.go("/dashboard/onsite?site=demo")
        tab.page.wait_for_selector("#live-state:has-text('Updating live')")
        tab.page.evaluate("window.notReloaded = true")
        form = CheckinForm(
            name="张伟", phone="13812345678", purpose="meeting", host_id="h001", consent=True
        )
        visit = kiosk.checkin.check_in(form).visit
        assert kiosk.sync is not None
        kiosk.sync.sync_once()
        row = tab.page.wait_for_selector(f"tr[data-visit='{visit.id}']", timeout=20_000)
        assert "张伟" in row.inner_text()
        assert tab.page.evaluate("window.notReloaded") is True
        assert "1 on site" in tab.page.inner_text("#onsite-rows")

        # a guest invited in a second tab checks in at the kiosk with the code it showed
        invite = tabs()
        invite.sign_in("admin")
        invite.go("/dashboard/invitations?site=demo")
        invite.page.fill("#invite input[name=visitor_name]", "李雷")
        invite.page.fill("#invite input[name=company]", "韩梅梅贸易")
        invite.page.click("#invite button[type=submit]")
        code = invite.page.inner_text("#invitation-code").strip()
        assert len(code) == 8
        assert "李雷" in invite.page.inner_text("table")
        kiosk.sync.sync_once()  # pulls the invitation
        guest = kiosk.checkin.check_in_invitation(code).visit
        kiosk.sync.sync_once()
        row = tab.page.wait_for_selector(f"tr[data-visit='{guest.id}']", timeout=20_000)
        assert "李雷" in row.inner_text() and "韩梅梅贸易" in row.inner_text()
        assert tab.page.evaluate("window.notReloaded") is True
        invite.go("/dashboard/invitations?site=demo&state=used")
        assert code in invite.page.inner_text("table")
    finally:
        if kiosk.sync is not None:
            kiosk.sync.close()
        kiosk.stop()


def test_without_event_source_the_board_polls(env: DashboardEnv, tabs) -> None:
    from datetime import UTC, datetime

    from sync.server.models import Visit, Visitor

    tab = tabs()
    tab.page.add_init_script("delete window.EventSource")
    tab.sign_in("guard")
    tab.go("/dashboard/onsite?site=south")
    assert tab.page.inner_text("#live-state") == "○ Refreshing every few seconds"
    tab.page.evaluate("window.notReloaded = true")
    now = datetime.now(UTC)
    with env.ho.sessions() as s, s.begin():
        s.add(Visitor(id="vr-poll", site_id="south", name="轮询访客"))
        s.add(
            Visit(
                id="v-poll",
                site_id="south",
                visitor_id="vr-poll",
                state="checked_in",
                created_at=now,
                checked_in_at=now,
                state_hlc="1",
            )
        )
    row = tab.page.wait_for_selector("tr[data-visit='v-poll']", timeout=15_000)
    assert "轮询访客" in row.inner_text() and tab.page.evaluate("window.notReloaded") is True
