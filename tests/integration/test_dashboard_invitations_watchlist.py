"""The invitations page's mail and the watchlist's expiry over real HTTP (issue 19): a real
``kiosk-server`` with
``$KIOSK_SERVER_MAIL_URL`` pointing at a real SMTP server (aiosmtpd). A guest file with e-mail
and language columns mails each good row in its language; a bad address refuses the row, or
the single invitation with nothing saved; a server without a mail server says it sends none.
The whole way to a kiosk's scanner is tests/ui/test_invitation_mail_flow.py."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from sync.server.api.directory_routes import create_watchlist_record
from sync.server.api.schemas import WatchlistCreate
from sync.server.models import Invitation, WatchlistEntry
from tests.support.dashboard_env import DashboardEnv, page_csrf

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # a server with five accounts: ~11 s


@pytest.fixture(scope="module")
def dashboard_environ(mailing_environ: dict[str, str]) -> dict[str, str]:
    return mailing_environ  # the invitations are mailed and texted


@pytest.fixture(scope="module")
def env(dashboard: DashboardEnv) -> DashboardEnv:
    e = dashboard
    with e.ho.sessions() as s, s.begin():  # listed last month for a week: ended
        ended = datetime.now(UTC) - timedelta(days=23)
        create_watchlist_record(
            s,
            WatchlistCreate(site_id="north", name="过期者", reason="drill", expires_at=ended),
        )
    return e


def _invitations(env: DashboardEnv) -> list[str]:
    with env.ho.sessions() as s:
        return sorted(i.visitor_name for i in s.query(Invitation))


def test_a_guest_file_mails_each_good_row_in_its_language(env: DashboardEnv, smtp) -> None:
    c = env.login("manager")
    page = c.get("/dashboard/invitations?lang=en").text
    assert "the guest is sent the invitation with its QR code" in page
    sheet = (
        "姓名,邮箱,语言\r\n"
        "韩梅梅,han@example.com,中文\r\n"
        "Jim Green,jim@example.com,en\r\n"
        "坏地址,not-an-address,zh\r\n"
        "Bad Language,bl@example.com,fr\r\n"
        "没有邮箱,,\r\n"
    ).encode("gb18030")
    r = c.post(
        "/dashboard/invitations/import",
        data={"site_id": "north", "csrf": page_csrf(c)},
        files={"file": ("guests.csv", sheet, "text/csv")},
    )
    assert r.status_code == 200
    problems = re.findall(r"<li>(row [^<]+)</li>", r.text)
    assert [p.split(",")[0] for p in problems] == ["row 4", "row 5"]
    assert "email" in problems[0] and "language" in problems[1]
    [han] = smtp.mailbox.wait_for("han@example.com")
    [jim] = smtp.mailbox.wait_for("jim@example.com")
    assert (
        han["Subject"] == "访客邀请：北区大楼"
        and jim["Subject"] == "Your invitation to North Tower"
    )
    assert "没有邮箱" in _invitations(env) and "坏地址" not in _invitations(env)

    def listed() -> str:
        return c.get("/dashboard/invitations?site=north").text

    for _ in range(100):  # the page shows "sent" once the mailer has recorded it
        if listed().count('data-mail="sent"') == 2:
            break
        time.sleep(0.1)
    assert listed().count('data-mail="sent"') == 2


def test_a_guest_with_both_gets_a_mail_and_a_text(env: DashboardEnv, smtp, gateway) -> None:
    c = env.login("admin")
    r = c.post(
        "/dashboard/invitations?lang=en",
        data={
            "csrf": page_csrf(c, "/dashboard/invitations"),
            "site_id": "north",
            "visitor_name": "Both Ways",
            "phone": "138 1234 0099",  # as typed: texted as 13812340099
            "email": "both@example.com",
            "language": "en",
        },
    )
    assert r.status_code == 200 and "also gets the code by text message" in r.text
    code = re.search(r'id="invitation-code">([A-Z0-9]{8})<', r.text).group(1)
    [mail] = smtp.mailbox.wait_for("both@example.com")
    [text] = gateway.wait_for("/sms/13812340099")
    assert code in mail.get_body(("plain",)).get_content() and code in text["message"]
    for _ in range(100):
        row = re.search(
            r'<tr data-invitation="[^"]+"><td>Both Ways</td>.*?</tr>',
            c.get("/dashboard/invitations?site=north").text,
            re.S,
        ).group(0)
        if 'data-mail="sent"' in row and 'data-sms="sent"' in row:
            break
        time.sleep(0.1)
    assert 'data-mail="sent"' in row and 'data-sms="sent"' in row


def test_a_bad_address_saves_nothing_and_says_why(env: DashboardEnv) -> None:
    c = env.login("admin")
    before = _invitations(env)
    r = c.post(
        "/dashboard/invitations",
        data={
            "csrf": page_csrf(c, "/dashboard/invitations"),
            "site_id": "north",
            "visitor_name": "无效邮箱",
            "email": "li@@example",
        },
    )
    assert r.status_code == 400
    assert "请检查邮箱地址" in r.text or "check the e-mail address" in r.text
    assert _invitations(env) == before


def test_a_watchlist_entry_ends_at_the_end_of_its_day_at_the_site(env: DashboardEnv) -> None:
    c = env.login("guard")
    day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    form = {"site_id": "north", "name": "限期者", "reason": "until the case closes"}
    r = c.post(
        "/dashboard/watchlist",
        data={**form, "expires": day, "csrf": page_csrf(c, "/dashboard/watchlist")},
    )
    assert r.status_code == 303, r.text
    with env.ho.sessions() as s:
        [entry] = [e for e in s.query(WatchlistEntry) if e.name == "限期者"]
        assert entry.expires_at is not None
        # midnight after that day in Shanghai, 16:00 UTC of that day
        assert entry.expires_at.isoformat() == f"{day}T16:00:00+00:00"
    page = c.get("/dashboard/watchlist?lang=en").text
    row = re.search(rf'<tr data-entry="{entry.id}"[^>]*>.*?</tr>', page, re.S).group(0)
    assert day in row and "Expired" not in row
    ended = re.search(r'<tr data-entry="[^"]+" class="expired">(.*?)</tr>', page, re.S).group(1)
    assert "过期者" in ended and "Expired (ended" in ended
    past = c.post(
        "/dashboard/watchlist",
        data={**form, "expires": "2020-01-01", "csrf": page_csrf(c, "/dashboard/watchlist")},
    )
    assert past.status_code == 400 and "must be today or later" in past.text
    bad = c.post(
        "/dashboard/watchlist",
        data={**form, "expires": "2026-02-30", "csrf": page_csrf(c, "/dashboard/watchlist")},
    )
    assert bad.status_code == 400
    with env.ho.sessions() as s:
        assert len([e for e in s.query(WatchlistEntry) if e.name == "限期者"]) == 1


def test_a_watchlist_file_adds_each_good_row_with_its_end(env: DashboardEnv) -> None:
    c = env.login("guard")
    later = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    sheet = (
        "姓名,手机,原因,有效期至\r\n"
        f"导入甲,,闯入,{later}\r\n"
        ",13600001234,骚扰,\r\n"
        "导入乙,,x,2020-01-01\r\n"
        '=HYPERLINK("http://x"),,,\r\n'
        ",,only a reason,\r\n"
    ).encode("gb18030")
    r = c.post(
        "/dashboard/watchlist/import",
        data={"site_id": "north", "csrf": page_csrf(c, "/dashboard/watchlist")},
        files={"file": ("watch.csv", sheet, "text/csv")},
    )
    assert r.status_code == 200, r.text
    problems = re.findall(r"<li>(row [^<]+)</li>", r.text)
    assert [p.split(",")[0] for p in problems] == ["row 4", "row 5", "row 6"]
    assert "passed" in problems[0] and "formula" in problems[1]
    with env.ho.sessions() as s:
        added = {e.name or e.phone: e for e in s.query(WatchlistEntry) if e.site_id == "north"}
    assert added["导入甲"].expires_at is not None and added["13600001234"].expires_at is None
    assert "导入乙" not in added
    viewer = env.login("viewer")
    denied = viewer.post(
        "/dashboard/watchlist/import",
        data={"site_id": "north", "csrf": page_csrf(viewer, "/dashboard/watchlist")},
        files={"file": ("watch.csv", sheet, "text/csv")},
    )
    assert denied.status_code == 403


def test_the_page_with_its_mail_states_fits_a_laptop_and_a_phone(env: DashboardEnv, tmp_path):
    """Screenshots (``tests/support/dashboard_shots.py``; with ``DASHBOARD_SCREENSHOTS=docs`` all
    four into docs/screenshots as ``dashboard-invitations-mail-<lang>-<width>.png`` and
    ``dashboard-watchlist-expiry-…``), no script error, nothing too wide."""
    from tests.support.dashboard_shots import chromium, fitted_shot, shot_folder, signed_in_pages

    folder = shot_folder(tmp_path)
    errors: list[str] = []
    with chromium() as browser:
        for lang, width, page in signed_in_pages(
            browser, env.url, "admin", network="10.67", errors=errors
        ):
            page.goto(f"{env.url}/dashboard/invitations?site=north")
            page.fill("#invite input[name=visitor_name]", "韩梅梅" if lang == "zh_CN" else "Lucy")
            page.fill("#invite input[name=email]", f"guest-{lang}-{width}@example.com")
            page.click("#invite button[type=submit]")
            page.wait_for_selector("#invitation-code")
            for _ in range(50):  # its mail goes out: reload until the row says so
                page.goto(f"{env.url}/dashboard/invitations?site=north")
                if page.locator('[data-mail="sent"]').count() >= 1:
                    break
                time.sleep(0.1)
            assert page.locator('[data-mail="sent"]').count() >= 1
            fitted_shot(page, folder / f"dashboard-invitations-mail-{lang}-{width}.png", full=True)
            page.goto(f"{env.url}/dashboard/watchlist")
            assert page.locator("tr.expired").count() >= 1
            fitted_shot(page, folder / f"dashboard-watchlist-expiry-{lang}-{width}.png", full=True)
    assert errors == []
