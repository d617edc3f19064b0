"""The site's badge key from head office (issue 14, item 1): adopted, rotated, never logged.

Every kiosk of a site signs badges with the key head office derives for it
(``KeyPurpose.BADGE``); the key it replaces is retired, and vouches only for the badges it could
have signed: those expiring within ``valid_hours`` (and an hour's grace) of the retirement.
"""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.core.badges.tokens import FORGED, BadgeService, sign
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import DeniedError
from kiosk.core.keys.hierarchy import KIOSK_PURPOSES, KeyPurpose, SiteKey, derive
from kiosk.core.keys.site_keys import KeySet, SiteKeys
from kiosk.core.store.database import Store
from kiosk.services import _badges_follow_site_key
from sync.fake import FakeHeadOffice

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
VISIT = "3f2a9c0e8b7d4e1fa2b3c4d5e6f70812"
MASTER = b"head office master secret"


def key_set(version: int) -> KeySet:
    return KeySet(
        {p: SiteKey(p, version, derive(MASTER, p, "demo", version)) for p in KIOSK_PURPOSES}
    )


@pytest.fixture
def kiosk(tmp_path: Path):
    clock = FakeClock(NOW)
    store = Store(tmp_path / "kiosk.sqlite3", clock=clock)
    head_office = FakeHeadOffice()
    head_office.keys = key_set(1)
    site_keys = SiteKeys(store=store, clock=clock, head_office=head_office)
    badges = BadgeService(store, site_id="demo", clock=clock, valid_hours=12)
    _badges_follow_site_key(badges, site_keys)  # what build_services does
    yield clock, head_office, site_keys, badges
    store.close()


def test_badges_are_signed_with_the_fetched_site_key_and_survive_a_rotation(kiosk) -> None:
    clock, head_office, site_keys, badges = kiosk
    local = badges.issue(VISIT)  # before head office answered: the kiosk's own key
    assert site_keys.fetch_now()
    v1 = derive(MASTER, KeyPurpose.BADGE, "demo", 1)
    assert badges.key() == v1
    old_badge = badges.issue(VISIT)
    assert badges.verify_badge(local).visit_id == VISIT  # the retired own key still vouches

    clock.advance(3600)
    head_office.keys = key_set(2)  # kiosk-server rotate-key demo badge
    assert site_keys.fetch_now()
    new_badge = badges.issue(VISIT)
    assert badges.key() == derive(MASTER, KeyPurpose.BADGE, "demo", 2) != v1
    assert badges.verify_badge(old_badge).visit_id == VISIT
    assert badges.verify_badge(new_badge).visit_id == VISIT

    # the old key vouches only for badges it could have signed before it was retired
    late = sign(
        visit_id=VISIT,
        site_id="demo",
        expires_at=clock.now() + timedelta(hours=13, minutes=1),
        key=v1,
    )
    with pytest.raises(DeniedError) as refused:
        badges.verify_badge(late)
    assert refused.value.message_key == FORGED

    # once every badge it signed has expired, the retired key is dropped
    clock.advance(13 * 3600 + 1)
    assert badges.keys() == [derive(MASTER, KeyPurpose.BADGE, "demo", 2)]
    assert badges.verify_badge(badges.issue(VISIT)).visit_id == VISIT


def test_a_stand_alone_kiosk_keeps_its_own_key(tmp_path: Path) -> None:
    clock = FakeClock(NOW)
    store = Store(tmp_path / "kiosk.sqlite3", clock=clock)
    site_keys = SiteKeys(store=store, clock=clock, head_office=None)
    badges = BadgeService(store, site_id="demo", clock=clock)
    _badges_follow_site_key(badges, site_keys)
    own = badges.key()
    site_keys.refresh()
    assert badges.key() == own and len(own) == 32
    assert badges.key_file.read()[0].source == "local"
    store.close()


def test_the_badge_key_never_appears_in_a_log_line(kiosk, caplog) -> None:
    _clock, head_office, site_keys, badges = kiosk
    caplog.set_level(logging.DEBUG)
    badges.issue(VISIT)
    assert site_keys.fetch_now()
    badge = badges.issue(VISIT)
    badges.verify_badge(badge)
    head_office.keys = key_set(2)
    assert site_keys.fetch_now()
    badges.verify_badge(badge)
    head_office.fail_with = ConnectionError("head office down")
    assert not site_keys.fetch_now()
    with pytest.raises(DeniedError):
        badges.verify_badge(badge[:-4] + "AAAA")
    logging.getLogger("probe").info(
        "%r %r %r", site_keys.current(KeyPurpose.BADGE), badges.key_file.read(), key_set(2)
    )

    assert any("badge key v2" in r.getMessage() for r in caplog.records)  # it did log
    text = "\n".join(r.getMessage() for r in caplog.records)
    for version in (1, 2):
        key = derive(MASTER, KeyPurpose.BADGE, "demo", version)
        for spelling in (key.hex(), key.hex().upper(), base64.b64encode(key).decode()):
            assert spelling not in text
            assert spelling[:16] not in text  # nor a part of it
