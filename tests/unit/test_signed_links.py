"""The token shape shared by reply links and route links, and the link kinds signed with the
site's reply-link key (reply, ticket and roll-call links): no kind's token opens as another's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.core import signed_links
from kiosk.core.config.errors import DeniedError
from kiosk.core.emergency import host_links
from kiosk.core.notify import reply_links
from kiosk.core.tickets import links as ticket_links

KEY = b"k" * 32


@pytest.mark.parametrize("size", [16, 32])
def test_a_sealed_body_opens_and_verifies(size):
    token = signed_links.seal(KEY, {"s": "demo", "n": 1, "t": "访客"}, mac_size=size)
    payload, body, signed = signed_links.split(token, max_length=512, what="t", error_key="x.bad")
    assert body == {"s": "demo", "n": 1, "t": "访客"}
    assert len(signed) == size
    signed_links.check(KEY, payload, signed, mac_size=size, what="t", error_key="x.bad")


def test_another_key_or_an_altered_payload_is_refused():
    token = signed_links.seal(KEY, {"s": "demo"})
    payload, _, signed = signed_links.split(token, max_length=512, what="t", error_key="x.bad")
    with pytest.raises(DeniedError) as info:
        signed_links.check(b"other" * 8, payload, signed, what="t", error_key="x.bad")
    assert info.value.message_key == "x.bad"
    altered = signed_links.seal(KEY, {"s": "other"}).split(".")[0]
    with pytest.raises(DeniedError):
        signed_links.check(KEY, altered, signed, what="t", error_key="x.bad")


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "!!.??", "W10.AAAA", "x" * 600 + ".a"])
def test_malformed_tokens_are_refused_with_the_callers_key(token):
    with pytest.raises(DeniedError) as info:
        signed_links.split(token, max_length=512, what="t", error_key="x.bad")
    assert info.value.message_key == "x.bad"


NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
LATER = int(NOW.timestamp()) + 600


def _tokens() -> dict[str, str]:
    reply = reply_links.ReplyToken("north", "v1", "coming", 5, "host:h1", "r1", LATER, 2)
    ticket = ticket_links.TicketLink("north", "t1", "d1", LATER, 2)
    host = host_links.HostLink("north", "inc1", "h1", LATER, 2)
    return {
        "reply": reply_links.sign(KEY, reply),
        "ticket": ticket_links.sign(KEY, ticket),
        "host": host_links.sign(KEY, host),
    }


MODULES = {"reply": reply_links, "ticket": ticket_links, "host": host_links}


@pytest.mark.parametrize("kind", sorted(MODULES))
def test_each_kind_opens_only_its_own_tokens(kind):
    tokens = _tokens()
    module = MODULES[kind]
    assert module.peek_key(tokens[kind]) == ("north", 2)
    assert module.verify(KEY, tokens[kind], now=NOW).expires == LATER
    for other, token in tokens.items():
        if other != kind:
            with pytest.raises(DeniedError) as info:
                module.verify(KEY, token, now=NOW)
            assert info.value.message_key == module.KIND.invalid
    with pytest.raises(DeniedError) as info:
        module.verify(KEY, tokens[kind], now=datetime.fromtimestamp(LATER + 1, UTC))
    assert info.value.message_key == module.KIND.expired


def test_a_link_names_its_route_under_the_api():
    assert (
        ticket_links.ticket_url("https://ho.example/", "T") == "https://ho.example/api/v1/ticket/T"
    )
    assert host_links.link_url("https://ho.example", "T") == "https://ho.example/api/v1/rollcall/T"
    assert reply_links.reply_url("https://ho.example", "T") == "https://ho.example/api/v1/reply/T"
