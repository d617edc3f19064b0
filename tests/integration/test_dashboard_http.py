"""The dashboard over real HTTP (a ``kiosk-server`` process): sessions, CSRF, roles, site
scoping, exports, security headers and the audit chain. The browser's view is
test_dashboard_browser.py."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest

from sync.server.dashboard import audit
from sync.server.models import Visit, Visitor
from tests.support.dashboard_env import PASSWORD, DashboardEnv, login_csrf, page_csrf

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def env(dashboard: DashboardEnv) -> DashboardEnv:
    e = dashboard
    now = datetime.now(UTC)
    with e.ho.sessions() as s, s.begin():
        for site, name in (("north", '=HYPERLINK("http://x")'), ("south", "南区访客")):
            s.add(Visitor(id=f"vr-{site}", site_id=site, name=name, phone="13812345678"))
            s.add(
                Visit(
                    id=f"v-{site}",
                    site_id=site,
                    visitor_id=f"vr-{site}",
                    state="checked_in",
                    created_at=now,
                    checked_in_at=now,
                    state_hlc="1",
                )
            )
    return e


def test_pages_need_a_session_and_the_session_cookie_is_strict(env: DashboardEnv) -> None:
    anonymous = env.client()
    r = anonymous.get("/dashboard/visits")
    assert r.status_code == 303 and r.headers["location"] == "/dashboard/login"
    c = env.client()
    r = c.post(
        "/dashboard/login",
        data={"name": "admin", "password": PASSWORD, "csrf": login_csrf(c)},
    )
    cookie = r.headers["set-cookie"]
    assert "kd_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain HTTP here; behind TLS the cookie is Secure
    assert c.get("/dashboard/visits").status_code == 200
    # sign out: the same cookie no longer opens a page
    cookie_value = c.cookies["kd_session"]
    assert c.post("/dashboard/logout", data={"csrf": page_csrf(c)}).status_code == 303
    replay = env.client()
    replay.cookies.set("kd_session", cookie_value, path="/dashboard")
    assert replay.get("/dashboard/visits").status_code == 303


def test_every_answer_has_the_security_headers(env: DashboardEnv) -> None:
    c = env.login("admin")
    for path in ("/dashboard/login", "/dashboard/", "/dashboard/static/dashboard.css"):
        headers = c.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in headers  # only behind TLS
    page = c.get("/dashboard/").text
    assert "<script>" not in page and "style=" not in page


def test_a_wrong_password_and_a_missing_totp_code_get_the_same_answer(env: DashboardEnv) -> None:
    answers = []
    for name, password, code in (
        ("admin", "wrong password!", ""),
        ("nobody", PASSWORD, ""),
        ("totp", PASSWORD, ""),
        ("totp", PASSWORD, "000000"),
    ):
        c = env.client()
        r = c.post(
            "/dashboard/login",
            data={"name": name, "password": password, "code": code, "csrf": login_csrf(c)},
        )
        assert r.status_code == 401
        answers.append(r.text.split("<main>")[1].replace(login_csrf(c), ""))
    assert len(set(answers)) == 1
    code = pyotp.TOTP(env.totp_secret).now()
    env.login("totp", code=code)
    # the same code a second time (read over a shoulder, or from a log) is refused
    c = env.client()
    r = c.post(
        "/dashboard/login",
        data={"name": "totp", "password": PASSWORD, "code": code, "csrf": login_csrf(c)},
    )
    assert r.status_code == 401


def test_login_without_the_login_forms_token_is_refused(env: DashboardEnv) -> None:
    c = env.client()
    login_csrf(c)
    r = c.post("/dashboard/login", data={"name": "admin", "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 403 and "kd_session" not in r.headers.get("set-cookie", "")


@pytest.mark.slow
def test_the_sixth_failure_locks_the_account_even_from_another_address(env: DashboardEnv) -> None:
    env.add_user("locked", "viewer", sites=["north"])
    for _ in range(6):
        c = env.client()
        c.post(
            "/dashboard/login",
            data={"name": "locked", "password": "not it at all", "csrf": login_csrf(c)},
        )
    c = env.client()
    r = c.post(
        "/dashboard/login", data={"name": "locked", "password": PASSWORD, "csrf": login_csrf(c)}
    )
    assert r.status_code == 429
    assert "kd_session" not in r.headers.get("set-cookie", "")
    env.login("viewer")  # another account is not locked


def test_a_post_without_the_sessions_csrf_token_changes_nothing(env: DashboardEnv) -> None:
    c = env.login("admin")
    r = c.post(
        "/dashboard/sites/new",
        data={"id": "forged", "name_zh": "伪造", "name_en": "Forged", "csrf": "x"},
    )
    assert r.status_code == 403
    assert c.get("/dashboard/sites/forged").status_code == 404
    r = c.post(
        "/dashboard/sites/new",
        data={"id": "east", "name_zh": "东区", "name_en": "East", "csrf": page_csrf(c)},
    )
    assert r.status_code == 303 and r.headers["location"] == "/dashboard/sites/east"


def test_a_site_manager_sees_only_their_sites(env: DashboardEnv) -> None:
    c = env.login("manager")
    assert c.get("/dashboard/sites/north").status_code == 200
    for path in (
        "/dashboard/sites/south",
        "/dashboard/sites/south/directory",
        "/dashboard/sites/south/alerts",
        "/dashboard/visits?site=south",
        "/dashboard/visits.csv?site=south",
        "/dashboard/onsite?site=south",
        "/dashboard/onsite/rows?site=south",
        "/dashboard/sites/new",
        "/dashboard/audit",
    ):
        assert c.get(path).status_code == 403, path
    everything = c.get("/dashboard/visits.csv").text
    assert "v-north" in everything and "v-south" not in everything
    assert "south" not in c.get("/dashboard/").text.lower().replace("southeast", "")
    r = c.post("/dashboard/sites/south/kiosks", data={"csrf": page_csrf(c)})
    assert r.status_code == 403


def test_a_viewer_sees_counts_but_no_names(env: DashboardEnv) -> None:
    c = env.login("viewer")
    overview = c.get("/dashboard/")
    assert overview.status_code == 200 and "北区大楼" in overview.text
    for path in ("/dashboard/visits", "/dashboard/onsite", "/dashboard/watchlist"):
        assert c.get(path).status_code == 403, path


def test_the_csv_export_has_a_bom_and_no_formula(env: DashboardEnv) -> None:
    c = env.login("admin")
    r = c.get("/dashboard/visits.csv?site=north")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["visit", "site", "state", "name"]
    assert rows[1][3] == '\'=HYPERLINK("http://x")'
    assert rows[1][5] == "13812345678"  # the export has the number; the page masks it
    assert "138****5678" in c.get("/dashboard/visits?site=north").text


def test_logins_and_views_of_personal_data_are_in_an_intact_chain(env: DashboardEnv) -> None:
    c = env.login("guard")
    c.get("/dashboard/onsite")
    with env.ho.sessions() as s:
        entries = audit.entries(s, chain=audit.CHAIN, limit=500)
        actions = [(e.action, e.subject_id) for e in entries]
        assert ("dashboard.login", "") in actions
        assert ("dashboard.viewed", "onsite") in actions
        assert ("dashboard.login_failed", "") in actions
        assert audit.verify(s).ok
    text = Path(env.folder / "head-office.sqlite3").read_bytes()
    assert PASSWORD.encode() not in text


def test_the_first_admin_is_made_on_the_command_line(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'ho.sqlite3'}"
    env = {**os.environ, "KIOSK_SERVER_DATABASE_URL": url}

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "sync.server.cli", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    assert run("migrate").returncode == 0
    made = run(
        "dashboard-user",
        "add",
        "root",
        "--role",
        "admin",
        "--totp",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert made.returncode == 0, made.stderr
    assert "otpauth://totp/" in made.stdout and PASSWORD not in made.stdout
    short = run(
        "dashboard-user", "add", "x", "--role", "admin", "--password-stdin", stdin="short\n"
    )
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    unscoped = run(
        "dashboard-user",
        "add",
        "m",
        "--role",
        "site_manager",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert unscoped.returncode == 2 and "--site" in unscoped.stderr
    listed = run("dashboard-user", "list")
    assert listed.stdout.split() == ["root", "admin", "sites=-", "totp"]


def test_times_are_the_sites_own_and_a_missing_site_is_a_page(env: DashboardEnv) -> None:
    from zoneinfo import ZoneInfo

    c = env.login("admin")
    with env.ho.sessions() as s:
        visit = s.get(Visit, "v-north")
        assert visit is not None and visit.checked_in_at is not None
        shanghai = visit.checked_in_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert shanghai.strftime("%Y-%m-%d %H:%M") in c.get("/dashboard/visits?site=north").text
    exported = c.get("/dashboard/visits.csv?site=north").content.decode("utf-8-sig")
    assert shanghai.isoformat(timespec="seconds") in exported
    missing = c.get("/dashboard/sites/nowhere")
    assert (
        missing.status_code == 404 and "Not found" in c.get("/dashboard/sites/nowhere?lang=en").text
    )


def test_a_guard_may_read_invitations_but_not_invite(env: DashboardEnv) -> None:
    guard = env.login("guard")
    assert guard.get("/dashboard/invitations").status_code == 200
    r = guard.post(
        "/dashboard/invitations",
        data={"site_id": "north", "visitor_name": "某人", "csrf": page_csrf(guard)},
    )
    assert r.status_code == 403
    manager = env.login("manager")
    r = manager.post(
        "/dashboard/invitations",
        data={"site_id": "south", "visitor_name": "某人", "csrf": page_csrf(manager)},
    )
    assert r.status_code == 403
    r = manager.post(
        "/dashboard/invitations",
        data={
            "site_id": "north",
            "visitor_name": "王五",
            "day": "2026-13-40",
            "csrf": page_csrf(manager),
        },
    )
    assert r.status_code == 400
    r = manager.post(
        "/dashboard/invitations",
        data={"site_id": "north", "visitor_name": "王五", "csrf": page_csrf(manager)},
    )
    assert r.status_code == 200 and 'id="invitation-code"' in r.text


def test_the_report_counts_each_visit_on_the_sites_own_day_and_hour(env: DashboardEnv) -> None:
    late = datetime(2026, 10, 1, 17, 30, tzinfo=UTC)  # 01:30 on 2 October in Shanghai
    with env.ho.sessions() as s, s.begin():
        for n, at in enumerate((late, late, late + timedelta(days=1, hours=2))):
            s.add(Visit(id=f"v-r{n}", site_id="north", state="checked_out", created_at=at))
    c = env.login("viewer")  # counts only: a viewer reads reports
    rows = list(
        csv.reader(
            io.StringIO(
                c.get("/dashboard/sites/north/report.csv?period=2026-Q4").content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    days = {day: int(n) for _, day, n in rows[1:]}
    assert len(days) == 92 and days["2026-10-01"] == 0
    assert days["2026-10-02"] == 2 and days["2026-10-03"] == 1
    page = c.get("/dashboard/sites/north/report?period=2026-Q4&lang=en").text
    # the module's other visits were made today, also in this quarter
    assert f'<dd id="report-total">{sum(days.values())}</dd>' in page
    assert "<dd>01:00</dd>" in page  # the busiest hour, in Shanghai
    assert c.get("/dashboard/sites/south/report").status_code == 403


def test_a_kiosk_that_stopped_syncing_is_flagged(env: DashboardEnv) -> None:
    from sync.server.models import Kiosk

    now = datetime.now(UTC)
    with env.ho.sessions() as s, s.begin():
        for name, seen in (
            ("fresh", now - timedelta(minutes=2)),
            ("gone", now - timedelta(hours=2)),
        ):
            s.add(
                Kiosk(
                    id=f"south-{name}",
                    site_id="south",
                    name=name,
                    created_at=now - timedelta(days=1),
                    enrolled_at=now - timedelta(days=1),
                    last_seen_at=seen,
                )
            )
    c = env.login("guard")
    assert "1 kiosks have gone quiet" in c.get("/dashboard/?lang=en").text
    site = c.get("/dashboard/sites/south?lang=en").text
    gone = site.split('data-kiosk="south-gone"', 1)[1].split("</article>", 1)[0]
    assert "not seen for 120 minutes" in gone, gone
    fresh = site.split('data-kiosk="south-fresh"', 1)[1].split("</article>", 1)[0]
    assert "not seen" not in fresh and "alerting" not in fresh


def test_an_admin_adds_and_disables_an_account_in_the_browser(env: DashboardEnv) -> None:
    admin = env.login("admin")
    assert env.login("manager").get("/dashboard/users").status_code == 403
    r = admin.post(
        "/dashboard/users",
        data={
            "name": "south-boss",
            "password": PASSWORD,
            "role": "site_manager",
            "sites": "south",
            "totp": "1",
            "csrf": page_csrf(admin),
        },
    )
    assert r.status_code == 200 and 'id="totp-uri"' in r.text
    secret = r.text.split("secret=", 1)[1].split("&", 1)[0]
    bad = admin.post(
        "/dashboard/users",
        data={"name": "x", "password": PASSWORD, "role": "viewer", "csrf": page_csrf(admin)},
    )
    assert bad.status_code == 400  # a viewer needs sites
    boss = env.login("south-boss", code=pyotp.TOTP(secret).now())
    assert boss.get("/dashboard/sites/south").status_code == 200
    assert boss.get("/dashboard/sites/north").status_code == 403
    user_id = admin.get("/dashboard/users").text.split('data-user="south-boss"', 1)[1]
    user_id = user_id.split("/dashboard/users/", 1)[1].split("/disable", 1)[0]
    r = admin.post(f"/dashboard/users/{user_id}/disable", data={"csrf": page_csrf(admin)})
    assert r.status_code == 303
    assert boss.get("/dashboard/sites/south").status_code == 303  # signed out at once


def test_a_guest_spreadsheet_invites_the_good_rows_and_lists_the_bad(env: DashboardEnv) -> None:
    c = env.login("manager")
    sheet = (
        "姓名,手机,单位,被访人,日期\r\n"
        "李四,138 0000 0002,四海公司,,2026-12-24\r\n"
        "王二,12345,,,\r\n"
        "赵六,,,没有这个人,\r\n"
        '=HYPERLINK("http://x"),,,,\r\n'
        "钱七,,,,2026-02-30\r\n"
    ).encode("gb18030")
    r = c.post(
        "/dashboard/invitations/import",
        data={"site_id": "north", "csrf": page_csrf(c)},
        files={"file": ("guests.csv", sheet, "text/csv")},
    )
    assert r.status_code == 200
    problems = re.findall(r"<li>(row [^<]+)</li>", r.text)
    assert [p.split(",")[0] for p in problems] == ["row 3", "row 4", "row 5", "row 6"]
    assert "phone" in problems[0] and "host" in problems[1] and "formula" in problems[2]
    assert "not a date" in problems[3]
    listed = c.get("/dashboard/invitations?site=north&state=pending").text
    assert "李四" in listed and "四海公司" in listed and "王二" not in listed
    assert "2026-12-24" in listed
    denied = c.post(
        "/dashboard/invitations/import",
        data={"site_id": "south", "csrf": page_csrf(c)},
        files={"file": ("guests.csv", sheet, "text/csv")},
    )
    assert denied.status_code == 403


def test_security_adds_and_removes_a_watchlist_entry_and_is_named(env: DashboardEnv) -> None:
    manager = env.login("manager")
    r = manager.post(
        "/dashboard/watchlist",
        data={"site_id": "north", "name": "某人", "reason": "x", "csrf": page_csrf(manager)},
    )
    assert r.status_code == 403  # a site manager reads the list, security keeps it
    guard = env.login("guard")
    r = guard.post(
        "/dashboard/watchlist",
        data={"site_id": "*", "reason": "没有姓名也没有电话", "csrf": page_csrf(guard)},
    )
    assert r.status_code == 400
    r = guard.post(
        "/dashboard/watchlist",
        data={
            "site_id": "*",
            "name": "闹事者",
            "phone": "13911112222",
            "reason": "曾在大堂闹事",
            "csrf": page_csrf(guard),
        },
    )
    assert r.status_code == 303
    page = manager.get("/dashboard/watchlist?lang=en").text
    row = page.split("闹事者", 1)[1].split("</tr>", 1)[0]
    assert "曾在大堂闹事" in row and "guard" in row and "Remove" not in row
    entry_id = page.split('data-entry="', 1)[1].split('"', 1)[0]
    r = guard.post(f"/dashboard/watchlist/{entry_id}/remove", data={"csrf": page_csrf(guard)})
    assert r.status_code == 303
    assert "闹事者" not in guard.get("/dashboard/watchlist").text
    with env.ho.sessions() as s:
        actions = [e.action for e in audit.entries(s, chain=audit.CHAIN, limit=50)]
    assert "dashboard.watchlist_added" in actions and "dashboard.watchlist_removed" in actions


def test_a_building_file_is_checked_and_sent_with_every_problem_listed(env: DashboardEnv) -> None:
    import json

    from kiosk.core.wayfinding.building import DEMO_BUILDING

    good = DEMO_BUILDING.read_bytes()
    bad = json.loads(good)
    bad["rooms"].append({"number": "999", "floor": "nowhere", "waypoint": "f9.x"})
    c = env.login("manager")

    def upload(site: str, data: bytes):
        return c.post(
            f"/dashboard/sites/{site}/building?lang=en",
            data={"csrf": page_csrf(c)},
            files={"file": ("building.json", data, "application/json")},
        )

    r = upload("north", json.dumps(bad).encode())
    assert r.status_code == 422 and "problems and was not used" in r.text
    assert re.findall(r"<li>([^<]*999[^<]*)</li>", r.text)
    assert upload("north", b"{not json").status_code == 400
    r = upload("north", good)
    assert r.status_code == 200 and "Version 1 sent to the site" in r.text
    assert "The same as version 1: nothing changed" in upload("north", good).text
    assert upload("south", good).status_code == 403
    assert env.login("viewer").get("/dashboard/sites/north/building").status_code == 200
