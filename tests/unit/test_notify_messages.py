"""Host message templates: both languages, reply links or the note that there are none."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.core.config.i18n import catalogue
from kiosk.core.notify.messages import HostMessageContext, clean, render_host_message

AT = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)


def ctx(**kw: object) -> HostMessageContext:
    base: dict = dict(
        stage="host",
        reason="new",
        lang="zh_CN",
        host_name="李娜",
        visitor_name="张伟",
        company="星河科技",
        purpose="meeting",
        site_name="示范大厦",
        kiosk_name="kiosk-1",
        arrived_at=AT,
        coming_url="https://ho.example/reply/A.B",
        wait_url="https://ho.example/reply/C.D",
        wait_minutes=5,
    )
    base.update(kw)
    return HostMessageContext(**base)


def test_chinese_host_message_has_every_fact_and_both_links() -> None:
    m = render_host_message(ctx())
    assert "张伟" in m.subject and "示范大厦" in m.subject
    for fact in ("张伟", "星河科技", "会议", "示范大厦", "kiosk-1", "2026-11-26 09:30"):
        assert fact in m.text and fact in m.html
    assert "我马上来：https://ho.example/reply/A.B" in m.text
    assert "请稍等5分钟：https://ho.example/reply/C.D" in m.text
    assert "访客：张伟" in m.text
    assert '<b>我马上来</b>：<a href="https://ho.example/reply/A.B">https://ho' in m.html


def test_english_message_for_an_english_host() -> None:
    m = render_host_message(ctx(lang="en", host_name="Wang Qiang"))
    assert m.subject == "张伟 (星河科技) is waiting for you at 示范大厦"
    assert "I'm coming: https://ho.example/reply/A.B" in m.text
    assert "Please wait 5 minutes" in m.text
    assert "Purpose: Meeting" in m.text


def test_without_head_office_the_message_says_there_are_no_links() -> None:
    m = render_host_message(ctx(lang="en", coming_url=None, wait_url=None))
    assert "no reply links" in m.text and "https://" not in m.text
    zh = render_host_message(ctx(coming_url=None, wait_url=None))
    assert "无法在线回复" in zh.text


def test_escalation_messages_say_why() -> None:
    m = render_host_message(ctx(stage="delegate", reason="no_reply", lang="en", waited_minutes=2))
    assert m.subject.startswith("For 李娜")
    assert "has not replied within 2 min" in m.text
    away = render_host_message(ctx(stage="delegate", reason="away"))
    assert "李娜今天不在" in away.text
    desk = render_host_message(ctx(stage="front_desk", reason="no_reply", lang="en"))
    assert desk.subject.startswith("Please help")
    assert "reply/" not in desk.text  # the front desk does not answer on the host's behalf


def test_visitor_data_cannot_inject_headers_or_html() -> None:
    m = render_host_message(
        ctx(visitor_name="Eve\r\nBcc: all@example.com", company="<script>alert(1)</script>")
    )
    assert "\n" not in m.subject and "\r" not in m.subject
    assert "<script>" not in m.html and "&lt;script&gt;" in m.html
    assert "Bcc: all@example.com" not in m.text.splitlines()


@pytest.mark.parametrize(
    "raw,expected",
    [("a\nb", "a b"), ("  x  ", "x"), ("a\u202eb", "a b"), ("\ud800z", "?z"), ("a\x00b", "a b")],
)
def test_clean(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_every_notify_key_exists_in_both_languages() -> None:
    zh = {k: v for k, v in catalogue("zh_CN").items() if k.startswith("notify.")}
    en = {k: v for k, v in catalogue("en").items() if k.startswith("notify.")}
    assert zh.keys() == en.keys() and len(zh) > 40
    assert all(zh.values()) and all(en.values())
