"""Reply-link tokens: signed, expiring, bound to their site; tampering is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.core.config.errors import DeniedError
from kiosk.core.notify.reply_links import (
    ReplyToken,
    parse_key,
    peek_site,
    reply_url,
    sign,
    site_key,
    verify,
)

KEY = site_key(b"master secret of head office", "demo")
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def token(**kw: object) -> ReplyToken:
    base: dict = dict(
        site_id="demo",
        visit_id="v1",
        reply="wait",
        minutes=5,
        recipient="host:h1",
        reply_id="r1",
        expires=int(NOW.timestamp()) + 3600,
    )
    base.update(kw)
    return ReplyToken(**base)


def test_round_trip() -> None:
    text = sign(KEY, token())
    assert verify(KEY, text, now=NOW) == token()
    assert peek_site(text) == "demo"
    assert reply_url("https://ho.example/", text) == f"https://ho.example/api/v1/reply/{text}"
    assert all(c.isalnum() or c in "-_." for c in text)  # safe in a URL path as is


def test_expired() -> None:
    text = sign(KEY, token(expires=int(NOW.timestamp()) - 1))
    with pytest.raises(DeniedError) as info:
        verify(KEY, text, now=NOW)
    assert info.value.message_key == "notify.page.expired"


def test_other_site_key_and_tampering_are_refused() -> None:
    text = sign(KEY, token())
    other = site_key(b"master secret of head office", "other-site")
    for bad_key, bad_text in [
        (other, text),
        (KEY, text[:-2] + ("A" if text[-2] != "A" else "B") + text[-1]),
        (KEY, sign(other, token())),
        (KEY, "garbage"),
        (KEY, "a.b"),
        (KEY, ""),
    ]:
        with pytest.raises(DeniedError) as info:
            verify(bad_key, bad_text, now=NOW)
        assert info.value.message_key == "notify.page.invalid"


def test_parse_key() -> None:
    assert parse_key("00" * 16) == bytes(16)
    with pytest.raises(ValueError):
        parse_key("abcd")
    with pytest.raises(ValueError):
        parse_key("zz" * 16)


def test_links_point_at_the_server_prefix() -> None:
    from kiosk.core.notify.reply_links import SERVER_PREFIX
    from sync.protocol import API_PREFIX

    assert SERVER_PREFIX == API_PREFIX


def test_head_office_prints_a_site_key_the_kiosk_accepts(monkeypatch, capsys) -> None:
    from sync.server.replies import REPLY_SECRET_ENV, main

    monkeypatch.delenv(REPLY_SECRET_ENV, raising=False)
    assert main(["demo"]) == 1
    monkeypatch.setenv(REPLY_SECRET_ENV, "master secret of head office")
    assert main(["demo"]) == 0
    printed = capsys.readouterr().out.strip()
    assert parse_key(printed) == KEY
