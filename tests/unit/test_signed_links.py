"""The token shape shared by reply links and route links."""

from __future__ import annotations

import pytest

from kiosk.core import signed_links
from kiosk.core.config.errors import DeniedError

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
