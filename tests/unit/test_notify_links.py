"""Reply-link tokens: signed, expiring, bound to their site; tampering is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.core.config.errors import DeniedError
from kiosk.core.keys.hierarchy import KeyPurpose, derive, parse_versioned
from kiosk.core.notify.reply_links import ReplyToken, parse_key, peek_key, reply_url, sign, verify

KEY = derive(b"master secret of head office", KeyPurpose.REPLY_LINK, "demo")
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
    assert peek_key(text) == ("demo", 1)
    assert reply_url("https://ho.example/", text) == f"https://ho.example/api/v1/reply/{text}"
    assert all(c.isalnum() or c in "-_." for c in text)  # safe in a URL path as is


def test_expired() -> None:
    text = sign(KEY, token(expires=int(NOW.timestamp()) - 1))
    with pytest.raises(DeniedError) as info:
        verify(KEY, text, now=NOW)
    assert info.value.message_key == "notify.page.expired"


def test_other_site_key_and_tampering_are_refused() -> None:
    text = sign(KEY, token())
    other = derive(b"master secret of head office", KeyPurpose.REPLY_LINK, "other-site")
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


def test_a_link_names_its_key_version_and_only_that_version_verifies_it() -> None:
    master = b"master secret of head office"
    v2 = derive(master, KeyPurpose.REPLY_LINK, "demo", 2)
    assert v2 != KEY and derive(master, KeyPurpose.ROUTE_LINK, "demo") != KEY
    text = sign(v2, token(key_version=2))
    assert peek_key(text) == ("demo", 2)
    assert verify(v2, text, now=NOW).key_version == 2
    with pytest.raises(DeniedError):
        verify(KEY, text, now=NOW)
    # a version-1 link carries no version field: links made before versions stay valid
    assert "k" not in __import__("json").loads(
        __import__("base64").urlsafe_b64decode(sign(KEY, token()).split(".")[0] + "==")
    )


def test_a_key_written_by_hand_is_version_colon_hex_or_plain_hex() -> None:
    assert parse_versioned("3:" + "ab" * 16, KeyPurpose.REPLY_LINK).version == 3
    assert parse_versioned("ab" * 16, KeyPurpose.REPLY_LINK).version == 1
    for bad in ("0:" + "ab" * 16, "x:" + "ab" * 16, "2:abcd"):
        with pytest.raises(ValueError):
            parse_versioned(bad, KeyPurpose.REPLY_LINK)
