"""A host's reply link end to end: real mail, the real head-office server, the kiosk's pull.

SMTP server (aiosmtpd) and ``kiosk-server`` both run on loopback. The kiosk fetches its site's
keys from head office (derived from the master secret ``migrate`` keeps in the database), a
check-in mails the host, the test opens the "I'm coming" link
like a browser (GET page, POST confirm), and the kiosk's sync pull turns the reply into
"李娜 正在赶来" on the done screen's status.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from notify_fixtures import check_in, make_directory, make_settings
from notify_servers import SmtpServer
from pg_fixture import postgres  # noqa: F401  (fixture)

from kiosk.core.config.clock import SystemClock
from kiosk.core.keys.hierarchy import KeyPurpose
from kiosk.core.keys.site_keys import SiteKeys
from kiosk.core.notify.channels import AppriseNotifier
from kiosk.core.notify.reply_links import ReplyToken, reply_url, sign
from kiosk.core.notify.worker import NotifyWorker
from sync.client import HeadOfficeClient
from tests.support.harness import HeadOffice, KioskHarness, ServerProcess, enrolled_kiosk

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def head_office(request, tmp_path_factory) -> Iterator[tuple[HeadOffice, ServerProcess]]:
    folder = tmp_path_factory.mktemp(f"head-office-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'ho.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    ho = HeadOffice(url)
    ho.add_site("demo", "示范大厦", "Demo Tower")
    server = ServerProcess(url, log_path=folder / "server.log").start()
    yield ho, server
    server.stop()
    ho.close()


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def kiosk(head_office, smtp, tmp_path) -> Iterator[tuple[KioskHarness, NotifyWorker]]:
    ho, server = head_office
    harness = enrolled_kiosk(server.url, ho.add_kiosk("demo"), tmp_path)
    make_directory(
        harness.records, host_urls={"h1": (smtp.url(f"li.na.{tmp_path.name}@example.com"),)}
    )
    # no key and no head-office URL in the settings: both come from the enrollment
    settings = make_settings(reply_key="", front_desk_urls=(), department_urls=())
    settings = settings.replace("head_office", url="")
    worker = NotifyWorker(
        store=harness.store,
        records=harness.records,
        notifier=AppriseNotifier(),
        clock=SystemClock(),
        settings=settings,
        head_office_url=server.url,
        site_keys=SiteKeys(
            store=harness.store,
            clock=SystemClock(),
            head_office=HeadOfficeClient(server.url, harness.token),
        ),
    )
    worker.start()
    deadline = time.monotonic() + 20
    while worker.site_keys.current(KeyPurpose.REPLY_LINK) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert worker.site_keys.current(KeyPurpose.REPLY_LINK), "the worker never fetched the key"
    yield harness, worker
    worker.stop()
    harness.close()


def _links(smtp: SmtpServer, to: str) -> dict[str, str]:
    [mail] = smtp.mailbox.wait_for(to)
    plain = mail.get_body(("plain",)).get_content()
    found = re.findall(r"(我马上来|请稍等5分钟)：(\S+/api/v1/reply/\S+)", plain)
    return {("coming" if label == "我马上来" else "wait"): url for label, url in found}


def test_reply_link_end_to_end(kiosk, smtp, tmp_path) -> None:
    harness, worker = kiosk
    visit_id = check_in(harness.store, harness.store.clock)
    links = _links(smtp, f"li.na.{tmp_path.name}@example.com")
    assert set(links) == {"coming", "wait"}

    with httpx.Client(timeout=10) as browser:
        page = browser.get(links["coming"])  # what a mail scanner does too: records nothing
        assert page.status_code == 200 and "确认：我马上来" in page.text
        assert "Confirm: I&#x27;m coming" in page.text or "Confirm: I'm coming" in page.text
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action is not None
        done = browser.post(links["coming"].split("/api/")[0] + action.group(1))
        assert done.status_code == 200 and "已回复" in done.text

        # single use: the same link again, and the message's other link, are refused kindly
        again = browser.post(links["coming"])
        assert again.status_code == 409 and "已经回复过" in again.text
        other = browser.get(links["wait"])
        assert other.status_code == 409 and "already been answered" in other.text

    assert worker.status_for(visit_id).state == "notified"  # not pulled yet
    result = harness.client.sync_once()
    assert result.pulled >= 1 and result.rejected == 0
    status = worker.status_for(visit_id)
    assert status.state == "coming"
    assert status.text() == "李娜 正在赶来（约2分钟）"
    assert worker.status_for(visit_id, "en").text() == "Li Na is on the way (about 2 min)"
    # the reply stopped the escalation
    row = harness.store.query_one(
        "SELECT escalate_at FROM notify_visits WHERE visit_id=?", (visit_id,)
    )
    assert row["escalate_at"] is None
    # and head office has the delivery report (notify.sent went up with the push)
    assert harness.store.pending("sync") == 0


def test_expired_and_forged_links_get_clear_pages(kiosk, head_office) -> None:
    _harness, worker = kiosk
    _, server = head_office
    found = worker.site_keys.current(KeyPurpose.REPLY_LINK)
    assert found is not None
    key = found.key
    now = SystemClock().now()
    expired = sign(
        key,
        ReplyToken(
            "demo",
            "v-old",
            "coming",
            0,
            "host:h1",
            "r-old",
            int((now - timedelta(minutes=1)).timestamp()),
        ),
    )
    r = httpx.get(reply_url(server.url, expired), timeout=10)
    assert r.status_code == 410 and "已过期" in r.text and "expired" in r.text
    r = httpx.post(reply_url(server.url, expired), timeout=10)
    assert r.status_code == 410
    forged = sign(
        b"not the site key at all, 32 byte",
        ReplyToken("demo", "v1", "coming", 0, "host:h1", "r1", int(now.timestamp()) + 600),
    )
    for bad in (forged, "nonsense", expired[:-3] + "abc"):
        r = httpx.post(reply_url(server.url, bad), timeout=10)
        assert (r.status_code in (400, 410) and "无效" in r.text) or "expired" in r.text


def test_two_taps_at_once_record_one_reply(kiosk, smtp, head_office, tmp_path) -> None:
    """Both links of a message tapped at the same moment: one wins, one is told it is used."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import select

    from sync.server.models import Change

    harness, _worker = kiosk
    ho, _server = head_office
    visit_id = check_in(harness.store, harness.store.clock)
    links = _links(smtp, f"li.na.{tmp_path.name}@example.com")
    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(lambda url: httpx.post(url, timeout=20).status_code, [*links.values()] * 2)
        )
    assert sorted(answers) == [200, 409, 409, 409]
    with ho.sessions() as s:
        feed = s.scalars(
            select(Change).where(Change.kind == "host.replied", Change.entity_id == visit_id)
        ).all()
    assert len(feed) == 1
