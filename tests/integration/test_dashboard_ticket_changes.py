"""Tickets changed in the dashboard reach the kiosk, in headless Chromium against a real
``kiosk-server`` and a kiosk wired by the app's own ``build_services`` (its sync rounds driven by
the test):

a site manager assigns a ticket raised at the kiosk to a department and a person there,
acknowledges it and resolves it with a note (a resolve without one is refused with the reason;
a page that showed an older entry is refused as changed meanwhile); the timeline names who did
each; each change is in both audit chains; the kiosk's next pull gives its ticket the new status,
department and outcome. Guards, viewers, another site's manager and a form without its CSRF
token change nothing. Screenshots of the ticket page (and of the alerts page with a quiet
kiosk's alert) at 1366×768 and 390×844 in both languages.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from kiosk.core.config.settings import load_settings
from kiosk.core.tickets.desk import VISITOR, TicketForm
from kiosk.services import Services, build_services
from sync.client import enroll
from sync.server.dashboard.models import DashboardUser
from sync.server.models import Kiosk
from sync.server.quiet_kiosks import check_quiet
from sync.server.reception import AuditEntry
from tests.integration.test_dashboard_browser import ARGS, CHROMIUM
from tests.support.dashboard_env import PASSWORD, DashboardEnv, page_csrf
from tests.support.dashboard_shots import SIZES, shot_folder

pytestmark = [pytest.mark.integration, pytest.mark.slow]

#: what the browser logs for the refusals these tests expect
EXPECTED_REFUSAL = re.compile(r"^Failed to load resource: .* status of (400|409) ")


@pytest.fixture(scope="module")
def env(dashboard: DashboardEnv) -> DashboardEnv:
    dashboard.add_user("southman", "site_manager", sites=["south"])
    return dashboard


@pytest.fixture(scope="module")
def kiosk(env: DashboardEnv, tmp_path_factory) -> Iterator[Services]:
    admin = {"Authorization": f"Bearer {env.ho.add_admin('ticket-changes')}"}
    with httpx.Client(base_url=f"{env.url}/api/v1", headers=admin, timeout=30) as http:
        for dept, zh, en in (("north-rnd", "研发部", "R&D"), ("north-fm", "物业部", "Facilities")):
            body = {"site_id": "north", "name_zh": zh, "name_en": en}
            assert http.put(f"/departments/{dept}", json=body).status_code in (200, 201)
        body = {"site_id": "south", "name_zh": "保安部", "name_en": "Security"}
        assert http.put("/departments/south-sec", json=body).status_code in (200, 201)
    data = tmp_path_factory.mktemp("ticket-kiosk")
    enroll(env.url, env.ho.add_kiosk("north"), data_dir=data)
    settings = load_settings(environ={"KIOSK_KIOSK_DATA_DIR": str(data)})
    settings = settings.replace("printer", backend="file", out_dir=str(data / "badges"))
    services = build_services(settings, start_workers=False)
    assert services.sync is not None
    services.sync.sync_once()
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
    def __init__(self, env: DashboardEnv, browser, name: str, address: str, size=SIZES[0]) -> None:
        self.env = env
        width, height = size
        self.context = browser.new_context(
            viewport={"width": width, "height": height},
            extra_http_headers={"X-Forwarded-For": address},
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

    def click(self, selector: str) -> None:
        with self.page.expect_navigation():
            self.page.click(selector)

    def timeline(self) -> list[str]:
        return self.page.locator("ol.timeline li").all_inner_texts()


@pytest.fixture
def tab(env: DashboardEnv, browser) -> Iterator[object]:
    opened: list[Tab] = []

    def open_tab(name: str, size=SIZES[0]) -> Tab:
        t = Tab(env, browser, name, f"10.91.{len(opened) + 1}.{size[0] % 250}", size)
        opened.append(t)
        return t

    yield open_tab
    for t in opened:
        assert t.errors == [], t.errors
        t.context.close()


def _operator(env: DashboardEnv, name: str) -> str:
    with env.ho.sessions() as s:
        return f"hq-{s.scalar(select(DashboardUser.id).where(DashboardUser.name == name))}"


def _heard(env: DashboardEnv, kiosk_id: str):
    """When head office last heard from the kiosk (UTC)."""
    with env.ho.sessions() as s:
        seen = s.get_one(Kiosk, kiosk_id).last_seen_at
    assert seen is not None
    return seen if seen.tzinfo else seen.replace(tzinfo=UTC)


def _audit(env: DashboardEnv, subject_id: str) -> list[tuple[str, str, str]]:
    """Head office's entries about a ticket (both chains), views left out."""
    with env.ho.sessions() as s:
        query = (
            select(AuditEntry.kiosk_id, AuditEntry.action, AuditEntry.actor)
            .where(
                AuditEntry.subject_id == subject_id,
                AuditEntry.kiosk_id.like("head-office%"),
                AuditEntry.action != "dashboard.viewed",
            )
            .order_by(AuditEntry.kiosk_id, AuditEntry.seq)
        )
        return [tuple(r) for r in s.execute(query)]  # type: ignore[misc]


