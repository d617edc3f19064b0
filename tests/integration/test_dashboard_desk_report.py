"""The dashboard's desk times with real data pushed by a kiosk (issue 19): a real ``kiosk-server``
on SQLite, a kiosk built by the app's own wiring (``build_services``) and a real SMTP server. A
visitor checks in, the kiosk's notifier mails the host, the host answers through the mail's
reply link (head office's reply page); a ticket is raised at the kiosk and acknowledged and
resolved on its console; the kiosk pushes all of it. The site's report page then shows one
host notified and replied and one ticket answered and resolved, and its CSV (the kiosk's
export: BOM, formula-safe) and PDF downloads carry the same figures."""

from __future__ import annotations

import csv
import io
import re
import time
import uuid
from pathlib import Path

import httpx
import pytest

from kiosk.core.config.settings import load_settings
from kiosk.core.keys.hierarchy import KeyPurpose
from kiosk.core.tickets.desk import VISITOR, TicketForm
from kiosk.core.visits.checkin import CheckinForm
from kiosk.services import build_services
from sync.client import enroll
from sync.server.dashboard.accounts import create_user
from sync.server.models import Visit
from sync.server.replies import HostReply
from sync.server.tickets import TicketRow
from tests.integration.notify_servers import SmtpServer
from tests.support.dashboard_env import PASSWORD, login_csrf
from tests.support.harness import HeadOffice, ServerProcess

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # about 10 s

API = "/api/v1"
PIN = "582947"


def _ok(r: httpx.Response) -> dict:
    assert r.status_code in (200, 201), r.text
    return r.json()


