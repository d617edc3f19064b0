"""A host marks their visitor from a phone: a kiosk built by the app's own wiring, enrolled
with the real head-office server over HTTP, switches to emergency mode; the notifier sends the
host a message with a signed roll-call link; the link's page (head office) lists the host's
visitors only, a POST marks one accounted for, and the kiosk's next pull shows the mark on its
roll call, by ``host:<id>``, as head office's incident record does. Forged, expired, other
kinds of tokens and bad forms are refused with a translated page and mark nothing."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.core.config.settings import load_settings
from kiosk.core.directory.demo import demo_directory, import_directory
from kiosk.core.emergency import host_links
from kiosk.core.keys.hierarchy import KeyPurpose
from kiosk.core.notify.channels import FakeNotifier
from kiosk.core.notify.reply_links import ReplyToken, sign
from kiosk.core.printing.fake import FakePrinter
from kiosk.services import build_services
from sync.client import enroll
from tests.support.harness import HeadOffice, ServerProcess
from tests.unit.emergency_fixtures import form

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


CHROMIUM = "/usr/bin/chromium"


def _tap_missing(link: str, shot: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_context(
                viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN"
            ).new_page()
            page.goto(link)
            assert "点名" in page.title()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.locator("li", has_text="王芳").get_by_role("button", name="失踪").click()
            page.wait_for_selector("text=已记录")
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    if os.environ.get("HOST_ROLLCALL_SCREENSHOT"):
        shutil.copy(shot, os.environ["HOST_ROLLCALL_SCREENSHOT"])


def test_a_host_marks_their_visitor_from_the_link_in_their_message(tmp_path: Path) -> None:
    ho = HeadOffice(f"sqlite:///{tmp_path / 'head-office.sqlite3'}")
    ho.add_site("demo", "示范大厦", "Demo Tower")
    server = ServerProcess(ho.database_url, log_path=tmp_path / "server.log").start()
    http = httpx.Client(
        base_url=f"{server.url}/api/v1",
        headers={"Authorization": f"Bearer {ho.add_admin('alice')}"},
        timeout=30,
    )
    notifier = FakeNotifier()
    services = None
    try:
        made = _ok(http.post("/kiosks", json={"site_id": "demo", "name": "lobby"}))
        enroll(server.url, made["enrollment_code"], data_dir=tmp_path / "k")
        settings = load_settings(environ={"KIOSK_KIOSK_DATA_DIR": str(tmp_path / "k")})
        services = build_services(
            settings, start_workers=False, printer=FakePrinter(), notifier=notifier
        )
        assert services.sync is not None
        records = services.records
        import_directory(records, demo_directory())  # the demo tower's hosts, as `kiosk import`
        host = records.host("h001")
        assert host is not None
        with services.store.transaction() as tx:
            records.upsert_host(tx, dataclasses.replace(host, notify_urls=("fake://li.na",)))
        mine = services.checkin.check_in(form(name="王芳", phone="13812340001")).visit.id
        other = services.checkin.check_in(
            form(name="欧阳建国", phone="13812340002", host="h002")
        ).visit.id
        services.notifier.wait_idle()
        services.sync.sync_once()  # the visits reach head office
        assert services.site_keys.current(KeyPurpose.REPLY_LINK) is not None
        sent_before = len(notifier.sent)

        mode = services.emergency.mode
        incident = mode.start(by="st-1", role="supervisor", emergency="fire", drill=True)
        assert services.notifier.wait_idle()
        [message] = [s for s in notifier.sent[sent_before:] if s.url == "fake://li.na"]
        assert "王芳" not in message.message.text  # no personal data in the message or link
        [link] = re.findall(r"\S+/api/v1/rollcall/\S+", message.message.text)
        assert "紧急" in message.message.subject and "Drill" in message.message.text
        token = link.rsplit("/", 1)[1]
        assert "王芳" not in token and mine not in token

        with httpx.Client(timeout=10) as phone:
            early = phone.get(link)  # before the kiosk's push: head office lacks the incident
            assert early.status_code == 404 and "总部尚未收到" in early.text
            services.sync.sync_once()
            page = phone.get(link)
            assert page.status_code == 200, page.text
            assert "王芳" in page.text and "欧阳建国" not in page.text
            assert "尚未标记" in page.text and "Not marked yet" in page.text
            assert mode.roll_call().counts()["accounted"] == 0  # a GET marks nothing

            # refused, marking nothing: a visitor of another host, a JSON body, too big a form
            theirs = {"person": other, "status": "accounted"}
            assert phone.post(link, data=theirs).status_code == 400
            as_json = {"person": mine, "status": "accounted"}
            assert phone.post(link, json=as_json).status_code == 415
            big = {"person": mine, "status": "accounted", "x": "y" * 2000}
            assert phone.post(link, data=big).status_code == 413
            assert phone.post(link, data={"person": mine, "status": "gone"}).status_code == 400

            if Path(CHROMIUM).exists():  # the page on a phone-sized screen: a tap marks
                _tap_missing(link, tmp_path / "host-rollcall-390.png")
                assert "失踪" in phone.get(link).text
            done = phone.post(link, data={"person": mine, "status": "accounted"})
            assert done.status_code == 200 and "已记录" in done.text
            assert "Accounted for" in done.text

            # forged, another kind of token, expired: a translated page each
            key = services.site_keys.current(KeyPurpose.REPLY_LINK)
            assert key is not None
            forged = phone.get(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"))
            assert forged.status_code == 400 and "此链接无效" in forged.text
            reply = sign(
                key.key,
                ReplyToken("demo", mine, "coming", 0, "host:h001", "r1", 2**40, key.version),
            )
            as_reply = phone.post(
                host_links.link_url(server.url, reply), data={"person": mine, "status": "missing"}
            )
            assert as_reply.status_code == 400 and "not valid" in as_reply.text
            old = host_links.sign(
                key.key,
                host_links.HostLink("demo", incident.id, "h001", 1, key.version),
            )
            expired = phone.get(host_links.link_url(server.url, old))
            assert expired.status_code == 410 and "已过期" in expired.text
            other_site = host_links.sign(
                key.key, host_links.HostLink("elsewhere", incident.id, "h001", 2**40, key.version)
            )
            refused = phone.get(host_links.link_url(server.url, other_site))
            assert refused.status_code == 400 and "此链接无效" in refused.text
            # failed checks are slowed per address: the sixth makes the next wait (429)
            for _ in range(2):
                assert phone.get(link + "x").status_code == 400
            slowed = phone.get(link)
            assert slowed.status_code == 429 and "请稍等" in slowed.text
            time.sleep(1.1)  # the first wait is a second

        services.sync.sync_once()  # the kiosk pulls the host's mark
        lines = {line.person.person_id: line for line in mode.roll_call().lines}
        assert lines[mine].status == "accounted" and lines[mine].mark.by == "host:h001"
        assert lines[other].status == "unknown"
        (record,) = _ok(http.get("/sites/demo/incidents"))
        assert record["marks"][mine]["by"] == "host:h001"
        assert record["marks"][mine]["status"] == "accounted"

        mode.end(by="st-1", role="supervisor", reason="drill over")
        services.sync.sync_once()
        with httpx.Client(timeout=10) as phone:
            ended = phone.get(link)
            assert ended.status_code == 410 and "已结束" in ended.text
    finally:
        if services is not None:
            services.stop()
        http.close()
        server.stop()
        ho.close()
