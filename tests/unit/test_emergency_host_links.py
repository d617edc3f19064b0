"""Host roll-call links: they verify under their key until they expire, name no person, and
neither a reply link nor a ticket link is taken for one (or the other way round)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.core.config.errors import DeniedError
from kiosk.core.emergency import host_links
from kiosk.core.notify import reply_links
from kiosk.core.tickets import links as ticket_links

KEY = b"k" * 32
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LINK = host_links.HostLink("demo", "inc-1", "h001", int(NOW.timestamp()) + 60, key_version=2)


def test_a_link_verifies_until_it_expires() -> None:
    token = host_links.sign(KEY, LINK)
    assert host_links.peek_key(token) == ("demo", 2)
    assert host_links.verify(KEY, token, now=NOW) == LINK
    with pytest.raises(DeniedError) as e:
        host_links.verify(KEY, token, now=datetime.fromtimestamp(LINK.expires + 1, UTC))
    assert e.value.message_key == host_links.EXPIRED
    with pytest.raises(DeniedError) as e:
        host_links.verify(b"x" * 32, token, now=NOW)
    assert e.value.message_key == host_links.INVALID
    assert host_links.link_url("https://ho.example/", token).startswith(
        "https://ho.example/api/v1/rollcall/"
    )


def test_no_other_kind_of_token_is_taken_for_another() -> None:
    reply = reply_links.sign(
        KEY, reply_links.ReplyToken("demo", "v1", "coming", 0, "host:h001", "r", LINK.expires)
    )
    ticket = ticket_links.sign(KEY, ticket_links.TicketLink("demo", "t1", "rnd", LINK.expires))
    for other in (reply, ticket):
        with pytest.raises(DeniedError) as e:
            host_links.verify(KEY, other, now=NOW)
        assert e.value.message_key == host_links.INVALID
    token = host_links.sign(KEY, LINK)
    with pytest.raises(DeniedError):
        reply_links.verify(KEY, token, now=NOW)
    with pytest.raises(DeniedError):
        ticket_links.verify(KEY, token, now=NOW)