def test_host_reply_and_ticket_times_from_a_kiosk_reach_the_report(tmp_path: Path) -> None:
    smtp = SmtpServer().start()
    ho = HeadOffice(f"sqlite:///{tmp_path / 'head-office.sqlite3'}")
    site = "s" + uuid.uuid4().hex[:8]
    ho.add_site(site, "示范大厦", "Demo Tower")
    with ho.sessions() as s, s.begin():
        create_user(s, name="admin", password=PASSWORD, role="admin", sites=None, totp=False)
    server = ServerProcess(ho.database_url, log_path=tmp_path / "server.log").start()
    admin = httpx.Client(
        base_url=f"{server.url}{API}",
        headers={"Authorization": f"Bearer {ho.add_admin('alice')}"},
        timeout=30,
    )
    k = None
    try:
        _ok(
            admin.put(
                f"/departments/{site}-rnd",
                json={"site_id": site, "name_zh": "研发部", "name_en": "R&D"},
            )
        )
        _ok(
            admin.put(
                f"/hosts/{site}-h1",
                json={
                    "site_id": site,
                    "department_id": f"{site}-rnd",
                    "name_zh": "李娜",
                    "notify_urls": [smtp.url("li.na@example.com")],
                },
            )
        )
        data = tmp_path / "kiosk"
        enroll(server.url, ho.add_kiosk(site), data_dir=data)
        relay = f"mailto://127.0.0.1:{smtp.port}?from=kiosk@example.com"
        settings = load_settings(
            environ={"KIOSK_KIOSK_DATA_DIR": str(data), "KIOSK_NOTIFY_MAIL_SERVER": relay}
        ).replace("printer", out_dir=str(data / "badges"))
        k = build_services(settings, start_workers=False)
        assert k.sync is not None and k.site_keys is not None
        k.sync.sync_once()  # the directory
        k.site_keys.refresh()
        deadline = time.monotonic() + 20
        while k.site_keys.current(KeyPurpose.REPLY_LINK) is None and time.monotonic() < deadline:
            time.sleep(0.02)

        # a visitor; the kiosk's notifier mails the host; the host taps "coming"
        visit = k.checkin.check_in(
            CheckinForm(
                name="王强",
                phone="13500000066",
                purpose="meeting",
                host_id=f"{site}-h1",
                consent=True,
            )
        ).visit
        k.notifier.start()
        [mail] = smtp.mailbox.wait_for("li.na@example.com")
        plain = mail.get_body(("plain",)).get_content()
        link = re.findall(r"我马上来：(\S+/api/v1/reply/\S+)", plain)[0]
        assert httpx.post(link, timeout=10).status_code == 200

        # a ticket, answered and resolved at the desk
        staff = k.reception.staff.add("王芳", "receptionist", PIN)
        raised = k.tickets.raise_ticket(
            VISITOR,
            TicketForm(kind="enquiry", subject="停车", details="访客车位", source="help"),
        )
        t = k.tickets.act(
            staff, raised.id, "assigned", seen=raised.last_entry_id, department_id=f"{site}-rnd"
        )
        t = k.tickets.act(staff, raised.id, "acknowledged", seen=t.last_entry_id)
        k.tickets.act(staff, raised.id, "resolved", seen=t.last_entry_id, note="已答复")
        # and a complaint, resolved too: the seed's assessment counts complaints resolved
        complaint = k.tickets.raise_ticket(
            VISITOR,
            TicketForm(kind="complaint", subject="噪音", details="施工噪音", source="help"),
        )
        t = k.tickets.act(
            staff,
            complaint.id,
            "assigned",
            seen=complaint.last_entry_id,
            department_id=f"{site}-rnd",
        )
        t = k.tickets.act(staff, complaint.id, "acknowledged", seen=t.last_entry_id)
        k.tickets.act(staff, complaint.id, "resolved", seen=t.last_entry_id, note="已处理")

        def pushed() -> bool:
            k.sync.sync_once()
            with ho.sessions() as s:
                row = s.get(Visit, visit.id)
                return (
                    row is not None
                    and row.notify_status is not None
                    and s.query(HostReply).count() == 1
                    and s.query(TicketRow).filter_by(site_id=site, status="resolved").count() == 2
                )

        deadline = time.monotonic() + 30
        while not pushed() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert pushed()

        with httpx.Client(base_url=server.url, timeout=30) as browser:
            r = browser.post(
                "/dashboard/login",
                data={
                    "name": "admin",
                    "password": PASSWORD,
                    "code": "",
                    "csrf": login_csrf(browser),
                },
            )
            assert r.status_code == 303
            page = browser.get(f"/dashboard/sites/{site}/report?lang=en").text
            desk = re.search(r'<section class="card" id="desk-times">(.*?)</section>', page, re.S)
            assert desk is not None
            cells = re.findall(r"<td>([^<]*)</td><td class=\"n\">([^<]*)</td>", desk.group(1))
            figures = dict(cells)
            assert figures["Hosts notified"] == "1" and figures["Replied"] == "1"
            got = browser.get(f"/dashboard/sites/{site}/desk-report.csv?lang=en")
            assert got.status_code == 200 and got.content.startswith("\ufeff".encode())
            rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
            by_label = {(row[2], row[3]): row[4] for row in rows[1:]}
            replies, times = "Time until hosts replied", "Time to answer tickets"
            assert by_label[replies, "Hosts notified"] == by_label[replies, "Replied"] == "1"
            assert by_label[times, "Answered (first response)"] == "2", by_label
            assert by_label[times, "Resolved"] == "2", by_label
            kinds, complaints = "Calls, enquiries, complaints and requests", "Complaints"
            assert by_label[kinds, "Enquiry"] == by_label[kinds, "Complaint"] == "1", by_label
            assert by_label[kinds, "Call"] == by_label[kinds, "Service request"] == "0"
            assert by_label[complaints, "Received"] == by_label[complaints, "Resolved"] == "1"
            assert all(float(v) >= 0 for v in by_label.values() if v and v[0].isdigit())
            pdf = browser.get(f"/dashboard/sites/{site}/desk-report.pdf")
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            assert pdf.headers["content-type"] == "application/pdf"
        _screenshots(server.url, site, tmp_path)
    finally:
        if k is not None:
            k.stop()
        admin.close()
        server.stop()
        ho.close()
        smtp.stop()


def _screenshots(url: str, site: str, tmp_path: Path) -> None:
    """The report page with its desk times in headless Chromium: nothing too wide, no script
    error (``tests/support/dashboard_shots.py``: all four into docs/screenshots when
    ``DASHBOARD_SCREENSHOTS=docs``)."""
    from tests.support.dashboard_shots import chromium, shot_folder, signed_in_pages

    folder = shot_folder(tmp_path)
    errors: list[str] = []
    with chromium() as browser:
        for lang, width, page in signed_in_pages(
            browser, url, "admin", network="10.68", errors=errors
        ):
            page.goto(f"{url}/dashboard/sites/{site}/report")
            desk = page.locator("#desk-times")
            desk.scroll_into_view_if_needed()
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{overflow}px too wide at {width}"
            desk.screenshot(path=str(folder / f"dashboard-desk-times-{lang}-{width}.png"))
    assert errors == []
