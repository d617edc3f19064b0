"""One site, several kiosks, over real HTTP (issue 14, items 4 and 3; SQLite and PostgreSQL).

Kiosks are built by the app's own wiring (``build_services``: badge verifier, keyed blind
index, the sync worker), enrolled at a real ``kiosk-server``; "offline" is a kiosk whose sync
worker has not run. An invitation used at two offline kiosks gives one conflict and the same
final state in both push orders; a kiosk with an old watchlist that admits a listed person
gets the desk an alert after it syncs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pg_fixture import postgres  # noqa: F401  (fixture)

from kiosk.core import alerts
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.settings import load_settings
from kiosk.core.visits.checkin import CheckinForm
from kiosk.services import Services, build_services
from sync.client import enroll
from tests.support.harness import HeadOffice, ServerProcess

pytestmark = [pytest.mark.integration, pytest.mark.slow]

API = "/api/v1"


class Env:
    def __init__(self, ho: HeadOffice, server: ServerProcess, admin_token: str) -> None:
        self.ho = ho
        self.server = server
        self.admin = {"Authorization": f"Bearer {admin_token}"}
        self.http = httpx.Client(base_url=server.url, timeout=30)

    def new_site(self) -> str:
        site = "s" + uuid.uuid4().hex[:8]
        self.ho.add_site(site, f"站点{site}", f"Site {site}")
        for path, body in (
            (f"departments/{site}-rnd", {"site_id": site, "name_zh": "研发部", "name_en": "R&D"}),
            (f"hosts/{site}-h1", {"site_id": site, "department_id": f"{site}-rnd"}),
        ):
            r = self.http.put(f"{API}/{path}", json=body, headers=self.admin)
            assert r.status_code == 200, r.text
        return site

    def kiosk(self, site: str, data: Path, **kw) -> Services:
        """A kiosk enrolled at ``site``, built as the app builds itself, with the directory."""
        enroll(self.server.url, self.ho.add_kiosk(site), data_dir=data)
        settings = load_settings(environ={}).replace("kiosk", data_dir=str(data))
        services = build_services(settings, start_workers=False, **kw)
        assert services.sync is not None and services.site_keys is not None
        assert services.site_keys.fetch_now()  # what the notify worker's refresh starts
        services.sync.sync_once()
        return services

    def get(self, path: str, **params) -> list | dict:
        r = self.http.get(f"{API}/{path}", params=params, headers=self.admin)
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request, tmp_path_factory) -> Iterator[Env]:
    # one server per test: the integration conftest stops every server after each test
    folder = tmp_path_factory.mktemp(f"ho-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'head-office.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    ho = HeadOffice(url)
    server = ServerProcess(url, log_path=folder / "server.log").start()
    e = Env(ho, server, ho.add_admin("alice"))
    yield e
    e.http.close()
    server.stop()
    ho.close()


def _conflict_alerts(store) -> list:
    return [a for a in alerts.open_alerts(store) if a.kind.startswith("conflict.")]


@pytest.mark.parametrize("a_pushes_first", [True, False])
def test_an_invitation_used_at_two_offline_kiosks_is_one_conflict_in_either_push_order(
    env: Env, tmp_path: Path, a_pushes_first: bool
) -> None:
    site = env.new_site()
    a = env.kiosk(site, tmp_path / "a")
    b = env.kiosk(site, tmp_path / "b")
    try:
        r = env.http.post(
            f"{API}/invitations",
            json={"site_id": site, "visitor_name": "李娜", "host_id": f"{site}-h1"},
            headers=env.admin,
        )
        assert r.status_code == 201, r.text
        invitation = r.json()
        for k in (a, b):
            k.sync.sync_once()  # both know the invitation, then both lose head office
        first = a.checkin.check_in_invitation(invitation["code"])
        second = b.checkin.check_in_invitation(invitation["code"])
        assert not first.denied and not second.denied  # each kiosk alone cannot tell
        for k in (a, b) if a_pushes_first else (b, a):
            k.sync.sync_once()
        for k in (a, b):
            k.sync.sync_once()  # the conflict reaches both desks

        stored = env.get(f"invitations/{invitation['id']}")
        assert stored["state"] == "used" and stored["visit_id"] == first.visit.id
        listed = [x for x in env.get(f"sites/{site}/alerts") if x["kind"].startswith("conflict")]
        assert [(x["kind"], x["visit_id"]) for x in listed] == [
            ("conflict.invitation_reused", second.visit.id)
        ]
        for k in (a, b):
            (local,) = _conflict_alerts(k.store)
            assert local.id == listed[0]["id"] and local.visit_id == second.visit.id
            assert local.message_key == "alert.conflict.invitation_reused"
            # the kiosks agree with head office on which visit the invitation belongs to
            inv = k.records.invitation_by_code(invitation["code"])
            assert inv is not None and inv.state.value == "used"
        # both visits stand: the desk decides, nothing was overwritten
        visits = {v["id"]: v["state"] for v in env.get("visits", site_id=site)}
        assert visits[first.visit.id] == visits[second.visit.id] == "checked_in"
        # acknowledged at one desk, head office's alert is acknowledged too
        with a.store.transaction() as tx:
            alerts.acknowledge_alert(tx, listed[0]["id"], "desk-a", kiosk_id="a")
        a.sync.sync_once()
        assert [x["id"] for x in env.get(f"sites/{site}/alerts", state="acknowledged")] == [
            listed[0]["id"]
        ]
    finally:
        a.stop()
        b.stop()


def test_a_stale_watchlist_admission_raises_an_alert_after_sync(env: Env, tmp_path: Path) -> None:
    site = env.new_site()
    k = env.kiosk(site, tmp_path / "k")
    try:
        # head office lists the number while the kiosk cannot reach it
        r = env.http.post(
            f"{API}/watchlist", json={"site_id": site, "phone": "13500000077"}, headers=env.admin
        )
        assert r.status_code == 201, r.text
        form = CheckinForm(
            name="王强", phone="13500000077", purpose="meeting", host_id=f"{site}-h1", consent=True
        )
        result = k.checkin.check_in(form)
        assert not result.denied  # the kiosk's copy is old: it let them in
        assert _conflict_alerts(k.store) == []
        k.sync.sync_once()

        listed = [x for x in env.get(f"sites/{site}/alerts") if x["kind"].startswith("conflict")]
        assert [(x["kind"], x["severity"], x["visit_id"]) for x in listed] == [
            ("conflict.watchlist_at_checkin", "critical", result.visit.id)
        ]
        assert listed[0]["details"]["subject_id"] == r.json()["id"]
        (local,) = _conflict_alerts(k.store)
        assert local.id == listed[0]["id"]
        assert local.message_key == "alert.conflict.watchlist_at_checkin"
        # and the next check-in of that number is screened by the watchlist now pulled
        assert k.checkin.check_in(form).denied
    finally:
        k.stop()


def test_a_kiosk_enrolled_after_the_last_visit_finds_the_visitor_and_head_office_keeps_one(
    env: Env, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from sync.server.models import Change, Visit, Visitor

    site = env.new_site()
    phone = "13700000042"
    form = CheckinForm(
        name="赵敏", phone=phone, purpose="meeting", host_id=f"{site}-h1", consent=True
    )
    # a kiosk enrolled early that will be offline when the visitor comes back
    c = env.kiosk(site, tmp_path / "c")
    # three weeks ago: past the day-long visit feed, within the site's 30-day retention period
    # (the visitor directory hands out only what is younger than the period)
    weeks_ago = datetime.now(UTC) - timedelta(days=21)
    a = env.kiosk(site, tmp_path / "a", clock=FakeClock(weeks_ago))
    try:
        first = a.checkin.check_in(form)
        a.checkin.check_out(first.visit.id)
        a.sync.sync_once()
        with env.ho.sessions() as s, s.begin():  # head office received all that back then
            for change in s.scalars(select(Change).where(Change.site_id == site)):
                change.created_at -= timedelta(days=21)
        b = env.kiosk(site, tmp_path / "b")
        try:
            assert b.records.visit(first.visit.id) is None  # the visit feed is a day long
            found = b.checkin.find_returning(phone)
            assert found is not None and found.visitor_id == first.visitor.id
            assert found.masked_name == "赵*" and found.name == ""  # masked, nothing pre-filled
            again = b.checkin.check_in(form)
            assert again.visitor.id == first.visitor.id
            b.sync.sync_once()
            # the offline kiosk made a record of its own for the same number
            third = c.checkin.check_in(form)
            assert third.visitor.id != first.visitor.id
            c.sync.sync_once()
            with env.ho.sessions() as s:
                # (the number is sealed at rest: compared once opened, not in SQL)
                people = [
                    p
                    for p in s.scalars(select(Visitor).where(Visitor.site_id == site))
                    if p.phone == phone
                ]
                assert [p.id for p in people] == [first.visitor.id]
                owners = set(
                    s.scalars(
                        select(Visit.visitor_id).where(
                            Visit.id.in_([first.visit.id, again.visit.id, third.visit.id])
                        )
                    )
                )
                assert owners == {first.visitor.id}
                merged = s.get(Visitor, third.visitor.id)
                assert merged is not None and merged.merged_into == first.visitor.id
                assert merged.phone == merged.name == ""
            # the offline kiosk applies the merge: its visit belongs to the one visitor
            c.sync.sync_once()
            assert c.records.visit(third.visit.id).visitor_id == first.visitor.id
            assert c.records.visitor(third.visitor.id) is None
        finally:
            b.stop()
    finally:
        a.stop()
        c.stop()
