"""One site, several kiosks: a badge from any entrance checks out at every entrance (issue 14).

Real parts: ``kiosk-server`` over HTTP (SQLite; PostgreSQL for the check-out that reaches head
office before its check-in), kiosks enrolled over HTTP and built by the
app's own wiring (``build_services``, so the check-out goes through the badge verifier the app
uses), the ``kiosk-server rotate-key`` command. Workers are driven by the test (``sync_once``,
``site_keys.refresh``: what the sync and notify workers do on each pass). "Offline" is the
server process stopped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pg_fixture import postgres  # noqa: F401  (fixture)

from kiosk.core.badges.tokens import EXPIRED, FORGED, key_id, peek, sign
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import DeniedError, NotFoundError
from kiosk.core.config.settings import load_settings
from kiosk.core.directory.demo import demo_directory, import_directory
from kiosk.core.keys.hierarchy import KeyPurpose
from kiosk.core.models import VisitState
from kiosk.core.visits.checkin import CheckinForm
from kiosk.services import Services, build_services
from sync.client import enroll
from sync.server import cli as server_cli
from sync.server.keys import current_key
from sync.server.models import Visit
from tests.support.harness import HeadOffice, ServerProcess

pytestmark = [pytest.mark.integration]

SITE = "demo"  # the demo directory's site: each kiosk imports its hosts locally
PHONE = "13812345678"


class Site:
    def __init__(self, tmp: Path, url: str) -> None:
        self.tmp = tmp
        self.url = url
        self.ho = HeadOffice(self.url)
        self.ho.add_site(SITE, "示范大厦", "Demo Tower")
        self.server = ServerProcess(self.url, log_path=tmp / "server.log").start()
        self.kiosks: list[Services] = []

    def kiosk(self, name: str, *, clock: FakeClock | None = None) -> Services:
        data = self.tmp / name
        enroll(self.server.url, self.ho.add_kiosk(SITE), data_dir=data)
        settings = load_settings(environ={}).replace("kiosk", data_dir=str(data))
        settings = settings.replace("printer", backend="file")
        services = build_services(settings, clock=clock, start_workers=False)
        import_directory(services.records, demo_directory())
        self.kiosks.append(services)
        return services

    def badge_key(self, version: int | None = None) -> bytes:
        with self.ho.sessions() as s, s.begin():
            key = current_key(s, SITE, KeyPurpose.BADGE)
        assert key is not None and (version is None or key.version == version)
        return key.key

    def visit(self, visit_id: str) -> Visit:
        with self.ho.sessions() as s:
            row = s.get(Visit, visit_id)
            assert row is not None
            s.expunge(row)
            return row

    def close(self) -> None:
        for k in self.kiosks:
            if k.sync is not None:
                k.sync.close()
            k.stop()
        self.server.stop()
        self.ho.close()


@pytest.fixture
def site(request, tmp_path: Path) -> Iterator[Site]:
    """Head office on SQLite, or on PostgreSQL where a test asks (``indirect`` parameter)."""
    if getattr(request, "param", "sqlite") == "postgresql":
        url = request.getfixturevalue("postgres").new_database()
    else:
        url = f"sqlite:///{tmp_path / 'head-office.sqlite3'}"
    made = Site(tmp_path, url)
    yield made
    made.close()


def check_in(k: Services) -> tuple[str, str]:
    form = CheckinForm(name="张伟", phone=PHONE, purpose="meeting", host_id="h001", consent=True)
    result = k.checkin.check_in(form)
    return result.visit.id, result.visit.badge_code


def sync(*kiosks: Services) -> None:
    for k in kiosks:
        assert k.sync is not None
        k.sync.sync_once()


def state(k: Services, visit_id: str) -> VisitState | None:
    visit = k.records.visit(visit_id)
    return visit.state if visit is not None else None


def test_a_badge_from_a_checks_out_at_b_online_and_a_forged_one_is_refused(site: Site) -> None:
    a, b = site.kiosk("a"), site.kiosk("b")
    # the site's badge key came with enrollment: both kiosks sign with it before any sync
    assert a.badges.key() == b.badges.key() == site.badge_key(1)
    assert a.badges.key_file.read()[0].source == "site"

    visit_id, badge = check_in(a)
    assert peek(badge).key_id == key_id(site.badge_key(1))
    sync(a, b)
    assert state(b, visit_id) is VisitState.CHECKED_IN

    forged = sign(visit_id=visit_id, site_id=SITE, expires_at=peek(badge).expires_at, key=b"x" * 32)
    with pytest.raises(DeniedError) as refused:
        b.checkin.check_out_by_badge(forged)
    assert refused.value.message_key == FORGED
    assert state(b, visit_id) is VisitState.CHECKED_IN

    assert b.checkin.check_out_by_badge(badge) == visit_id
    sync(b, a)
    assert state(a, visit_id) is VisitState.CHECKED_OUT
    row = site.visit(visit_id)
    assert (row.state, row.checkout_kiosk_id, row.checkout_method) == (
        "checked_out",
        b.settings.kiosk.id,
        "scan",
    )

    log = (site.tmp / "server.log").read_text(encoding="utf-8")
    for k in (a, b):
        assert site.badge_key().hex() not in log
        assert site.badge_key() not in k.store.path.read_bytes()  # in the key file only
        assert k.badges.key_file.path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("site", ["sqlite", "postgresql"], indirect=True)
def test_b_offline_and_not_knowing_the_visit_checks_it_out(site: Site) -> None:
    a, b = site.kiosk("a"), site.kiosk("b")
    site.server.stop()  # head office unreachable: A cannot push, B cannot pull
    visit_id, badge = check_in(a)
    assert state(b, visit_id) is None
    assert b.checkin.check_out_by_badge(badge) == visit_id  # the shell then says goodbye
    with pytest.raises(NotFoundError) as again:
        b.checkin.check_out_by_badge(badge)
    assert again.value.message_key == "checkout.already_out"

    site.server.start()
    sync(b)  # B's check-out reaches head office before A's check-in
    sync(a)
    sync(b)
    row = site.visit(visit_id)
    assert row.state == "checked_out" and row.checkout_kiosk_id == b.settings.kiosk.id
    assert row.visitor_id and row.checked_in_at and row.kiosk_id == a.settings.kiosk.id
    assert state(a, visit_id) is VisitState.CHECKED_OUT
    assert state(b, visit_id) is VisitState.CHECKED_OUT  # A's check-in arrived closed
    assert not a.checkin.open_visits_for_phone(PHONE)
    assert not b.checkin.open_visits_for_phone(PHONE)


def test_key_rotation_with_badges_of_both_keys_in_circulation(site: Site) -> None:
    clock = FakeClock(datetime.now(UTC))
    a, b = site.kiosk("a"), site.kiosk("b", clock=clock)
    v1 = site.badge_key(1)
    old_visit, old_badge = check_in(a)
    sync(a, b)

    assert server_cli.main(["--database-url", site.url, "rotate-key", SITE, "badge"]) == 0
    v2 = site.badge_key(2)
    for k in (a, b):
        sync(k)  # pulls site.key_rotated
        assert k.site_keys is not None and k.site_keys.needs_fetch()
        k.site_keys.refresh()  # what the notify worker does on each pass
        k.site_keys.wait()
        assert k.badges.key() == v2 != v1

    new_visit, new_badge = check_in(a)
    assert peek(new_badge).key_id == key_id(v2) != peek(old_badge).key_id
    other_visit, other_badge = check_in(a)
    sync(a, b)
    assert b.checkin.check_out_by_badge(old_badge) == old_visit  # the old key still honoured
    assert b.checkin.check_out_by_badge(new_badge) == new_visit
    # a badge the old key "signed" after it was retired, to outlive the rotation: refused
    late = sign(
        visit_id=other_visit,
        site_id=SITE,
        expires_at=clock.now() + timedelta(hours=13, minutes=1),
        key=v1,
    )
    with pytest.raises(DeniedError) as refused:
        b.checkin.check_out_by_badge(late)
    assert refused.value.message_key == FORGED

    # once the old key's badges have expired, B holds the new key only
    clock.advance(14 * 3600)
    assert b.badges.keys() == [v2]
    with pytest.raises(DeniedError) as expired:
        b.checkin.check_out_by_badge(other_badge)  # printed with v2, but 14 hours ago
    assert expired.value.message_key == EXPIRED
    sync(b, a)
    assert state(a, old_visit) is state(a, new_visit) is VisitState.CHECKED_OUT
    assert site.visit(old_visit).state == site.visit(new_visit).state == "checked_out"
