"""A genuine badge always checks out (issue 14, item 2), even where the visit is unknown.

Kiosks built by the app's own wiring (``build_services``, stand-alone here, sharing one site
badge key as head office would hand it out); pulled changes applied through ``sync.apply`` in
both orders. The same over HTTP with a real kiosk-server: tests/integration/test_site_badges.py.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.core.badges.tokens import FORGED, peek, sign
from kiosk.core.config.clock import Clock, FakeClock
from kiosk.core.config.errors import DeniedError, NotFoundError
from kiosk.core.config.settings import load_settings
from kiosk.core.keys.hierarchy import KeyPurpose, SiteKey
from kiosk.core.models import VisitState
from kiosk.core.store import outbox
from kiosk.core.visits.checkin import CheckinForm
from kiosk.services import Services, build_services
from sync.apply import apply_change
from sync.protocol import ChangeOut

SITE_KEY = SiteKey(KeyPurpose.BADGE, 1, bytes(range(32)))


def kiosk(
    folder: Path, name: str, *, site_key: SiteKey | None = SITE_KEY, clock: Clock | None = None
) -> Services:
    settings = load_settings(environ={}).replace("kiosk", id=name, data_dir=str(folder / name))
    services = build_services(settings, demo=True, start_workers=False, clock=clock)
    services.badges.adopt(site_key)  # what the site keys' arrival does
    return services


@pytest.fixture
def kiosks(tmp_path: Path):
    made = [kiosk(tmp_path, n) for n in ("a", "b", "c")]
    yield made
    for k in made:
        k.stop()


def check_in(k: Services) -> tuple[str, str]:
    form = CheckinForm(
        name="张伟", phone="13812345678", purpose="meeting", host_id="h001", consent=True
    )
    result = k.checkin.check_in(form)
    return result.visit.id, result.visit.badge_code


counter = itertools.count(1)


def changes_of(k: Services, visit_id: str) -> list[ChangeOut]:
    """The kiosk's outbox events of ``visit_id`` as the pull feed hands them to other kiosks."""
    rows = outbox.events_after(k.store, 0, limit=1000, kinds=None)
    return [
        ChangeOut(
            cursor=next(counter), kind=e.kind, entity_id=e.entity_id, hlc=e.hlc, payload=e.payload
        )
        for e in rows
        if e.entity_id == visit_id and e.kind.startswith("visit.")
    ]


def pull(k: Services, changes: list[ChangeOut]) -> None:
    with k.store.transaction() as tx:
        for change in changes:
            assert apply_change(k.records, tx, change, site_id="demo", kiosk_id=k.settings.kiosk.id)


def test_a_badge_from_another_kiosk_checks_out_where_the_visit_is_unknown(kiosks) -> None:
    a, b, c = kiosks
    visit_id, badge = check_in(a)
    assert b.records.visit(visit_id) is None

    assert b.checkin.check_out_by_badge(badge) == visit_id
    (closed,) = changes_of(b, visit_id)
    assert closed.kind == "visit.checked_out"
    assert closed.payload["method"] == "scan" and closed.payload["kiosk_id"] == "b"
    with pytest.raises(NotFoundError) as again:
        b.checkin.check_out_by_badge(badge)
    assert again.value.message_key == "checkout.already_out"

    # B pulls A's check-in later: copied closed, never reopened
    pull(b, changes_of(a, visit_id))
    copy = b.records.visit(visit_id)
    assert copy is not None and copy.state is VisitState.CHECKED_OUT
    assert b.records.early_checkout(visit_id) is None

    # C hears of the check-out first, then of the check-in; A hears of the check-out
    pull(c, [closed])
    pull(c, changes_of(a, visit_id))
    assert c.records.visit(visit_id).state is VisitState.CHECKED_OUT
    pull(a, [closed])
    assert a.records.visit(visit_id).state is VisitState.CHECKED_OUT
    assert not b.checkin.open_visits_for_phone("13812345678")
    assert not c.checkin.open_visits_for_phone("13812345678")


def test_a_forged_badge_is_still_refused_and_records_nothing(kiosks, tmp_path: Path) -> None:
    a, b, _c = kiosks
    visit_id, badge = check_in(a)
    claim = peek(badge)
    own = kiosk(tmp_path, "alone", site_key=None)  # a kiosk with a key of its own
    try:
        _v, not_the_site_key = check_in(own)
    finally:
        own.stop()
    forged = sign(
        visit_id=visit_id, site_id="demo", expires_at=claim.expires_at, key=b"guessed" * 5
    )
    for code in (forged, not_the_site_key):
        with pytest.raises(DeniedError) as refused:
            b.checkin.check_out_by_badge(code)
        assert refused.value.message_key == FORGED
    assert b.store.query_one("SELECT count(*) FROM early_checkouts")[0] == 0
    assert not changes_of(b, visit_id)


def test_a_kiosk_with_a_slow_clock_stamps_the_check_out_after_the_check_in(kiosks, tmp_path):
    a = kiosks[0]
    slow = kiosk(tmp_path, "slow", clock=FakeClock(datetime.now(UTC) - timedelta(minutes=3)))
    try:
        visit_id, badge = check_in(a)
        assert slow.checkin.check_out_by_badge(badge) == visit_id
        (opened,) = changes_of(a, visit_id)
        (closed,) = changes_of(slow, visit_id)
        assert closed.hlc > opened.hlc  # head office folds the later stamp: checked out
    finally:
        slow.stop()
