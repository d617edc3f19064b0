"""The dashboard's emergency page over real HTTP (a real ``kiosk-server``): a start is asked
again before anything is recorded, then feeds the kiosks' own ``emergency.started`` entry;
the roll call lists who was on site with their marks; a security guard's mark is an
``emergency.marked`` entry fed to the site's kiosks; the end needs a reason; the rows
fragment and the event stream follow the entries; CSRF, roles and site scoping; each start,
mark, end and view of the names in the audit chain.

Then a security guard's phone (headless Chromium at 390×844, Debian's, driven by Playwright)
with a real kiosk of the other site: the app's own wiring (``build_services``), enrolled with
head office, its workers started (the sync worker with its held pull, at its default round
interval). The guard starts a drill in the browser (with the confirm step); the kiosk's
emergency mode starts from the fed entry; a mark made at the kiosk's console
(``EmergencyMode.mark``, the console's own use case) appears on the guard's roll call without
a reload; the guard's mark on the phone reaches the kiosk's roll call; the site manager of the
other site is refused and offered no link. On the way, the start form, its confirm page and
the roll call must fit a laptop and a phone (``tests/support/dashboard_shots.py``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from kiosk.core.config.settings import load_settings
from kiosk.core.directory.demo import demo_directory, import_directory
from kiosk.core.printing.fake import FakePrinter
from kiosk.services import build_services
from sync.client import enroll
from sync.server.dashboard import audit
from sync.server.models import Change, Visit, Visitor
from tests.support.dashboard_env import PASSWORD, DashboardEnv, page_csrf
from tests.support.dashboard_shots import CHROMIUM, fitted_shot, shot_folder, shot_runs
from tests.unit.emergency_fixtures import form

pytestmark = [pytest.mark.integration, pytest.mark.slow]
PAGE = "/dashboard/sites/north/emergency"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
#: the slowest a start or a mark may take to cross (held pulls: about a second)
WITHIN = 5.0


@pytest.fixture(scope="module")
def env(dashboard: DashboardEnv) -> DashboardEnv:
    e = dashboard
    at = datetime.now(UTC) - timedelta(minutes=30)
    with e.ho.sessions() as s, s.begin():
        for i, name in enumerate(("张伟", "Emma Müller")):
            s.add(Visitor(id=f"em-vr{i}", site_id="north", name=name, company="华为技术"))
            s.add(
                Visit(
                    id=f"em-v{i}",
                    site_id="north",
                    visitor_id=f"em-vr{i}",
                    kiosk_id="north-k1",
                    state="checked_in",
                    created_at=at,
                    checked_in_at=at,
                    state_hlc="1",
                )
            )
    return e


def _fed(env: DashboardEnv) -> list[tuple[str, dict]]:
    with env.ho.sessions() as s:
        rows = s.execute(
            select(Change.kind, Change.payload)
            .where(Change.site_id == "north")
            .order_by(Change.seq)
        ).all()
    return [(r.kind, r.payload) for r in rows if r.kind.startswith("emergency.")]


def _actions(env: DashboardEnv) -> list[str]:
    with env.ho.sessions() as s:
        assert audit.verify(s).ok
        found = audit.entries(s, chain=audit.CHAIN, limit=500)
        return [e.action for e in found if e.subject_kind == "emergency"]


def test_start_confirm_roll_call_mark_and_end(env: DashboardEnv) -> None:
    guard = env.login("guard")
    idle = guard.get(PAGE + "?lang=en")
    assert idle.status_code == 200 and "Start an emergency" in idle.text
    csrf = page_csrf(guard, PAGE)
    form = {"csrf": csrf, "emergency": "fire", "drill": "on"}

    # no token: refused; no confirm: the confirm page, nothing recorded; a bad kind: refused
    assert guard.post(f"{PAGE}/start", data={**form, "csrf": "x"}).status_code == 403
    ask = guard.post(f"{PAGE}/start", data=form)
    assert ask.status_code == 200 and 'name="confirm" value="yes"' in ask.text
    bad = guard.post(f"{PAGE}/start", data={**form, "emergency": "flood", "confirm": "yes"})
    assert bad.status_code == 303 and "error=kind" in bad.headers["location"]
    assert _fed(env) == []

    done = guard.post(f"{PAGE}/start", data={**form, "confirm": "yes"})
    assert done.status_code == 303
    [(kind, started)] = _fed(env)
    assert kind == "emergency.started" and started["drill"] is True
    assert started["emergency"] == "fire" and started["kiosk_id"] == "head-office"

    page = guard.get(PAGE + "?lang=en")
    assert "张伟" in page.text and "Emma Müller" in page.text and "Not marked" in page.text
    assert 'id="rollcall"' in page.text and "/emergency/events" in page.text

    # a mark: fed to the kiosks; a person not on the roll call, or an unknown mark: nothing
    mark = {"csrf": csrf, "person": "em-v1", "status": "missing"}
    assert guard.post(f"{PAGE}/marks", data=mark).headers["location"].endswith("#p-em-v1")
    stranger = guard.post(f"{PAGE}/marks", data={**mark, "person": "someone"})
    assert "error=person" in stranger.headers["location"]
    odd = guard.post(f"{PAGE}/marks", data={**mark, "status": "gone"})
    assert "error=person" in odd.headers["location"]
    marks = [p for k, p in _fed(env) if k == "emergency.marked"]
    assert [(m["person_id"], m["status"]) for m in marks] == [("em-v1", "missing")]
    rows = guard.get(f"{PAGE}/rows?lang=en").text
    assert 'data-person="em-v1" data-status="missing"' in rows and "hq-" in rows
    assert 'data-person="em-v0" data-status="unknown"' in rows

    # the stream's first event carries the signature the next entry moves
    with guard.stream("GET", f"{PAGE}/events") as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("data:"):
                first = line
                break
    assert first.startswith("data: 2|")  # the start and the one mark recorded

    # the end needs a reason
    no_reason = guard.post(f"{PAGE}/end", data={"csrf": csrf, "reason": " "})
    assert "error=reason" in no_reason.headers["location"]
    assert "Please give the reason" in guard.get(PAGE + "?error=reason&lang=en").text
    assert guard.post(f"{PAGE}/end", data={"csrf": csrf, "reason": "演练结束"}).status_code == 303
    assert _fed(env)[-1][0] == "emergency.ended"
    after = guard.get(PAGE + "?lang=en").text
    assert "Start an emergency" in after and "Its record" in after
    late = guard.post(f"{PAGE}/marks", data={**mark, "status": "accounted"})
    assert "error=none" in late.headers["location"]
    actions = _actions(env)
    for action in (
        "dashboard.emergency_started",
        "dashboard.emergency_marked",
        "dashboard.emergency_ended",
        "dashboard.viewed",
    ):
        assert action in actions, action
    assert actions.count("dashboard.emergency_marked") == 1


@pytest.mark.parametrize(
    ("who", "path", "code"),
    [
        ("manager", "/dashboard/sites/south/emergency", 403),  # another site's
        ("manager", "/dashboard/sites/south/emergency/rows", 403),
        ("manager", "/dashboard/sites/south/emergency/events", 403),
        ("viewer", PAGE, 403),  # counts only
        ("manager", PAGE, 200),
        ("admin", "/dashboard/sites/south/emergency", 200),
    ],
)
def test_roles_and_sites(env: DashboardEnv, who: str, path: str, code: int) -> None:
    assert env.login(who).get(path).status_code == code


def test_a_site_manager_cannot_start_one_at_another_site(env: DashboardEnv) -> None:
    c = env.login("manager")
    csrf = page_csrf(c, PAGE)
    start = {"csrf": csrf, "emergency": "fire", "confirm": "yes"}
    assert c.post("/dashboard/sites/south/emergency/start", data=start).status_code == 403
    assert 'id="emergency-link"' not in env.login("viewer").get("/dashboard/sites/north").text
    assert 'id="emergency-link"' in c.get("/dashboard/sites/north").text
    with env.ho.sessions() as s:
        kinds = s.scalars(select(Change.kind).where(Change.site_id == "south")).all()
    assert not [k for k in kinds if k.startswith("emergency.")]


def test_signed_out_stream_is_refused(env: DashboardEnv) -> None:
    with httpx.Client(base_url=env.url) as anon:
        r = anon.get(f"{PAGE}/events", headers={"Accept": "text/event-stream"})
    assert r.status_code == 401


@pytest.fixture
def kiosk(env: DashboardEnv, tmp_path: Path) -> Iterator[object]:
    data = tmp_path / "kiosk"
    enroll(env.url, env.ho.add_kiosk("south"), data_dir=data)
    settings = load_settings(environ={}).replace("kiosk", data_dir=str(data))
    services = build_services(
        settings.replace("printer", backend="file"), start_workers=False, printer=FakePrinter()
    )
    try:
        import_directory(services.records, demo_directory())
        services.start()
        yield services
    finally:
        services.stop()


@pytest.fixture
def phone() -> Iterator[object]:
    assert Path(CHROMIUM).exists(), f"Debian chromium is needed at {CHROMIUM}"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
            extra_http_headers={"X-Forwarded-For": "10.91.0.1"},
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page
        browser.close()
        assert errors == []


def _sign_in(page, url: str, name: str) -> None:
    page.goto(f"{url}/dashboard/login?lang=en")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _screens(browser, url: str, shots: list[str], folder: Path) -> None:
    """South's emergency page at the layout checks' sizes and languages (``shot_runs``;
    ``start``: the start form and its confirm page; ``rollcall``: the roll call under way);
    each must fit its width."""
    for lang, (width, height) in shot_runs():
        context = browser.new_context(
            viewport={"width": width, "height": height},
            extra_http_headers={"X-Forwarded-For": f"10.92.{width % 250}.1"},
        )
        page = context.new_page()
        _sign_in(page, url, "guard")
        page.goto(f"{url}/dashboard/sites/south/emergency?lang={lang}")
        for shot in shots:
            if shot == "start":
                fitted_shot(page, folder / f"dashboard-emergency-start-{lang}-{width}.png")
                page.click("#start button[type=submit]")
                fitted_shot(page, folder / f"dashboard-emergency-confirm-{lang}-{width}.png")
            else:
                page.wait_for_selector("#live-state:has-text('●')")
                fitted_shot(page, folder / f"dashboard-emergency-{lang}-{width}.png", full=True)
        context.close()


def _wait(condition, what: str, timeout: float = WITHIN) -> None:
    began = time.monotonic()
    while not condition():
        if time.monotonic() - began > timeout:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.05)


def test_a_drill_started_on_a_phone_reaches_the_kiosk_and_marks_cross_live(
    env: DashboardEnv, kiosk, phone, tmp_path: Path
) -> None:
    mode = kiosk.emergency.mode
    switched = threading.Event()
    mode.on_change(lambda incident: switched.set() if incident is not None else None)
    mine = kiosk.checkin.check_in(form(name="王芳", phone="13812340001")).visit.id
    theirs = kiosk.checkin.check_in(form(name="张伟", phone="13812340002", host="h002")).visit.id
    kiosk.checkin.check_in(form(name="Emma Müller", phone="13812340003"))  # stays unmarked
    page = phone
    shots = shot_folder(tmp_path)
    _screens(page.context.browser, env.url, ["start"], shots)
    _sign_in(page, env.url, "guard")
    page.goto(f"{env.url}/dashboard/sites/south/emergency?lang=en")
    page.select_option("select[name=emergency]", "fire")
    assert page.is_checked("input[name=drill]")
    page.click("#start button[type=submit]")
    assert page.inner_text("h1") == "Start emergency mode?"
    assert not switched.is_set()  # the confirm page records nothing
    clicked = time.monotonic()
    page.click("#confirm button.danger")
    assert switched.wait(WITHIN), "the kiosk did not switch to emergency mode"
    crossed = time.monotonic() - clicked
    incident = mode.current()
    assert incident is not None and incident.drill and incident.emergency == "fire"
    assert incident.started_on == "head-office"

    # both visitors (pushed by the kiosk at check-in) are on the guard's roll call
    page.wait_for_selector(f"tr[data-person='{theirs}']", timeout=WITHIN * 1000)
    page.wait_for_selector("#live-state:has-text('Updating live')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.evaluate("window.notReloaded = true")

    # a mark made at the kiosk's console appears on the phone without a reload
    marked = time.monotonic()
    mode.mark(by="st-desk", person_id=mine, status="accounted")
    page.wait_for_selector(
        f"tr[data-person='{mine}'][data-status='accounted']", timeout=WITHIN * 1000
    )
    shown = time.monotonic() - marked
    assert page.evaluate("window.notReloaded") is True
    assert "st-desk" in page.inner_text(f"tr[data-person='{mine}']")

    # the guard marks the other visitor missing on the phone: the kiosk's roll call has it
    tapped = time.monotonic()
    page.locator(f"tr[data-person='{theirs}'] button[value=missing]").tap()
    _wait(
        lambda: (m := mode.current().marks.get(theirs)) is not None and m.status == "missing",
        "the guard's mark on the kiosk",
    )
    back = time.monotonic() - tapped
    page.wait_for_selector(f"tr[data-person='{theirs}'][data-status='missing']")
    line = next(x for x in mode.roll_call().lines if x.person.person_id == theirs)
    assert line.status == "missing" and line.mark is not None and line.mark.by.startswith("hq-")
    _screens(page.context.browser, env.url, ["rollcall"], shots)
    print(
        f"start to kiosk {crossed:.2f} s; kiosk mark to phone {shown:.2f} s; "
        f"phone mark to kiosk {back:.2f} s"
    )

    # a site manager of another site: no link, and the page refused
    other = page.context.browser.new_context(extra_http_headers={"X-Forwarded-For": "10.91.0.2"})
    try:
        tab = other.new_page()
        _sign_in(tab, env.url, "manager")
        assert "/sites/south/emergency" not in tab.content()
        response = tab.goto(f"{env.url}/dashboard/sites/south/emergency")
        assert response is not None and response.status == 403
        assert tab.request.get(f"{env.url}/dashboard/sites/south/emergency/rows").status == 403
    finally:
        other.close()