def test_a_ticket_assigned_acknowledged_and_resolved_in_the_browser_reaches_the_kiosk(
    env: DashboardEnv, kiosk: Services, tab
) -> None:
    raised = kiosk.tickets.raise_ticket(
        VISITOR,
        TicketForm(
            kind="complaint", subject="电梯异响", client_name="周先生", consent=True, source="help"
        ),
    )
    assert kiosk.sync is not None
    kiosk.sync.sync_once()
    manager, hq = tab("manager"), _operator(env, "manager")
    page = f"/dashboard/tickets/{raised.id}"
    manager.go(page)
    assert manager.page.locator("#ticket-step").count() == 0  # open: assign first
    manager.page.select_option("#ticket-assign select[name=department_id]", "north-fm")
    manager.page.fill("#ticket-assign input[name=person]", "张工")
    manager.click("#ticket-assign button[type=submit]")
    assert "The ticket is assigned." in manager.page.inner_text("main")
    first = manager.timeline()[0]
    assert "assigned" in first and "物业部 / Facilities" in first and "张工" in first
    assert manager.page.locator("ol.timeline li [data-by]").first.inner_text() == "manager"

    # a second page, opened now, goes stale once the manager acknowledges
    stale = tab("admin")
    stale.go(page)
    manager.click("#ticket-step button[value=acknowledged]")
    assert "In progress" in manager.page.inner_text("p.sub")
    stale.click("#ticket-step button[value=acknowledged]")
    assert "Someone else changed this ticket" in stale.page.inner_text("[role=alert]")

    manager.click("#ticket-step button[value=resolved]")  # without a note
    assert manager.page.inner_text("[role=alert]") == "Please write a note."
    manager.page.fill("#ticket-step textarea[name=note]", "已更换曳引机轴承，试运行正常")
    manager.click("#ticket-step button[value=resolved]")
    assert "The ticket is resolved." in manager.page.inner_text("main")
    assert manager.page.locator("#ticket-change").count() == 0  # nothing more to do here
    entries = manager.page.locator("ol.timeline li")
    actions = [entries.nth(i).get_attribute("data-action") for i in range(entries.count())]
    assert actions == ["resolved", "acknowledged", "assigned"]
    assert "已更换曳引机轴承" in manager.timeline()[0]

    chains = _audit(env, raised.id)
    assert ("head-office", "dashboard.ticket_changed", hq) in chains
    assert [a for c, a, _ in chains if c == "head-office"].count("dashboard.ticket_changed") == 3
    assert [(a, who) for c, a, who in chains if c == "head-office:north"] == [
        ("ticket.assigned", hq),
        ("ticket.acknowledged", hq),
        ("ticket.resolved", hq),
    ]

    # the kiosk's next pull: the same path a department's link takes
    kiosk.sync.sync_once()
    on_kiosk = kiosk.tickets.ticket(raised.id)
    assert (on_kiosk.status, on_kiosk.department_id, on_kiosk.person) == (
        "resolved",
        "north-fm",
        "张工",
    )
    assert on_kiosk.outcome == "已更换曳引机轴承，试运行正常"
    assert [e.by for e in on_kiosk.entries] == [hq, hq, hq]
    # the kiosk's list filters by the refolded row
    assert raised.id in [t.id for t in kiosk.tickets.tickets(status=("resolved",))]


