"""Host notification through real channels on loopback: an SMTP server and a JSON webhook."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from notify_fixtures import check_in, make_directory, make_settings
from notify_servers import BlackHole, SmtpServer, WebhookServer, closed_port

from kiosk.core.config.clock import FakeClock
from kiosk.core.notify.channels import AppriseNotifier
from kiosk.core.notify.worker import NotifyWorker
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def webhook():
    server = WebhookServer().start()
    yield server
    server.stop()


@pytest.fixture
def kiosk(tmp_path, smtp, webhook):
    clock = FakeClock()
    store = Store(tmp_path / "kiosk.sqlite3", clock=clock)
    records = Records(store)
    tag = tmp_path.name
    urls = {
        "h1": (smtp.url(f"li.na.{tag}@example.com"),),
        "h2": (smtp.url(f"wang.qiang.{tag}@example.com"), webhook.url(f"wang/{tag}")),
        "h3": (smtp.url(f"zhao.min.{tag}@example.com"),),
        "h4": (),
    }
    make_directory(records, host_urls=urls)
    settings = make_settings(
        front_desk_urls=(webhook.url(f"front/{tag}"),),
        department_urls=(f"rnd={smtp.url(f'rnd.{tag}@example.com')}",),
        send_timeout=5.0,
    )
    worker = NotifyWorker(
        store=store, records=records, notifier=AppriseNotifier(), clock=clock, settings=settings
    )
    worker.start()
    yield store, records, clock, worker, tag
    worker.stop()
    store.close()


def test_chinese_subject_and_body_arrive_intact_by_mail(kiosk, smtp) -> None:
    store, _, clock, worker, tag = kiosk
    visit_id = check_in(store, clock, name="欧阳娜娜", company="北京星河科技有限公司")
    [mail] = smtp.mailbox.wait_for(f"li.na.{tag}@example.com")
    assert mail["Subject"] == "访客欧阳娜娜（北京星河科技有限公司）已到示范大厦，正在等候您"
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for text in (plain, html):
        assert "欧阳娜娜" in text and "北京星河科技有限公司" in text and "会议" in text
        assert "我马上来" in text and "请稍等5分钟" in text
        assert "https://ho.example/api/v1/reply/" in text
    assert worker.wait_idle()
    assert worker.status_for(visit_id).state == "notified"


def test_hostile_visitor_data_stays_in_the_body(kiosk, smtp) -> None:
    store, _, clock, _worker, tag = kiosk
    check_in(store, clock, name="Eve\r\nBcc: victim@example.com", company="<img src=x onerror=1>")
    [mail] = smtp.mailbox.wait_for(f"li.na.{tag}@example.com")
    assert mail["Bcc"] is None
    assert "\n" not in mail["Subject"]
    html = mail.get_body(("html",)).get_content()
    assert "<img" not in html and "&lt;img src=x onerror=1&gt;" in html


def test_escalation_reaches_delegate_mail_and_webhook_then_front_desk(kiosk, smtp, webhook) -> None:
    store, _, clock, worker, tag = kiosk
    visit_id = check_in(store, clock)
    smtp.mailbox.wait_for(f"li.na.{tag}@example.com")
    assert worker.wait_idle()
    clock.advance(119)
    assert worker.wait_idle()
    assert smtp.mailbox.to(f"wang.qiang.{tag}@example.com") == []
    clock.advance(1)
    worker.run_once()
    [mail] = smtp.mailbox.wait_for(f"wang.qiang.{tag}@example.com")
    assert mail["Subject"] == "For Li Na: 张伟 (星河科技) is waiting"
    [hook] = webhook.wait_for(f"/wang/{tag}")
    assert hook["title"] == "For Li Na: 张伟 (星河科技) is waiting"
    assert "has not replied within 2 min" in hook["message"]
    clock.advance(120)
    worker.run_once()
    [desk] = webhook.wait_for(f"/front/{tag}")
    assert desk["title"].startswith("请协助：访客张伟")
    assert worker.wait_idle()
    assert worker.status_for(visit_id).state == "front_desk"


def test_dead_and_silent_channels_do_not_delay_the_others(tmp_path, smtp, webhook) -> None:
    hole = BlackHole()
    clock = FakeClock()
    store = Store(tmp_path / "kiosk.sqlite3", clock=clock)
    records = Records(store)
    dead_mail = f"mailto://127.0.0.1:{hole.port}?from=kiosk@example.com&to=silent@example.com"
    dead_hook = f"json://127.0.0.1:{hole.port}/never"
    refused = f"json://127.0.0.1:{closed_port()}/refused"
    make_directory(
        records,
        host_urls={
            "h3": (dead_mail, dead_hook, refused),
            "h4": (smtp.url("sun.li@example.com"), webhook.url("sun")),
        },
    )
    settings = make_settings(send_timeout=30.0, front_desk_urls=(), department_urls=())
    worker = NotifyWorker(
        store=store, records=records, notifier=AppriseNotifier(), clock=clock, settings=settings
    )
    worker.start()
    try:
        check_in(store, clock, host_id="h3")  # first in the queue, all three channels dead
        check_in(store, clock, host_id="h4")
        assert smtp.mailbox.wait_for("sun.li@example.com"), "the healthy mail never arrived"
        assert webhook.wait_for("/sun"), "the healthy webhook never arrived"
        # the silent channels are still waiting for an answer (30 s time limit) ...
        busy = worker.sending.busy_urls()
        assert {dead_mail, dead_hook} <= busy
        # ... and the refused one has already failed once and waits for its retry
        row = store.query_one(
            "SELECT attempts, last_error FROM notify_deliveries WHERE url=?", (refused,)
        )
        assert row["attempts"] == 1 and row["last_error"]
    finally:
        worker.stop()
        store.close()
        hole.close()


def test_receptionist_check_in_notifies_the_host_too(kiosk, smtp) -> None:
    """The receptionist's check-in goes through the same use case and the same event."""
    from kiosk.core.visits.checkin import CheckinForm, CheckinService

    _store, records, clock, worker, tag = kiosk
    service = CheckinService(records=records, settings=worker.settings, clock=clock)
    result = service.check_in(
        CheckinForm(
            name="陈静",
            phone="13912345678",
            company="前台代登记",
            purpose="meeting",
            host_id="h1",
            consent=True,
            language="zh_CN",
        )
    )
    [mail] = smtp.mailbox.wait_for(f"li.na.{tag}@example.com")
    assert "陈静" in mail["Subject"]
    assert worker.wait_idle()
    assert worker.status_for(result.visit.id).state == "notified"
