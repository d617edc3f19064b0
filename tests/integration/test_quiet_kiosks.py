"""A quiet kiosk is alerted at head office, once per quiet spell, and cleared when it syncs
again (SQLite and PostgreSQL 15, the watch's clock injected).

``check_quiet`` on the migrated database with ``now`` given: the dashboard's limit, one alert
per spell (a second look, an operator's acknowledgement, a second process), cleared by a sync,
a new spell after that, a revoked kiosk, head office's own downtime. Then the real thing: a
real ``kiosk-server``, a kiosk enrolled and syncing over HTTP, the app's ``QuietKioskWatch``
worker with a short limit and its real notifier sending to the site's alert channel on a real
SMTP server, the alert listed by the alerts API and cleared after the kiosk's next round
(on SQLite: the looks above are what differs between the databases).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from notify_servers import SmtpServer
from pg_fixture import postgres  # noqa: F401  (fixture)
from sqlalchemy import select

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.settings import load_settings
from kiosk.core.head_office.health import REPORT_EVERY
from kiosk.core.notify.channels import AppriseNotifier
from kiosk.services import build_services
from sync.client import enroll
from sync.server.alerts import acknowledge, list_alerts
from sync.server.api.sites_routes import create_kiosk_record
from sync.server.dashboard.queries import site_summaries
from sync.server.models import Alert, Kiosk
from sync.server.quiet_kiosks import CLEARED_BY, QUIET_KIND, QuietKioskWatch, check_quiet
from tests.support.harness import HeadOffice, ServerProcess

pytestmark = pytest.mark.integration

LIMIT = timedelta(minutes=30)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ho(request, tmp_path_factory) -> Iterator[HeadOffice]:
    """Head office's database, migrated (no server: ``now`` is given to each look)."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("quiet-sqlite")
        url = f"sqlite:///{folder / 'head-office.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    office = HeadOffice(url)
    yield office
    office.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[HeadOffice, ServerProcess, httpx.Client]]:
    url = f"sqlite:///{tmp_path / 'head-office.sqlite3'}"
    office = HeadOffice(url)
    server = ServerProcess(url, log_path=tmp_path / "server.log").start()
    admin = {"Authorization": f"Bearer {office.add_admin('quiet')}"}
    http = httpx.Client(base_url=f"{server.url}/api/v1", headers=admin, timeout=30)
    yield office, server, http
    http.close()
    server.stop()
    office.close()


def _kiosk(ho: HeadOffice, site: str, *, seen: datetime | None) -> str:
    """A kiosk enrolled at T0 and last heard from at ``seen`` (as the sync routes stamp it)."""
    ho.add_site(site, f"站点{site}", f"Site {site}")
    with ho.sessions() as s, s.begin():
        kiosk, _ = create_kiosk_record(s, site_id=site, name="大堂 1")
        kiosk.enrolled_at, kiosk.last_seen_at = T0, seen
        return kiosk.id


def _look(ho: HeadOffice, now: datetime, *, since: datetime | None = None):
    with ho.sessions() as s, s.begin():
        return check_quiet(s, now=now, after=LIMIT, watching_since=since or T0 - LIMIT)


def _alerts(ho: HeadOffice, kiosk_id: str) -> list[Alert]:
    with ho.sessions() as s:
        query = select(Alert).where(Alert.kiosk_id == kiosk_id, Alert.kind == QUIET_KIND)
        return list(s.scalars(query.order_by(Alert.raised_at)))


def _synced(ho: HeadOffice, kiosk_id: str, at: datetime) -> None:
    with ho.sessions() as s, s.begin():
        s.get_one(Kiosk, kiosk_id).last_seen_at = at


def test_one_alert_per_quiet_spell_cleared_when_the_kiosk_syncs_again(ho: HeadOffice) -> None:
    kiosk = _kiosk(ho, "quiet1", seen=T0)
    assert _look(ho, T0 + LIMIT - timedelta(seconds=1)).raised == []  # not quiet yet
    first = _look(ho, T0 + LIMIT + timedelta(minutes=1))
    assert [(q.kiosk_id, q.since, q.minutes) for q in first.raised] == [(kiosk, T0, 31)]
    [alert] = _alerts(ho, kiosk)
    assert alert.message_key == "alert.kiosk.quiet" and alert.acknowledged_at is None
    with ho.sessions() as s:
        # what the dashboard's alerts page and the sites overview show
        assert [a.id for a in list_alerts(s, site_id="quiet1")] == [alert.id]
        assert site_summaries(s, ["quiet1"])[0].open_alerts == 1
    # later looks of the same spell raise nothing more
    for minutes in (45, 90, 600):
        assert _look(ho, T0 + timedelta(minutes=minutes)).raised == []
    assert len(_alerts(ho, kiosk)) == 1
    # the kiosk syncs again: the next look clears it
    _synced(ho, kiosk, T0 + timedelta(minutes=601))
    assert _look(ho, T0 + timedelta(minutes=602)).cleared == 1
    [cleared] = _alerts(ho, kiosk)
    assert cleared.acknowledged_by == CLEARED_BY and cleared.acknowledged_at is not None
    # quiet again: a new spell, a new alert; an operator acknowledges it and is not asked again
    second = _look(ho, T0 + timedelta(minutes=640))
    assert [q.since for q in second.raised] == [T0 + timedelta(minutes=601)]
    with ho.sessions() as s, s.begin():
        acknowledge(
            s, site_id="quiet1", alert_id=second.raised[0].alert_id, by="hq-1", now=T0 + LIMIT * 22
        )
    assert _look(ho, T0 + timedelta(minutes=700)).raised == []
    assert [a.acknowledged_by for a in _alerts(ho, kiosk)] == [CLEARED_BY, "hq-1"]


