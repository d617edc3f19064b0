"""The desk's work in the dashboard, in headless Chromium against a real ``kiosk-server`` and a
kiosk wired by the app's own ``build_services`` (its sync rounds driven by the test):

- tickets raised at the kiosk: open and overdue per site, the filters, one ticket's record and
  timeline (an audit entry per view);
- receptionist accounts added, given a new PIN and disabled in the browser, each reaching the
  kiosk's PIN entry at its next pull;
- a person's export and erasure (confirmed by the kiosk) and a privacy incident;

and who may see what: a guard and a viewer see no tickets or staff, a site manager sees neither
another site's nor the privacy pages.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import DeniedError
from kiosk.core.config.settings import load_settings
from kiosk.core.keys.hierarchy import KeyPurpose
from kiosk.core.tickets.desk import VISITOR, TicketForm
from kiosk.core.visits.checkin import CheckinForm
from kiosk.services import Services, build_services
from sync.client import enroll
from sync.server.reception import AuditEntry
from tests.integration.test_dashboard_browser import ARGS, CHROMIUM
from tests.support.dashboard_env import PASSWORD, DashboardEnv

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PIN, NEW_PIN = "582947", "739164"
#: what the browser logs for the answers these tests expect (a refused form is a 400)
EXPECTED_REFUSAL = re.compile(r"^Failed to load resource: .* status of (400|403) ")
#: the kiosk's clock: its tickets were raised this long ago, so the first is overdue now
AGO = timedelta(days=3)


@pytest.fixture(scope="module")
def env(dashboard: DashboardEnv) -> DashboardEnv:
    return dashboard


@pytest.fixture(scope="module")
def kiosk(env: DashboardEnv, tmp_path_factory) -> Iterator[Services]:
    admin = {"Authorization": f"Bearer {env.ho.add_admin('desk-pages')}"}
    with httpx.Client(base_url=f"{env.url}/api/v1", headers=admin, timeout=30) as http:
        dept = {"site_id": "north", "name_zh": "研发部", "name_en": "R&D", "floor": "5"}
        assert http.put("/departments/north-rnd", json=dept).status_code in (200, 201)
        host = {"site_id": "north", "department_id": "north-rnd", "name_zh": "李娜"}
        assert http.put("/hosts/north-h1", json=host).status_code in (200, 201)
    data = tmp_path_factory.mktemp("desk-kiosk")
    enroll(env.url, env.ho.add_kiosk("north"), data_dir=data)
    settings = load_settings(environ={"KIOSK_KIOSK_DATA_DIR": str(data)})
    settings = settings.replace("printer", backend="file", out_dir=str(data / "badges"))
    clock = FakeClock(datetime.now(UTC) - AGO)
    services = build_services(settings, clock=clock, start_workers=False)
    assert services.sync is not None and services.site_keys is not None
    services.sync.sync_once()
    services.site_keys.refresh()
    deadline = time.monotonic() + 20
    while services.site_keys.current(KeyPurpose.STAFF_PIN) is None:
        assert time.monotonic() < deadline, "the site's staff-PIN key did not come"
        time.sleep(0.05)
    yield services
    services.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Tab:
    def __init__(self, env: DashboardEnv, browser, name: str, address: str) -> None:
        self.env = env
        self.context = browser.new_context(
            viewport={"width": 1366, "height": 768}, extra_http_headers={"X-Forwarded-For": address}
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on(
            "console",
            lambda m: (
                m.type == "error"
                and not EXPECTED_REFUSAL.match(m.text)
                and self.errors.append(m.text)
            ),
        )
        self.go("/dashboard/login")
        self.page.fill("input[name=name]", name)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()

    def go(self, path: str, lang: str = "en"):
        sep = "&" if "?" in path else "?"
        return self.page.goto(f"{self.env.url}{path}{sep}lang={lang}")

    def main(self) -> str:
        return self.page.inner_text("main")


@pytest.fixture
def tab(env: DashboardEnv, browser) -> Iterator[object]:
    opened: list[Tab] = []
    counter = iter(range(1, 250))

    def open_tab(name: str) -> Tab:
        t = Tab(env, browser, name, f"10.88.{id(opened) % 250}.{next(counter)}")
        opened.append(t)
        return t

    yield open_tab
    for t in opened:
        assert t.errors == [], t.errors
        t.context.close()


def _audit(env: DashboardEnv, action: str, subject_kind: str) -> list[AuditEntry]:
    with env.ho.sessions() as s:
        query = select(AuditEntry).where(
            AuditEntry.action == action, AuditEntry.subject_kind == subject_kind
        )
        return list(s.scalars(query))


def _refused(t: Tab, path: str) -> bool:
    response = t.go(path)
    return response is not None and response.status == 403


def test_tickets_per_site_filtered_and_one_tickets_timeline(
    env: DashboardEnv, kiosk: Services, tab
) -> None:
    late = kiosk.tickets.raise_ticket(
        VISITOR,
        TicketForm(
            kind="complaint",
            subject="大堂空调太冷",
            details="前台旁边",
            client_name="刘女士",
            contact="liu@example.com",
            consent=True,
            priority="high",
            source="help",
        ),
    )
    staff = kiosk.reception.staff.add("王芳", "receptionist", PIN)
    kiosk.tickets.act(staff, late.id, "note", seen=late.last_entry_id, note="已致电刘女士")
    kiosk.clock.advance(AGO.total_seconds() - 60)  # the second one is raised a minute ago
    fresh = kiosk.tickets.raise_ticket(VISITOR, TicketForm(kind="enquiry", subject="停车"))
    assert kiosk.sync is not None
    kiosk.sync.sync_once()

    manager = tab("manager")
    manager.go("/dashboard/tickets")
    tile = manager.page.inner_text("[data-site=north]")
    assert "Open\n2" in tile and "Overdue\n1" in tile
    assert "刘女士" not in manager.main()  # the list holds no personal data
    manager.page.check("input[name=overdue]")
    manager.page.click("form.filters button[type=submit]")
    rows = manager.page.locator("tbody tr[data-ticket]")
    assert rows.count() == 1 and rows.first.get_attribute("data-ticket") == late.id
    assert "overdue" in rows.first.inner_text()
    manager.page.select_option("select[name=kind]", "enquiry")
    manager.page.uncheck("input[name=overdue]")
    manager.page.click("form.filters button[type=submit]")
    assert (
        manager.page.locator("tbody tr[data-ticket]").all_inner_texts()[0].startswith(fresh.number)
    )

    before = len(_audit(env, "dashboard.viewed", "ticket"))
    manager.go("/dashboard/tickets?site=north&overdue=1")
    manager.page.click(f"tr[data-ticket='{late.id}'] a")
    assert manager.page.inner_text("h1") == f"Ticket {late.number}"
    record = manager.main()
    assert "刘女士" in record and "liu@example.com" in record and "大堂空调太冷" in record
    timeline = manager.page.locator("ol.timeline li").all_inner_texts()
    assert "已致电刘女士" in timeline[0] and "note" in timeline[0]
    [*_, viewed] = _audit(env, "dashboard.viewed", "ticket")
    assert len(_audit(env, "dashboard.viewed", "ticket")) == before + 1
    assert viewed.subject_id == late.id and viewed.site_id == "north"
    assert "刘女士" not in json.dumps(viewed.details, ensure_ascii=False)

    zh = manager.go(f"/dashboard/tickets/{late.id}", lang="zh_CN")
    assert zh is not None and zh.status == 200 and "处理记录" in manager.main()

    # the site manager's own sites only; a guard and a viewer see no tickets
    assert _refused(manager, "/dashboard/tickets?site=south")
    for name in ("guard", "viewer"):
        other = tab(name)
        assert _refused(other, "/dashboard/tickets"), name
        assert _refused(other, f"/dashboard/tickets/{late.id}"), name
        assert "Tickets" not in other.page.inner_text("header nav")


def test_receptionist_accounts_added_reset_and_disabled_reach_the_kiosk(
    env: DashboardEnv, kiosk: Services, tab
) -> None:
    manager = tab("manager")
    manager.go("/dashboard/sites/north")
    manager.page.click("nav.tabs >> text=Staff")
    assert manager.page.inner_text("h1") == "Receptionist accounts"
    form = "#staff-add"
    manager.page.fill(f"{form} input[name=name]", "陈静")
    manager.page.select_option(f"{form} select[name=role]", "supervisor")
    manager.page.fill(f"{form} input[name=pin]", "12345")
    manager.page.click(f"{form} button[type=submit]")
    assert manager.page.inner_text("[role=alert]") == "A PIN has at least 6 digits"
    assert manager.page.input_value(f"{form} input[name=name]") == "陈静"  # kept; the PIN not
    assert manager.page.input_value(f"{form} input[name=pin]") == ""
    manager.page.fill(f"{form} input[name=pin]", "123456")
    manager.page.click(f"{form} button[type=submit]")
    assert "too easy" in manager.page.inner_text("[role=alert]")
    assert manager.page.input_value(f"{form} select[name=role]") == "supervisor"
    manager.page.fill(f"{form} input[name=pin]", PIN.replace("5", "4"))
    manager.page.click(f"{form} button[type=submit]")
    assert manager.page.inner_text("[role=status]") == "The account was added."
    row = manager.page.locator("tr[data-staff]", has_text="陈静")
    staff_id = row.get_attribute("data-staff")
    assert staff_id and "supervisor" in row.inner_text()

    assert kiosk.sync is not None
    kiosk.sync.sync_once()
    assert kiosk.reception.staff.enter(PIN.replace("5", "4")).staff.name == "陈静"

    row.locator("input[name=pin]").fill(NEW_PIN)
    row.locator("form.pin button").click()
    assert manager.page.inner_text("[role=status]") == "The new PIN was set."
    kiosk.sync.sync_once()
    assert kiosk.reception.staff.enter(NEW_PIN).staff.name == "陈静"

    manager.page.locator(f"tr[data-staff='{staff_id}'] button", has_text="Disable").click()
    assert "disabled" in manager.page.inner_text(f"tr[data-staff='{staff_id}']")
    kiosk.sync.sync_once()
    with pytest.raises(DeniedError):
        kiosk.reception.staff.enter(NEW_PIN)
    actions = [e.action for e in _audit(env, "dashboard.staff_added", "staff")]
    actions += [e.action for e in _audit(env, "dashboard.staff_pin_reset", "staff")]
    actions += [e.action for e in _audit(env, "dashboard.staff_disabled", "staff")]
    assert actions == [
        "dashboard.staff_added",
        "dashboard.staff_pin_reset",
        "dashboard.staff_disabled",
    ]
    assert _audit(env, "dashboard.viewed", "page")  # the list itself

    # another site's accounts, and the guard's and viewer's: refused
    assert _refused(manager, "/dashboard/sites/south/staff")
    forged = manager.page.request.post(
        f"{env.url}/dashboard/sites/north/staff/{staff_id}/disabled",
        form={"csrf": "forged", "disabled": "0"},
    )
    assert forged.status == 403
    for name in ("guard", "viewer"):
        assert _refused(tab(name), "/dashboard/sites/north/staff"), name


def test_a_persons_export_and_erasure_and_a_privacy_incident(
    env: DashboardEnv, kiosk: Services, tab, tmp_path: Path
) -> None:
    form = CheckinForm(
        name="赵小红", phone="13900001111", purpose="meeting", host_id="north-h1", consent=True
    )
    kiosk.checkin.check_in(form)
    assert kiosk.sync is not None
    kiosk.sync.sync_once()

    admin = tab("admin")
    admin.go("/dashboard/sites/north/privacy")
    assert admin.page.inner_text("h1") == "Privacy"
    admin.page.fill("#person-export input[name=mobile]", "13900001111")
    with admin.page.expect_download() as got:
        admin.page.click("#person-export button")
    exported = json.loads(Path(got.value.path()).read_text(encoding="utf-8"))
    assert [v["name"] for v in exported["visitors"]] == ["赵小红"]

    admin.page.fill("#person-erase input[name=mobile]", "13900001111")
    admin.page.click("#person-erase button")
    assert "Tick the box" in admin.page.inner_text("[role=alert]")
    admin.page.fill("#person-erase input[name=mobile]", "13900001111")
    admin.page.check("#person-erase input[name=confirm]")
    admin.page.click("#person-erase button")
    assert "erased here" in admin.page.inner_text("[role=status]")
    assert "0 of 1" in admin.page.inner_text("tr[data-erasure]")
    kiosk.sync.sync_once()  # applies the erasure and confirms it
    kiosk.sync.sync_once()
    admin.go("/dashboard/sites/north/privacy")
    assert "1 of 1" in admin.page.inner_text("tr[data-erasure]")

    admin.page.fill("#incident-add input[name=what]", "访客名单打印件遗失")
    admin.page.fill("#incident-add textarea[name=mobiles]", "13900001111")
    admin.page.fill("#incident-add input[name=told]", "监管部门")
    admin.page.click("#incident-add button")
    assert "recorded" in admin.page.inner_text("[role=status]")
    assert "访客名单打印件遗失" in admin.page.inner_text("tr[data-incident]")
    assert "13900001111" not in admin.main()

    for name in ("manager", "guard", "viewer"):
        other = tab(name)
        assert _refused(other, "/dashboard/sites/north/privacy"), name
        response = other.page.request.post(
            f"{env.url}/dashboard/sites/north/privacy/export",
            form={"csrf": "x", "mobile": "13900001111"},
        )
        assert response.status == 403, name


def test_the_desk_pages_fit_a_laptop_and_a_phone(env: DashboardEnv, kiosk: Services, browser):
    """The pages above at 1366×768 and 390×844: nothing wider than the screen, no script error
    or CSP violation; screenshots as test_dashboard_screens.py takes them (all four with
    ``DASHBOARD_SCREENSHOTS=docs``, into docs/screenshots)."""
    from tests.support.dashboard_shots import SIZES, shot_folder

    assert kiosk.sync is not None
    assert kiosk.sync.run_round() is not None  # a round of the worker: its health report too
    with env.ho.sessions() as s:
        viewed = select(AuditEntry.subject_id).where(AuditEntry.subject_kind == "ticket")
        ticket_id = s.scalars(viewed).first()
    folder = shot_folder(Path(env.folder) / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    every = os.environ.get("DASHBOARD_SCREENSHOTS") == "docs"
    pages = {
        "kiosks": "/dashboard/sites/north",
        "tickets": "/dashboard/tickets",
        "ticket": f"/dashboard/tickets/{ticket_id}",
        "staff": "/dashboard/sites/north/staff",
        "privacy": "/dashboard/sites/north/privacy",
    }
    for lang in ("zh_CN", "en"):
        for width, height in SIZES:
            if not every and (lang, width) not in (("zh_CN", 1366), ("en", 390)):
                continue
            context = browser.new_context(
                viewport={"width": width, "height": height},
                extra_http_headers={"X-Forwarded-For": f"10.89.{width % 250}.{len(lang)}"},
            )
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m, e=errors: m.type == "error" and e.append(m.text))
            page.goto(f"{env.url}/dashboard/login?lang={lang}")
            page.fill("input[name=name]", "admin")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            for name, path in pages.items():
                page.goto(env.url + path)
                page.wait_for_load_state()
                overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
                assert overflow <= 0, f"{name} at {width}px is {overflow}px too wide"
                page.screenshot(path=str(folder / f"dashboard-{name}-{lang}-{width}.png"))
            context.close()
            assert errors == [], errors
