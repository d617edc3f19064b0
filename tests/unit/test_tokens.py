"""Signed badge tokens: compact, alphanumeric, and refused with the right reason."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.core.badges.tokens import (
    EXPIRED,
    FORGED,
    KV_KEY,
    MALFORMED,
    OTHER_SITE,
    BadgeService,
    peek,
    sign,
    verify,
)
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import DeniedError
from kiosk.core.config.i18n import catalogue
from kiosk.core.store.database import Store

KEY = bytes(range(32))
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
VISIT = "3f2a9c0e8b7d4e1fa2b3c4d5e6f70812"


def token(**changes) -> str:
    args = {
        "visit_id": VISIT,
        "site_id": "demo",
        "expires_at": NOW + timedelta(hours=12),
        "key": KEY,
    }
    args.update(changes)
    return sign(**args)


def refused(tok: str, *, site_id: str = "demo", key: bytes = KEY, now: datetime = NOW) -> str:
    with pytest.raises(DeniedError) as info:
        verify(tok, site_id=site_id, key=key, now=now)
    return info.value.message_key


def test_round_trip():
    claim = verify(token(), site_id="demo", key=KEY, now=NOW)
    assert claim.visit_id == VISIT
    assert claim.site_id == "demo"
    assert claim.expires_at == NOW + timedelta(hours=12)


def test_compact_and_qr_alphanumeric():
    tok = token()
    assert len(tok) <= 80
    assert re.fullmatch(r"[A-Z2-7]+", tok), "QR alphanumeric mode needs A-Z and digits only"
    # a longer non-hex visit id and site id still fit
    assert len(token(visit_id="V-2026-000123", site_id="sh-pudong")) <= 80


def test_expired():
    tok = token(expires_at=NOW + timedelta(minutes=1))
    assert verify(tok, site_id="demo", key=KEY, now=NOW).visit_id == VISIT
    assert refused(tok, now=NOW + timedelta(minutes=1)) == EXPIRED


def test_other_site():
    assert refused(token(site_id="beijing")) == OTHER_SITE


def test_forged_with_another_key():
    assert refused(token(key=b"x" * 32)) == FORGED


def test_altered_expiry_is_forged():
    raw = bytearray(base64.b32decode(token() + "=" * (-len(token()) % 8)))
    raw[5] ^= 0x01  # one second more
    altered = base64.b32encode(bytes(raw)).decode().rstrip("=")
    assert refused(altered) == FORGED


@pytest.mark.parametrize(
    "text", ["", "hello", "A" * 10, token().lower(), token() + "=", token()[:-3], "€" * 64]
)
def test_malformed(text):
    assert refused(text) == MALFORMED


def test_non_canonical_spelling_is_refused():
    tok = token()
    # 40 bytes are exactly 64 base32 characters: no spare bits; a shorter token has some
    short = token(visit_id="V1")
    assert len(short) % 8 != 0
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".index(short[-1])
    twin = short[:-1] + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[last ^ 1]
    assert twin != short
    assert refused(twin) in (MALFORMED, FORGED)
    assert verify(tok, site_id="demo", key=KEY, now=NOW)


def test_rotated_keys_both_verify():
    old, new = b"o" * 32, b"n" * 32
    assert verify(token(key=old), site_id="demo", key=[new, old], now=NOW).visit_id == VISIT
    assert refused(token(key=old), key=new) == FORGED


def test_peek_reads_without_trusting():
    assert peek(token(key=b"z" * 32)).visit_id == VISIT


def test_message_keys_in_both_catalogues():
    for key in (MALFORMED, FORGED, EXPIRED, OTHER_SITE):
        for lang in ("zh_CN", "en"):
            assert catalogue(lang).get(key), (lang, key)


def test_service_creates_and_keeps_its_key(tmp_path: Path):
    clock = FakeClock(NOW)
    store = Store(tmp_path / "k.sqlite3", clock=clock)
    service = BadgeService(store, site_id="demo", clock=clock, valid_hours=12)
    tok = service.issue(VISIT)
    # the key is in its own 0600 file, never in the database (issue 12, item 8)
    key_file = tmp_path / "keys" / "badge.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "keys").stat().st_mode & 0o777 == 0o700
    assert store.get_value(KV_KEY) is None
    assert len(service.key()) == 32 and service.key().hex() in key_file.read_text()
    assert service.key() not in (tmp_path / "k.sqlite3").read_bytes()
    assert service.verify_badge(tok).visit_id == VISIT
    # a second service on the same database (another kiosk process) uses the same key
    again = BadgeService(Store(tmp_path / "k.sqlite3", clock=clock), site_id="demo", clock=clock)
    assert again.verify_badge(tok).visit_id == VISIT
    clock.advance(12 * 3600)
    with pytest.raises(DeniedError) as info:
        service.verify_badge(tok)
    assert info.value.message_key == EXPIRED


def test_issuer_hook_works_inside_the_check_in_transaction(tmp_path: Path):
    store = Store(tmp_path / "k.sqlite3", clock=FakeClock(NOW))
    service = BadgeService(store, site_id="demo")
    with store.transaction():
        code = service.issue_code(VISIT, "demo", NOW + timedelta(hours=1))
    assert service.visit_id_for(code) == VISIT
    assert (tmp_path / "keys" / "badge.key").exists() and store.get_value(KV_KEY) is None


def test_a_key_an_older_kiosk_kept_in_the_database_moves_to_its_file(tmp_path: Path):
    from kiosk.core.badges.tokens import KV_PREVIOUS_KEY

    clock = FakeClock(NOW)
    store = Store(tmp_path / "k.sqlite3", clock=clock)
    old, older = b"o" * 32, b"p" * 32
    store.set_value(KV_KEY, base64.urlsafe_b64encode(old).decode())
    store.set_value(KV_PREVIOUS_KEY, base64.urlsafe_b64encode(older).decode())
    printed = sign(visit_id=VISIT, site_id="demo", expires_at=NOW + timedelta(hours=1), key=older)
    service = BadgeService(store, site_id="demo", clock=clock)
    assert service.keys() == [old, older]
    assert service.verify_badge(printed).visit_id == VISIT  # badges printed before still verify
    assert store.get_value(KV_KEY) is None and store.get_value(KV_PREVIOUS_KEY) is None
    assert (tmp_path / "keys" / "badge.key").stat().st_mode & 0o777 == 0o600


def test_site_key_from_head_office_replaces_the_local_one(tmp_path: Path):
    from kiosk.core.keys.hierarchy import KeyPurpose, SiteKey

    clock = FakeClock(NOW)
    store = Store(tmp_path / "k.sqlite3", clock=clock)
    service = BadgeService(store, site_id="demo", clock=clock)
    before = service.issue(VISIT)
    service.adopt(SiteKey(KeyPurpose.BADGE, 1, b"h" * 32))
    after = service.issue(VISIT)
    assert before != after and service.key() == b"h" * 32
    assert service.verify_badge(before).visit_id == VISIT  # printed this morning: still good
    assert service.verify_badge(after).visit_id == VISIT