def test_never_synced_revoked_and_head_offices_own_downtime(ho: HeadOffice) -> None:
    never = _kiosk(ho, "quiet2", seen=None)  # enrolled, never synced: quiet since enrolling
    now = T0 + LIMIT + timedelta(minutes=5)
    # head office itself only started watching 10 minutes ago: nobody is alerted yet
    assert _look(ho, now, since=now - timedelta(minutes=10)).raised == []
    assert [q.kiosk_id for q in _look(ho, now).raised if q.site_id == "quiet2"] == [never]
    with ho.sessions() as s, s.begin():
        s.get_one(Kiosk, never).revoked_at = now
    assert _look(ho, now + timedelta(minutes=1)).cleared >= 1
    assert _alerts(ho, never)[0].acknowledged_by == CLEARED_BY
    later = _look(ho, now + timedelta(hours=5)).raised
    assert never not in [q.kiosk_id for q in later]


@pytest.mark.slow
def test_the_watch_alerts_the_sites_channel_and_clears_after_the_kiosks_next_round(
    served, tmp_path: Path
) -> None:
    """Over real HTTP, a kiosk wired by the app's own ``build_services``: its health report
    after each round is how head office hears from an idle kiosk."""
    office, server, http = served
    smtp = SmtpServer().start()
    services = None
    try:
        office.add_site("quiet3", "三号楼", "Tower 3")
        channel = smtp.url("desk@example.com")
        r = http.put("/sites/quiet3/settings", json={"alerts": {"channels": [channel]}})
        assert r.status_code == 200, r.text
        data = tmp_path / "k"
        done = enroll(server.url, office.add_kiosk("quiet3"), data_dir=data)
        settings = load_settings(environ={"KIOSK_KIOSK_DATA_DIR": str(data)})
        settings = settings.replace("printer", backend="file", out_dir=str(data / "badges"))
        kiosk_clock = FakeClock(datetime.now(UTC))
        services = build_services(settings, clock=kiosk_clock, start_workers=False)
        assert services.sync is not None
        assert services.sync.run_round() is not None
        heard = _heard(office, done.kiosk_id)

        limit = timedelta(seconds=1)
        clock = FakeClock(heard - timedelta(minutes=5))  # head office watching since before
        watch = QuietKioskWatch(
            sessions=office.sessions, clock=clock, notifier=AppriseNotifier(), after=limit
        )
        clock.advance(5 * 60 + 0.5)
        watch.run_once()  # heard from half a second ago: not quiet
        assert _alerts(office, done.kiosk_id) == []
        clock.advance(1.0)
        watch.run_once()
        [alert] = _alerts(office, done.kiosk_id)
        [mail] = smtp.mailbox.wait_for("desk@example.com")
        body = mail.get_body(("html", "plain")).get_content()  # type: ignore[union-attr]
        assert done.kiosk_id in body and "Tower 3" in body and "三号楼" in body
        assert "not syncing" in str(mail["Subject"])
        listed = http.get("/sites/quiet3/alerts").json()
        assert [a["id"] for a in listed] == [alert.id]
        watch.run_once()
        assert len(_alerts(office, done.kiosk_id)) == 1  # one alert for the spell

        # the kiosk's next round, after the alert on the real clock, clears it
        while datetime.now(UTC) <= clock.now():
            time.sleep(0.05)
        kiosk_clock.advance(REPORT_EVERY)  # its next health report is due
        assert services.sync.run_round() is not None
        again = _heard(office, done.kiosk_id)
        assert again > heard
        clock.advance((again - clock.now()).total_seconds())
        watch.run_once()
        [cleared] = _alerts(office, done.kiosk_id)
        assert cleared.acknowledged_by == CLEARED_BY
        assert http.get("/sites/quiet3/alerts").json() == []
        assert len(smtp.mailbox.to("desk@example.com")) == 1
    finally:
        if services is not None:
            services.stop()
        smtp.stop()


def _heard(ho: HeadOffice, kiosk_id: str) -> datetime:
    with ho.sessions() as s:
        seen = s.get_one(Kiosk, kiosk_id).last_seen_at
    assert seen is not None
    return seen if seen.tzinfo else seen.replace(tzinfo=UTC)


def test_the_server_app_runs_the_watch_while_it_serves(tmp_path: Path) -> None:
    """create_app's own lifespan (what uvicorn runs) starts the watch and stops it after."""
    import asyncio

    from sync.server.app import create_app
    from sync.server.migrate import migrate

    app = create_app(f"sqlite:///{tmp_path / 'ho.sqlite3'}")
    migrate(app.state.engine)
    seen: list[bool] = []

    async def serve_a_moment() -> None:
        async with app.router.lifespan_context(app):
            seen.append(isinstance(app.state.quiet_watch, QuietKioskWatch))
            seen.append(app.state.quiet_watch.running)

    asyncio.run(serve_a_moment())
    assert seen == [True, True]
    assert not app.state.quiet_watch.running
    app.state.engine.dispose()
