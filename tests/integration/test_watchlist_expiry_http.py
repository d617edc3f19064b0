"""Watchlist entries that expire, over real HTTP (issue 19): a real ``kiosk-server`` on SQLite
and a kiosk built by the app's own wiring (``build_services``: keyed blind index, the sync
worker) on a clock the test moves. An entry with an end reaches the kiosk by pull and screens
check-ins until that time, not after; head office's re-screening of pushed check-ins lets an
expired entry go too (no ``watchlist_at_checkin`` conflict), while a standing one still
raises it. The dashboard's form and page: test_dashboard_invitations_watchlist.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from kiosk.core import alerts
from kiosk.core.config.clock import FakeClock, iso
from kiosk.core.config.settings import load_settings
from kiosk.core.visits.checkin import CheckinForm
from kiosk.services import build_services
from sync.client import enroll
from tests.support.harness import HeadOffice, ServerProcess

pytestmark = pytest.mark.integration

API = "/api/v1"


@pytest.fixture
def env(tmp_path) -> Iterator[tuple[HeadOffice, ServerProcess, httpx.Client, str]]:
    url = f"sqlite:///{tmp_path / 'head-office.sqlite3'}"
    ho = HeadOffice(url)
    server = ServerProcess(url, log_path=tmp_path / "server.log").start()
    http = httpx.Client(
        base_url=f"{server.url}{API}",
        headers={"Authorization": f"Bearer {ho.add_admin('alice')}"},
        timeout=30,
    )
    site = "s" + uuid.uuid4().hex[:8]
    ho.add_site(site, "示范大厦", "Demo Tower")
    for path, body in (
        (f"departments/{site}-rnd", {"site_id": site, "name_zh": "研发部", "name_en": "R&D"}),
        (f"hosts/{site}-h1", {"site_id": site, "department_id": f"{site}-rnd"}),
    ):
        assert http.put(f"/{path}", json=body).status_code == 200
    yield ho, server, http, site
    http.close()
    server.stop()
    ho.close()


def _form(site: str, phone: str) -> CheckinForm:
    return CheckinForm(
        name="王强", phone=phone, purpose="meeting", host_id=f"{site}-h1", consent=True
    )


def test_an_entry_screens_until_it_expires_on_the_kiosk(env, tmp_path: Path) -> None:
    ho, server, http, site = env
    clock = FakeClock(datetime.now(UTC))
    ends = clock.now() + timedelta(hours=2)
    r = http.post(
        "/watchlist",
        json={"site_id": site, "phone": "13500000088", "reason": "x", "expires_at": iso(ends)},
    )
    assert r.status_code == 201 and r.json()["expires_at"].startswith(ends.strftime("%Y-%m-%dT%H"))
    enroll(server.url, ho.add_kiosk(site), data_dir=tmp_path / "k")
    settings = load_settings(environ={}).replace("kiosk", data_dir=str(tmp_path / "k"))
    k = build_services(settings, start_workers=False, clock=clock)
    try:
        assert k.sync is not None
        k.sync.sync_once()
        assert k.checkin.check_in(_form(site, "13500000088")).denied  # listed, not yet ended
        clock.advance(2 * 3600 + 1)
        after = k.checkin.check_in(_form(site, "13500000088"))
        assert not after.denied  # ended: let in
        k.sync.sync_once()
        conflicts = [
            x
            for x in http.get(f"/sites/{site}/alerts").json()
            if x["kind"] == "conflict.watchlist_at_checkin"
        ]
        assert conflicts == []  # head office's re-screening lets it go too
        assert not [a for a in alerts.open_alerts(k.store) if a.kind.startswith("conflict.")]
    finally:
        k.stop()


def test_head_office_rescreens_with_the_end_an_old_kiosk_did_not_know(env, tmp_path) -> None:
    ho, server, http, site = env
    enroll(server.url, ho.add_kiosk(site), data_dir=tmp_path / "k")
    settings = load_settings(environ={}).replace("kiosk", data_dir=str(tmp_path / "k"))
    k = build_services(settings, start_workers=False)
    try:
        assert k.sync is not None
        k.sync.sync_once()
        now = datetime.now(UTC)
        # listed at head office while the kiosk is offline: one entry ended an hour ago, one stands
        for phone, ends in (("13500000091", now - timedelta(hours=1)), ("13500000092", None)):
            body = {"site_id": site, "phone": phone, "reason": "x"}
            if ends is not None:
                body["expires_at"] = iso(ends)
            assert http.post("/watchlist", json=body).status_code == 201
        ended = k.checkin.check_in(_form(site, "13500000091"))
        standing = k.checkin.check_in(_form(site, "13500000092"))
        assert not ended.denied and not standing.denied  # the kiosk's copy is old
        k.sync.sync_once()
        listed = [
            x["visit_id"]
            for x in http.get(f"/sites/{site}/alerts").json()
            if x["kind"] == "conflict.watchlist_at_checkin"
        ]
        assert listed == [standing.visit.id]
    finally:
        k.stop()
