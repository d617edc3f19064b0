"""A ticket across two kiosks, the real ``kiosk-server`` over HTTP and a real SMTP server,
each kiosk wired by the app's own ``build_services`` (sync rounds driven by the test):

raised by a visitor at the lobby kiosk → pushed → pulled by the desk console (one list) →
assigned there: the department gets a mail with its link → the department acknowledges and
resolves through the link page (a second use and a use after resolution are refused) → both
kiosks pull the steps → the desk tells the client (a mail) and confirms → head office has the
one ticket, confirmed. And a client who left a mobile: texted through a real HTTP SMS gateway
on loopback, once, in their language, when the department resolves through its link (by the
kiosk the ticket was raised at) and when the desk resolves on the console.
"""

from __future__ import annotations

import re
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notify_servers import SmsGateway, SmtpServer
from sqlalchemy import select, update

from kiosk.core.config.settings import load_settings
from kiosk.core.keys.hierarchy import KeyPurpose
from kiosk.core.tickets.desk import VISITOR, TicketForm
from kiosk.services import Services, build_services
from sync.client import enroll
from sync.server.cli import main as server_cli
from sync.server.reception import AuditEntry
from sync.server.tickets import TicketEntryRow, TicketRow
from tests.support.harness import HeadOffice, ServerProcess

pytestmark = [pytest.mark.integration, pytest.mark.slow]

API = "/api/v1"
PIN = "582947"


def _ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


class Site:
    def __init__(self, tmp_path: Path, smtp: SmtpServer) -> None:
        self.tmp_path, self.smtp = tmp_path, smtp
        self.ho = HeadOffice(f"sqlite:///{tmp_path / 'head-office.sqlite3'}")
        self.id = "s" + uuid.uuid4().hex[:8]
        self.ho.add_site(self.id, "示范大厦", "Demo Tower")
        self.server = ServerProcess(self.ho.database_url, log_path=tmp_path / "server.log")
        self.server.start()
        self.http = httpx.Client(
            base_url=f"{self.server.url}{API}",
            headers={"Authorization": f"Bearer {self.ho.add_admin('alice')}"},
            timeout=30,
        )
        dept = {"site_id": self.id, "name_zh": "物业部", "name_en": "Property", "floor": "1"}
        _ok(self.http.put(f"/departments/{self.dept}", json=dept))
        self.kiosks: list[Services] = []

    @property
    def dept(self) -> str:
        return f"{self.id}-property"

    def kiosk(
        self, name: str, *, role: str = "lobby", env: dict[str, str] | None = None
    ) -> Services:
        made = _ok(self.http.post("/kiosks", json={"site_id": self.id, "name": name}))
        data = self.tmp_path / name
        enroll(self.server.url, made["enrollment_code"], data_dir=data)
        relay = f"mailto://127.0.0.1:{self.smtp.port}?from=kiosk@example.com"
        department = f"{self.dept}={self.smtp.url('property@example.com')}"
        settings = load_settings(
            environ={
                "KIOSK_KIOSK_DATA_DIR": str(data),
                "KIOSK_NOTIFY_MAIL_SERVER": relay,
                "KIOSK_NOTIFY_DEPARTMENT_URLS": department,
                **(env or {}),
            }
        )
        settings = settings.replace("printer", out_dir=str(data / "badges"))
        settings = settings.replace("kiosk", role=role)
        services = build_services(settings, start_workers=False)
        self.kiosks.append(services)
        assert services.sync is not None
        services.sync.sync_once()
        keys = services.site_keys
        assert keys is not None
        keys.refresh()
        deadline = time.monotonic() + 20
        while keys.current(KeyPurpose.REPLY_LINK) is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert keys.current(KeyPurpose.REPLY_LINK) is not None
        return services

    def close(self) -> None:
        for services in self.kiosks:
            services.stop()
        self.http.close()
        self.server.stop()
        self.ho.close()


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def site(tmp_path: Path, smtp: SmtpServer) -> Iterator[Site]:
    made = Site(tmp_path, smtp)
    yield made
    made.close()


def _form_of(page: str) -> tuple[str, str, list[str]]:
    action = re.search(r'<form method=post action="([^"]+)"', page)
    seen = re.search(r'name=seen value="([^"]*)"', page)
    assert action and seen, page
    return action.group(1), seen.group(1), re.findall(r'name="action" value="(\w+)"', page)


