"""Properties: any name renders inside the label; no mutation of a token verifies."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.core.badges.render import render_badge_with_layout
from kiosk.core.badges.template import BadgeData, load_template
from kiosk.core.badges.tokens import sign, verify
from kiosk.core.config.errors import DeniedError

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
KEY = b"property-test-key-0123456789abcd"

BADGE = BadgeData(
    site_name_zh="示范大厦",
    site_name_en="Demo Tower",
    visitor_name="x",
    company="上海星河科技有限公司",
    host_name="王芳 Wang Fang",
    floor="8",
    room="801",
    direction="乘左侧电梯到 8 层，出梯右转",
    token=sign(visit_id="a" * 32, site_id="demo", expires_at=NOW + timedelta(hours=8), key=KEY),
    issued_at=NOW,
    valid_until=NOW + timedelta(hours=8),
)

# scripts a lobby meets: CJK, Latin with accents, Cyrillic, Arabic, emoji, and a few oddities
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
LATIN = st.characters(min_codepoint=0x20, max_codepoint=0x24F, categories=("L", "Zs", "Pd", "Po"))
CYRILLIC = st.characters(min_codepoint=0x400, max_codepoint=0x4FF)
ARABIC = st.characters(min_codepoint=0x600, max_codepoint=0x6FF)
EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
ODD = st.sampled_from(["\u200d", "\ufe0f", "\u0301", "·", "-", "'", " ", "\t", "\n", "\u3000"])
ANY_SCRIPT = st.one_of(CJK, LATIN, CYRILLIC, ARABIC, EMOJI, ODD)
NAMES = st.one_of(
    st.text(CJK, min_size=1, max_size=200),
    st.text(LATIN, min_size=1, max_size=200),
    st.text(ARABIC, min_size=1, max_size=200),
    st.text(EMOJI, min_size=1, max_size=200),
    st.text(ANY_SCRIPT, min_size=1, max_size=200),
)


@pytest.mark.parametrize("template_name", ["label_62x100", "receipt_80"])
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(name=NAMES, purpose=st.sampled_from(["meeting", "delivery", "unknown-purpose"]))
def test_any_name_renders_inside_the_label(template_name, name, purpose):
    template = load_template(template_name)
    image, layout = render_badge_with_layout(
        replace(BADGE, visitor_name=name, purpose=purpose), template
    )
    assert image.width == template.width_px
    if template.height_px:
        assert image.height == template.height_px
    qr = next(i for i in layout.items if i.kind == "qr")
    for item in layout.items:
        left, top, right, bottom = item.box
        assert left >= 0 and right <= image.width, item
        assert top >= 0 and bottom <= image.height, item
        if item.kind == "name":
            # the name keeps to the margins and never runs into the QR code
            assert left >= template.margin_px - 4 and right <= image.width - template.margin_px + 4
            assert bottom <= qr.box[1], (item, qr)
    names = [i for i in layout.items if i.kind == "name"]
    assert 1 <= len(names) <= 2


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def mutate(token: str, rng: random.Random) -> str:
    kind = rng.randrange(8)
    i = rng.randrange(len(token))
    if kind == 0:  # substitute one character
        return token[:i] + rng.choice(ALPHABET.replace(token[i], "")) + token[i + 1 :]
    if kind == 1:  # insert
        return token[:i] + rng.choice(ALPHABET) + token[i:]
    if kind == 2:  # delete
        return token[:i] + token[i + 1 :]
    if kind == 3:  # swap two neighbours
        j = min(i + 1, len(token) - 1)
        chars = list(token)
        chars[i], chars[j] = chars[j], chars[i]
        return "".join(chars)
    if kind == 4:  # truncate
        return token[:i]
    if kind == 5:  # a lower-case letter or a foreign character
        return token[:i] + rng.choice("abcxyz01890-_=+/ é张") + token[i + 1 :]
    if kind == 6:  # several substitutions
        chars = list(token)
        for _ in range(rng.randrange(2, 6)):
            k = rng.randrange(len(chars))
            chars[k] = rng.choice(ALPHABET)
        return "".join(chars)
    # flip one bit of the decoded bytes (re-encoded canonically)
    import base64

    raw = bytearray(base64.b32decode(token + "=" * (-len(token) % 8)))
    raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
    return base64.b32encode(bytes(raw)).decode().rstrip("=")


def test_ten_thousand_mutations_are_all_refused():
    rng = random.Random(20261126)
    tokens = [
        sign(
            visit_id=f"{rng.getrandbits(128):032x}",
            site_id=rng.choice(["demo", "sh-pudong", "北京"]),
            expires_at=NOW + timedelta(hours=rng.randrange(1, 24)),
            key=KEY,
        )
        for _ in range(50)
    ]
    tried = refused = 0
    while tried < 10_000:
        token = rng.choice(tokens)
        site = verify(token, site_id=_site_of(token), key=KEY, now=NOW).site_id
        mutated = mutate(token, rng)
        if mutated == token:
            continue
        tried += 1
        try:
            verify(mutated, site_id=site, key=KEY, now=NOW)
        except DeniedError as e:
            assert e.message_key.startswith("badge.denied.")
            refused += 1
        else:
            raise AssertionError(f"a mutation verified: {token} -> {mutated}")
    assert refused == 10_000


def _site_of(token: str) -> str:
    from kiosk.core.badges.tokens import peek

    return peek(token).site_id
