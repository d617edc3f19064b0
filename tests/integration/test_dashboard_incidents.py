"""The dashboard's emergency incidents over real HTTP: a site's list, one incident's record
(who stayed unaccounted for and for how long, the timeline, notes), its PDF, adding a note;
roles and site scoping; every view and download of names in the audit chain; and both pages
in headless Chromium at 1366×768 and 390×844 (as test_dashboard_screens.py: a plain run checks
zh_CN on the laptop and English on the phone, ``DASHBOARD_SCREENSHOTS=docs`` all four into
docs/screenshots)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from sync.server.dashboard import audit
from tests.support.dashboard_env import DashboardEnv, page_csrf
from tests.support.dashboard_shots import chromium, fitted_shot, shot_folder, signed_in_pages
from tests.support.incident_seed import EXPECTED, seed_incidents

pytestmark = [pytest.mark.integration, pytest.mark.slow]
RECORD = "/dashboard/sites/north/incidents/inc-s"


@pytest.fixture(scope="module")
def env(dashboard: DashboardEnv) -> DashboardEnv:
    e = dashboard
    with e.ho.sessions() as s, s.begin():
        seed_incidents(s)
    return e


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_record_shows_who_stayed_unaccounted_for_and_how_long(env: DashboardEnv) -> None:
    c = env.login("guard")  # security sees incidents
    listing = c.get("/dashboard/sites/north/incidents?lang=en")
    assert listing.status_code == 200 and "inc-s" in listing.text and "Drill" in listing.text
    page = c.get(RECORD)
    assert page.status_code == 200
    text = _text(page.text)
    for name, duration in EXPECTED.items():
        assert re.search(rf"{re.escape(name)}.*?{re.escape(duration)}", text), name
    assert "陈杰" not in text  # checked in after the start
    assert "消防队确认安全 all clear" in text and "north-k2 switched to emergency mode" in text
    assert "Not accounted for" in text  # Emma was still missing at the end


def test_the_pdf_has_every_name_and_duration(env: DashboardEnv, tmp_path: Path) -> None:
    c = env.login("admin")
    r = c.get(f"{RECORD}/record.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert "attachment" in r.headers["content-disposition"]
    path = tmp_path / "record.pdf"
    path.write_bytes(r.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for name, duration in EXPECTED.items():
        assert name in text and duration in text, name
    assert "北区大楼 / North Tower" in text and "演练 / Drill" in text


def test_a_note_from_the_dashboard_joins_the_record_and_an_empty_one_is_refused(
    env: DashboardEnv,
) -> None:
    c = env.login("manager")  # a site manager of north
    csrf = page_csrf(c, RECORD)
    r = c.post(f"{RECORD}/notes", data={"csrf": csrf, "note": "  "})
    assert r.status_code == 303 and "error=note" in r.headers["location"]
    assert "Please write the note" in c.get(f"{RECORD}?error=note&lang=en").text
    r = c.post(f"{RECORD}/notes", data={"csrf": csrf, "note": "B 出口被快递堵住 <b>x</b>"})
    assert r.status_code == 303
    page = c.get(RECORD).text
    assert "B 出口被快递堵住 &lt;b&gt;x&lt;/b&gt;" in page  # escaped, never markup
    assert c.post(f"{RECORD}/notes", data={"csrf": "stale", "note": "x"}).status_code == 403
    missing = c.post(
        "/dashboard/sites/north/incidents/nope/notes", data={"csrf": csrf, "note": "x"}
    )
    assert missing.status_code == 404


def test_roles_and_sites(env: DashboardEnv) -> None:
    manager = env.login("manager")
    assert manager.get("/dashboard/sites/north/incidents").status_code == 200
    for path in (
        "/dashboard/sites/south/incidents",
        "/dashboard/sites/south/incidents/inc-south",
        "/dashboard/sites/south/incidents/inc-south/record.pdf",
    ):
        assert manager.get(path).status_code == 403, path
    viewer = env.login("viewer")  # counts only: no incident record (names)
    for path in ("/dashboard/sites/north/incidents", RECORD, f"{RECORD}/record.pdf"):
        assert viewer.get(path).status_code == 403, path
    assert "/incidents" not in viewer.get("/dashboard/sites/north").text
    guard = env.login("guard")
    assert guard.get("/dashboard/sites/south/incidents/inc-south").status_code == 200
    assert guard.get("/dashboard/sites/north/incidents/inc-south").status_code == 404


def test_views_and_downloads_of_the_record_are_audited(env: DashboardEnv) -> None:
    c = env.login("admin")
    assert c.get(RECORD).status_code == 200
    assert c.get(f"{RECORD}/record.pdf").status_code == 200
    with env.ho.sessions() as s:
        entries = [e for e in audit.entries(s, chain=audit.CHAIN, limit=500)]
        seen = [(e.action, e.subject_kind, e.subject_id) for e in entries]
        assert ("dashboard.viewed", "incident", "inc-s") in seen
        assert ("dashboard.export", "incident", "inc-s") in seen
        assert audit.verify(s).ok
        assert all("张伟" not in str(e.details) for e in entries)  # counts, never names


def test_the_pages_in_chromium_fit_a_laptop_and_a_phone(env: DashboardEnv, tmp_path: Path) -> None:
    folder = shot_folder(tmp_path)
    errors: list[str] = []
    with chromium() as browser:
        for lang, width, page in signed_in_pages(
            browser, env.url, "guard", network="10.67", errors=errors, console=True
        ):
            base = env.url + "/dashboard"
            page.goto(f"{base}/sites/north/incidents")
            page.wait_for_selector("#incidents")
            fitted_shot(page, folder / f"dashboard-incidents-{lang}-{width}.png")
            page.click("#incidents a")
            page.wait_for_selector("#incident-people")
            assert "张伟" in page.inner_text("#incident-people")
            page.fill("#note", "集合点人手不足 / too few wardens at the assembly point")
            page.click("#note-form button[type=submit]")
            page.wait_for_selector(".note")
            assert "too few wardens" in page.inner_text("#notes")
            with page.expect_download() as download:
                page.click("#incident-pdf")
            assert download.value.suggested_filename.startswith("incident-north-")
            fitted_shot(page, folder / f"dashboard-incident-{lang}-{width}.png", full=True)
    assert errors == []