def test_a_tickets_whole_life_across_kiosks_head_office_and_mail(site: Site) -> None:
    lobby, desk = site.kiosk("lobby"), site.kiosk("desk", role="desk")
    staff = desk.reception.staff.add("王芳", "receptionist", PIN)
    raised = lobby.tickets.raise_ticket(
        VISITOR,
        TicketForm(
            kind="complaint",
            subject="大堂空调太冷",
            details="<script>alert(1)</script> 前台旁边",
            place="大堂",
            client_name="刘女士",
            contact="liu@example.com",
            consent=True,
            source="help",
        ),
    )
    lobby.sync.sync_once()  # push
    desk.sync.sync_once()  # pull: one list
    [seen_at_desk] = desk.tickets.tickets()
    assert (seen_at_desk.id, seen_at_desk.number) == (raised.id, raised.number)

    desk.notifier.start()
    t = desk.tickets.act(
        staff,
        raised.id,
        "assigned",
        seen=seen_at_desk.last_entry_id,
        department_id=site.dept,
        person="张经理",
    )
    [mail] = site.smtp.mailbox.wait_for("property@example.com")
    plain = mail.get_body(("plain",)).get_content()
    assert raised.number in plain and "刘女士" not in plain and "liu@example.com" not in plain
    [link] = set(re.findall(r"https?://[^\s：]+/api/v1/ticket/\S+", plain))
    desk.sync.sync_once()  # head office has the assignment

    with httpx.Client(timeout=10) as browser:
        page = browser.get(link)
        assert page.status_code == 200 and "大堂空调太冷" in page.text
        assert "<script>" not in page.text and "&lt;script&gt;" in page.text
        assert "刘女士" not in page.text and "liu@example.com" not in page.text
        action, seen, steps = _form_of(page.text)
        assert steps == ["acknowledged"]
        base = link.split("/api/")[0]
        done = browser.post(base + action, data={"seen": seen, "action": "acknowledged"})
        assert done.status_code == 200 and "已记录" in done.text
        again = browser.post(base + action, data={"seen": seen, "action": "acknowledged"})
        assert again.status_code == 409 and "不能重复使用" in again.text and "处理中" in again.text
        _, seen, steps = _form_of(browser.get(link).text)
        assert steps == ["progress", "resolved"]
        empty = browser.post(base + action, data={"seen": seen, "action": "resolved"})
        assert empty.status_code == 400
        ok = browser.post(
            base + action, data={"seen": seen, "action": "resolved", "note": "已调到26度"}
        )
        assert ok.status_code == 200
        after = browser.post(base + action, data={"seen": seen, "action": "resolved", "note": "x"})
        assert after.status_code == 410 and "已解决" in after.text
        assert browser.get(link).status_code == 410
        forged = browser.get(link[:-4] + "AAAA")
        assert forged.status_code == 400 and "无效" in forged.text

    # each step the department recorded (not the refused uses) is in head office's audit
    # chain of the site, which `kiosk-server audit verify` checks
    with site.ho.sessions() as s:
        chain = f"head-office:{site.id}"
        audited = s.scalars(
            select(AuditEntry).where(AuditEntry.kiosk_id == chain).order_by(AuditEntry.seq)
        ).all()
        assert [(e.action, e.actor, e.subject_id) for e in audited] == [
            ("ticket.acknowledged", f"department:{site.dept}", raised.id),
            ("ticket.resolved", f"department:{site.dept}", raised.id),
        ]
        assert audited[1].fields == "note" and "26度" not in str(audited[1].details)
    verify = ["--database-url", site.ho.database_url, "audit", "verify", "--site", site.id]
    assert server_cli(verify) == 0
    with site.ho.sessions() as s:  # an altered entry is found
        s.execute(
            update(AuditEntry)
            .where(AuditEntry.kiosk_id == chain, AuditEntry.seq == 2)
            .values(actor="department:other")
        )
        s.commit()
    assert server_cli(verify) == 1
    with site.ho.sessions() as s:
        s.execute(
            update(AuditEntry)
            .where(AuditEntry.kiosk_id == chain, AuditEntry.seq == 2)
            .values(actor=f"department:{site.dept}")
        )
        s.commit()
    assert server_cli(verify) == 0

    for services in (desk, lobby):
        services.sync.sync_once()  # the department's steps reach every kiosk by pull
        t = services.tickets.ticket(raised.id)
        assert (t.status, t.outcome) == ("resolved", "已调到26度")
        assert [e.by for e in t.entries][-2:] == [f"department:{site.dept}"] * 2
    assert lobby.tickets.lookup(raised.number).status == "resolved"

    t = desk.tickets.act(
        staff, raised.id, "told", seen=t.last_entry_id, note="空调已调到26度，谢谢反馈", send=True
    )
    [told] = site.smtp.mailbox.wait_for("liu@example.com")
    assert "空调已调到26度" in told.get_body(("plain",)).get_content()
    t = desk.tickets.act(staff, raised.id, "confirmed", seen=t.last_entry_id)
    desk.sync.sync_once()
    with site.ho.sessions() as s:
        rows = s.query(TicketRow).filter_by(site_id=site.id).all()
        assert [(r.id, r.status, r.department_id) for r in rows] == [
            (raised.id, "confirmed", site.dept)
        ]
        actions = sorted(e.action for e in s.query(TicketEntryRow).filter_by(ticket_id=raised.id))
    assert actions == sorted(["assigned", "acknowledged", "resolved", "told", "confirmed"])