def test_who_may_change_a_ticket(env: DashboardEnv, kiosk: Services) -> None:
    raised = kiosk.tickets.raise_ticket(VISITOR, TicketForm(kind="enquiry", subject="停车"))
    assert kiosk.sync is not None
    kiosk.sync.sync_once()
    step = f"/dashboard/tickets/{raised.id}/step"
    form = {"action": "assigned", "seen": "", "department_id": "north-rnd"}
    for name, code in (("guard", 403), ("viewer", 403), ("southman", 404)):
        c = env.login(name)
        r = c.post(step, data={**form, "csrf": page_csrf(c)})
        assert r.status_code == code, (name, r.status_code)
    manager = env.login("manager")
    assert manager.post(step, data=form).status_code == 403  # no CSRF token
    csrf = page_csrf(manager)
    other_site = {**form, "department_id": "south-sec", "csrf": csrf}
    r = manager.post(f"{step}?lang=en", data=other_site)
    assert r.status_code == 400 and "No such department." in r.text
    r = manager.post(
        f"{step}?lang=en", data={**form, "action": "resolved", "note": "x", "csrf": csrf}
    )
    assert r.status_code == 400 and "That cannot be done to a ticket." in r.text
    assert kiosk.tickets.ticket(raised.id).entries == ()
    assert _audit(env, raised.id) == []  # nothing refused was written
    r = manager.post(step, data={**form, "csrf": csrf})
    assert r.status_code == 303
    kiosk.sync.sync_once()
    assert kiosk.tickets.ticket(raised.id).status == "assigned"


def test_the_changed_pages_at_a_laptop_and_a_phone(env: DashboardEnv, kiosk: Services, tab):
    """The ticket page with its change form and the alerts page with a quiet kiosk's alert:
    nothing wider than the screen, no script error; two of the shots here, all eight with
    ``DASHBOARD_SCREENSHOTS=docs`` (into docs/screenshots)."""
    raised = kiosk.tickets.raise_ticket(
        VISITOR, TicketForm(kind="service_request", subject="会议室投影仪无信号", priority="high")
    )
    assert kiosk.sync is not None
    kiosk.sync.sync_once()
    manager = tab("manager")
    manager.go(f"/dashboard/tickets/{raised.id}")
    manager.page.select_option("#ticket-assign select[name=department_id]", "north-rnd")
    manager.page.fill("#ticket-assign input[name=note]", "请今天下午前处理")
    manager.click("#ticket-assign button[type=submit]")
    # the kiosk was quiet once (cleared by its next round's health report) and is again
    kiosk_id = kiosk.settings.kiosk.id
    with env.ho.sessions() as s, s.begin():
        since = _heard(env, kiosk_id)
        assert check_quiet(s, now=since + timedelta(milliseconds=1), after=timedelta(0)).raised
    assert kiosk.sync.run_round() is not None
    heard = _heard(env, kiosk_id)
    with env.ho.sessions() as s, s.begin():
        assert check_quiet(s, now=heard, after=timedelta(hours=1)).cleared == 1
        later = heard + timedelta(minutes=31)
        assert check_quiet(s, now=later, after=timedelta(minutes=30)).raised
    folder = shot_folder(Path(env.folder) / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    pages = {
        "ticket-change": f"/dashboard/tickets/{raised.id}",
        "alerts-quiet": "/dashboard/sites/north/alerts?state=all",
    }
    every = os.environ.get("DASHBOARD_SCREENSHOTS") == "docs"
    for lang in ("zh_CN", "en"):
        for size in SIZES:
            if not every and (lang, size[0]) not in (("zh_CN", 1366), ("en", 390)):
                continue
            t = tab("admin", size)
            for name, path in pages.items():
                t.go(path, lang=lang)
                overflow = t.page.evaluate("document.documentElement.scrollWidth - innerWidth")
                assert overflow <= 0, f"{name} at {size[0]}px is {overflow}px too wide"
                if name == "alerts-quiet":
                    key = "终端已有一段时间未与总部同步" if lang == "zh_CN" else "has not synced"
                    rows = t.page.locator("tr[data-alert='kiosk.quiet']").all_inner_texts()
                    assert len(rows) == 2 and all(key in r for r in rows)
                    cleared = "已于" if lang == "zh_CN" else "Cleared at"
                    assert cleared in rows[1] and cleared not in rows[0]
                t.page.screenshot(
                    path=str(folder / f"dashboard-{name}-{lang}-{size[0]}.png"), full_page=True
                )
