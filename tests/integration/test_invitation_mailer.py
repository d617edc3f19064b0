"""Head office's invitation mailer against a real SMTP server (aiosmtpd on loopback) and a real
migrated database: the guest's mail in their language with a QR a real decoder (zbarimg) reads
as the invitation's code; a relay that is down is retried on the clock; an address the relay
refuses for good is quarantined and never tried again. The whole path from the dashboard to a
kiosk is test_invitation_mail_flow.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import ConfigError, ValidationError
from kiosk.core.workers.retry import RetryPolicy
from sync.server.api.invitation_routes import create_invitation_record
from sync.server.api.schemas import InvitationCreate
from sync.server.db import make_engine, make_sessionmaker
from sync.server.invitation_mail import check_address, queue_invitation_mail
from sync.server.mail_models import InvitationMessage, MailQuarantine
from sync.server.mail_sender import sender_from_url
from sync.server.mail_worker import InvitationMailer
from sync.server.migrate import upgrade
from sync.server.models import Department, Host, Site
from tests.integration.notify_servers import Mailbox, SmtpServer, closed_port
from tests.support.mail_qr import qr_of

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'ho.sqlite3'}")
    upgrade(engine)
    maker = make_sessionmaker(engine)
    with maker() as s, s.begin():
        s.add(Site(id="north", name_zh="北区大楼", name_en="North Tower", timezone="Asia/Shanghai"))
        s.flush()
        s.add(Department(id="rnd", site_id="north", name_zh="研发部", name_en="R&D"))
        s.flush()
        s.add(
            Host(id="h1", site_id="north", department_id="rnd", name_zh="王芳", name_en="Wang Fang")
        )
    yield maker
    engine.dispose()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def invite(sessions, *, address: str, language: str, day: datetime | None = None) -> str:
    with sessions() as s, s.begin():
        inv = create_invitation_record(
            s,
            InvitationCreate(
                site_id="north", visitor_name="李雷", host_id="h1", valid_from=day, valid_until=None
            ),
        )
        return queue_invitation_mail(s, inv, address=address, language=language, now=NOW).id


def mailer(sessions, url: str, clock: FakeClock, **kw) -> InvitationMailer:
    return InvitationMailer(sessions=sessions, sender=sender_from_url(url), clock=clock, **kw)


def test_the_guest_gets_their_language_and_a_qr_of_the_code(sessions, smtp, tmp_path) -> None:
    zh = invite(sessions, address="li@example.com", language="zh_CN", day=NOW)
    en = invite(sessions, address="lily@example.com", language="en")
    m = mailer(sessions, f"mailto://127.0.0.1:{smtp.port}?from=office@example.com", FakeClock(NOW))
    assert m.run_once() is False  # both sent, nothing left
    [mail_zh] = smtp.mailbox.wait_for("li@example.com")
    [mail_en] = smtp.mailbox.wait_for("lily@example.com")
    with sessions() as s:
        codes = {r.id: r for r in s.scalars(select(InvitationMessage))}
        from sync.server.models import Invitation

        code_of = {mid: s.get_one(Invitation, r.invitation_id).code for mid, r in codes.items()}
        assert {r.state for r in codes.values()} == {"sent"}
    assert mail_zh["Subject"] == "访客邀请：北区大楼" and mail_zh["From"] == "office@example.com"
    text_zh = mail_zh.get_body(("plain",)).get_content()
    assert "被访人：王芳" in text_zh and "来访日期：2026-12-01" in text_zh
    assert f"预约码：{code_of[zh]}" in text_zh
    assert mail_en["Subject"] == "Your invitation to North Tower"
    text_en = mail_en.get_body(("plain",)).get_content()
    assert "You are visiting: Wang Fang" in text_en and "any day" in text_en
    assert qr_of(mail_zh, tmp_path) == [code_of[zh]]
    assert qr_of(mail_en, tmp_path) == [code_of[en]]


def test_a_relay_that_is_down_is_retried_on_the_clock(sessions, smtp, tmp_path) -> None:
    message_id = invite(sessions, address="li@example.com", language="zh_CN")
    clock = FakeClock(NOW)
    down = mailer(sessions, f"mailto://127.0.0.1:{closed_port()}?from=o@example.com", clock)
    down.run_once()
    with sessions() as s:
        record = s.get_one(InvitationMessage, message_id)
        assert (record.state, record.attempts) == ("queued", 1)
        assert "unreachable" in record.last_error
        wait = (record.next_attempt_at - NOW).total_seconds()
    assert 0 < wait <= 60 and down.due_in() == pytest.approx(wait, abs=1)
    up = mailer(sessions, f"mailto://127.0.0.1:{smtp.port}?from=o@example.com", clock)
    up.run_once()  # not yet due: nothing sent
    assert smtp.mailbox.to("li@example.com") == []
    clock.advance(wait + 1)
    up.run_once()
    assert len(smtp.mailbox.wait_for("li@example.com")) == 1
    with sessions() as s:
        record = s.get_one(InvitationMessage, message_id)
        assert (record.state, record.attempts, record.last_error) == ("sent", 2, "")


def test_attempts_spent_leave_the_message_failed(sessions) -> None:
    message_id = invite(sessions, address="li@example.com", language="en")
    clock = FakeClock(NOW)
    m = mailer(
        sessions,
        f"mailto://127.0.0.1:{closed_port()}?from=o@example.com",
        clock,
        retry=RetryPolicy(base=1.0, cap=1.0, attempts=2),
    )
    m.run_once()
    clock.advance(2)
    m.run_once()
    with sessions() as s:
        assert s.get_one(InvitationMessage, message_id).state == "failed"
    assert m.due_in() is None


class Refusing(Mailbox):
    """A relay that knows no mailbox called ``nobody``."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_an_address_refused_for_good_is_quarantined_and_not_tried_again(sessions, tmp_path):
    from tests.integration.notify_servers import free_port

    box, port = Refusing(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        first = invite(sessions, address="nobody@example.com", language="zh_CN")
        m = mailer(sessions, f"mailto://127.0.0.1:{port}?from=o@example.com", FakeClock(NOW))
        m.run_once()
        with sessions() as s:
            record = s.get_one(InvitationMessage, first)
            assert record.state == "quarantined" and "550" in record.last_error
            assert "nobody@example.com" not in record.last_error  # the guest's address left out
            assert s.get(MailQuarantine, record.address_digest) is not None
        again = invite(sessions, address="NoBody@example.com ", language="en")
        with sessions() as s:
            assert s.get_one(InvitationMessage, again).state == "quarantined"
        m.run_once()
        assert box.messages == []
    finally:
        controller.stop()


def test_the_address_is_sealed_at_rest(sessions, tmp_path) -> None:
    invite(sessions, address="li@example.com", language="zh_CN")
    for f in tmp_path.glob("ho.sqlite3*"):  # the WAL too
        assert b"li@example.com" not in f.read_bytes()


@pytest.mark.parametrize("bad", ["li", "li@", "@example.com", "li@example", "a b@example.com"])
def test_what_is_not_an_address_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        check_address(bad)


@pytest.mark.parametrize(
    ("url", "port", "tls"),
    [
        ("mailto://relay.example.com?from=o@example.com", 25, ""),
        ("mailtos://u:p@relay.example.com?from=o@example.com", 587, "starttls"),
        ("mailtos://relay.example.com:465?from=o@example.com", 465, "implicit"),
    ],
)
def test_the_relay_url_is_the_kiosks_mail_server_form(url: str, port: int, tls: str) -> None:
    sender = sender_from_url(url)
    assert (sender.host, sender.port, sender.tls, sender.sender) == (
        "relay.example.com",
        port,
        tls,
        "o@example.com",
    )


def test_a_relay_url_without_a_sender_is_refused_without_its_password() -> None:
    with pytest.raises(ConfigError) as e:
        sender_from_url("mailtos://user:s3cretpassw0rd@relay.example.com")
    assert "s3cretpassw0rd" not in str(e.value)


def test_the_retention_purge_forgets_sent_messages_but_not_queued_ones(sessions, smtp) -> None:
    from datetime import timedelta

    from sync.server.retention import purge_site, site_retention_days

    sent = invite(sessions, address="li@example.com", language="zh_CN")
    mailer(
        sessions, f"mailto://127.0.0.1:{smtp.port}?from=o@example.com", FakeClock(NOW)
    ).run_once()
    waiting = invite(sessions, address="lily@example.com", language="en")
    with sessions() as s, s.begin():
        site = s.get_one(Site, "north")
        later = NOW + timedelta(days=site_retention_days(site) + 1)
        assert purge_site(s, site, later).invitation_mails == 1
    with sessions() as s:
        assert s.get(InvitationMessage, sent) is None
        assert s.get(InvitationMessage, waiting) is not None


def test_two_mailers_on_one_database_send_a_message_once(sessions, smtp) -> None:
    """Two server processes' mailers: the claim (a conditional update) lets one of them send."""
    message_id = invite(sessions, address="li@example.com", language="zh_CN")
    url = f"mailto://127.0.0.1:{smtp.port}?from=o@example.com"
    clock = FakeClock(NOW)
    from concurrent.futures import ThreadPoolExecutor

    pair = (mailer(sessions, url, clock), mailer(sessions, url, clock))
    with ThreadPoolExecutor(2) as pool:
        states = sorted(pool.map(lambda m: m.send_one(message_id, NOW), pair))
    assert states == ["", "sent"]  # one claimed it, the other found it taken
    assert len(smtp.mailbox.wait_for("li@example.com")) == 1
    with sessions() as s:
        assert s.get_one(InvitationMessage, message_id).attempts == 1


def test_a_guest_with_a_mobile_gets_a_text_through_the_sms_gateway(sessions) -> None:
    """A real HTTP gateway on loopback (``json://``, as a generic SMS gateway looks to apprise):
    the catalogue's text in the guest's language, then the approved template when one is set;
    a gateway that is down is retried."""
    from sync.server.mail_sender import SmsGateway
    from sync.server.models import Invitation
    from tests.integration.notify_servers import WebhookServer

    gateway = WebhookServer().start()
    try:
        clock = FakeClock(NOW)
        sms = SmsGateway(gateway.url("sms/{phone}"))
        m = InvitationMailer(sessions=sessions, sender=None, sms=sms, clock=clock)
        with sessions() as s, s.begin():
            inv = create_invitation_record(
                s, InvitationCreate(site_id="north", visitor_name="李雷", phone="13812345678")
            )
            code = inv.code
            queue_invitation_mail(
                s, inv, address="13812345678", language="zh_CN", now=NOW, channel="sms"
            )
        m.run_once()
        [body] = gateway.wait_for("/sms/13812345678")
        assert f"预约码 {code}" in body["message"] and "北区大楼" in body["message"]

        approved = SmsGateway(gateway.url("sms/{phone}"), "【北区大楼】您的预约码{code}，{day}有效")
        m = InvitationMailer(sessions=sessions, sender=None, sms=approved, clock=clock)
        with sessions() as s, s.begin():
            inv = s.get_one(Invitation, inv.id)
            queue_invitation_mail(
                s, inv, address="13900001111", language="en", now=NOW, channel="sms"
            )
        m.run_once()
        [body] = gateway.wait_for("/sms/13900001111")
        assert body["message"] == f"【北区大楼】您的预约码{code}，any day有效"

        down = SmsGateway(f"json://127.0.0.1:{closed_port()}/sms/{{phone}}")
        m = InvitationMailer(sessions=sessions, sender=None, sms=down, clock=clock)
        with sessions() as s, s.begin():
            inv = s.get_one(Invitation, inv.id)
            waiting = queue_invitation_mail(
                s, inv, address="13700002222", language="en", now=NOW, channel="sms"
            ).id
        m.run_once()
        with sessions() as s:
            record = s.get_one(InvitationMessage, waiting)
            assert (record.state, record.attempts) == ("queued", 1) and record.last_error
            assert "13700002222" not in record.last_error
    finally:
        gateway.stop()


def test_erasing_a_person_forgets_head_offices_messages_to_them(sessions, smtp) -> None:
    from sync.server.person_requests import erase_person

    with sessions() as s, s.begin():
        inv = create_invitation_record(
            s, InvitationCreate(site_id="north", visitor_name="李雷", phone="13812345678")
        )
        mail = queue_invitation_mail(s, inv, address="li@example.com", language="zh_CN", now=NOW)
        text = queue_invitation_mail(
            s, inv, address="13812345678", language="zh_CN", now=NOW, channel="sms"
        )
        ids = (mail.id, text.id)
    with sessions() as s, s.begin():
        assert erase_person(s, s.get_one(Site, "north"), "13812345678", by="dpo", now=NOW)
    with sessions() as s:
        assert [s.get(InvitationMessage, i) for i in ids] == [None, None]