@pytest.fixture
def gateway() -> Iterator[SmsGateway]:
    server = SmsGateway().start()
    yield server
    server.stop()


def _resolve_by_link(link: str) -> None:
    with httpx.Client(timeout=10) as browser:
        base = link.split("/api/")[0]
        for action, note in (("acknowledged", ""), ("resolved", "压缩机已更换")):
            form, seen, _ = _form_of(browser.get(link).text)
            done = browser.post(base + form, data={"seen": seen, "action": action, "note": note})
            assert done.status_code == 200, done.text


def test_the_client_is_texted_once_in_their_language_when_resolved(
    site: Site, gateway: SmsGateway
) -> None:
    sms = {"KIOSK_NOTIFY_SMS_GATEWAY": gateway.template}
    lobby, desk = site.kiosk("lobby", env=sms), site.kiosk("desk", role="desk", env=sms)
    staff = desk.reception.staff.add("王芳", "receptionist", PIN)
    form = dict(kind="complaint", subject="Lift 3 is noisy", consent=True, source="help")
    raised = lobby.tickets.raise_ticket(
        VISITOR, TicketForm(**form, contact="+86 138 0013 8000", language="en")
    )
    lobby.sync.sync_once()
    desk.sync.sync_once()
    t = desk.tickets.ticket(raised.id)
    desk.notifier.start()
    before = len(site.smtp.mailbox.to("property@example.com"))  # the module's relay
    desk.tickets.act(staff, t.id, "assigned", seen=t.last_entry_id, department_id=site.dept)
    mail = site.smtp.mailbox.wait_for("property@example.com", count=before + 1)[-1]
    [link] = set(
        re.findall(r"https?://\S+/api/v1/ticket/\S+", mail.get_body(("plain",)).get_content())
    )
    desk.sync.sync_once()
    _resolve_by_link(link)

    lobby.notifier.start()
    for services in (desk, lobby):
        services.sync.sync_once()  # the resolution by pull; the pull wakes the ticket worker
        services.tickets.overdue.run_once()  # (its round; workers are driven by the test)
    [text] = gateway.wait_for(1)
    assert text["to"] == "+8613800138000" and raised.number in text["message"]
    assert "has been resolved" in text["message"] and "压缩机" not in text["message"]

    # the desk resolves another on the console: its client (Chinese) is texted by the desk
    own = desk.tickets.raise_ticket(
        staff, TicketForm(**form, contact="13900139000", language="zh_CN")
    )
    own = desk.tickets.act(
        staff, own.id, "assigned", seen=own.last_entry_id, department_id=site.dept
    )
    own = desk.tickets.act(staff, own.id, "acknowledged", seen=own.last_entry_id)
    desk.tickets.act(staff, own.id, "resolved", seen=own.last_entry_id, note="已更换")
    texts = gateway.wait_for(2)
    assert (
        texts[1]["to"] == "13900139000"
        and f"您的工单 {own.number} 已处理完毕" in texts[1]["message"]
    )

    for services in (desk, lobby):
        services.sync.sync_once()
        services.tickets.overdue.pulled()
        services.tickets.overdue.run_once()
        assert services.notifier.wait_idle(timeout=20)
    assert len(gateway.received) == 2  # once each, though both kiosks pulled both
    for services in (desk, lobby):  # the numbers are sealed at rest
        services.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        data = Path(services.settings.database_path).read_bytes()
        assert b"13800138000" not in data and b"13900139000" not in data


def test_ticket_categories_managed_at_head_office_reach_the_kiosk(site: Site) -> None:
    desk = site.kiosk("desk", role="desk")
    assert "cleaning" in [c.key for c in desk.tickets.categories]
    lift = f"lift:电梯故障:Lift fault:{site.dept}"
    bad = site.http.put(f"/sites/{site.id}/settings", json={"tickets": {"categories": ["lift"]}})
    assert bad.status_code == 400 and "key:中文:English" in bad.text
    _ok(site.http.put(f"/sites/{site.id}/settings", json={"tickets": {"categories": [lift]}}))
    desk.sync.sync_once()  # the pull brings site.settings; its listener takes them up
    assert [(c.key, c.department_id) for c in desk.tickets.categories] == [("lift", site.dept)]
