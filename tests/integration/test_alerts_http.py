"""Alerts and visit status reach head office over real HTTP (SQLite and PostgreSQL 15).

A real ``kiosk-server`` process, real kiosk stores, the real sync worker, check-in and print
queue: a watchlist match raises an alert at the kiosk that head office lists; acknowledged at
head office, it is acknowledged on the kiosk after its next pull; a printed badge shows in the
visit's status.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pg_fixture import postgres  # noqa: F401  (fixture)

from kiosk.core import alerts
from kiosk.core.config.settings import Settings
from kiosk.core.printing.fake import FakePrinter
from kiosk.core.printing.queue import PrintQueue
from kiosk.core.visits.checkin import CheckinForm, CheckinService
from tests.support.harness import HeadOffice, KioskHarness, ServerProcess, enrolled_kiosk

pytestmark = pytest.mark.integration

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


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(request, tmp_path_factory) -> Iterator[Env]:
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


@pytest.fixture
def kiosk(env: Env, tmp_path: Path) -> Iterator[KioskHarness]:
    site = env.new_site()
    k = enrolled_kiosk(env.server.url, env.ho.add_kiosk(site), tmp_path / "k")
    k.client.sync_once()  # the directory
    yield k
    k.close()


def _settings(k: KioskHarness) -> Settings:
    return Settings().replace("site", id=k.site_id).replace("kiosk", id=k.kiosk_id)


def _check_in(k: KioskHarness, phone: str):
    service = CheckinService(records=k.records, settings=_settings(k), clock=k.store.clock)
    form = CheckinForm(
        name="张伟", phone=phone, purpose="meeting", host_id=f"{k.site_id}-h1", consent=True
    )
    return service.check_in(form)


def _alerts(env: Env, site: str, **params) -> list[dict]:
    r = env.http.get(f"{API}/sites/{site}/alerts", params=params, headers=env.admin)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_watchlist_alert_is_listed_acknowledged_at_head_office_and_on_the_kiosk(
    env: Env, kiosk: KioskHarness
) -> None:
    site = kiosk.site_id
    r = env.http.post(
        f"{API}/watchlist", json={"site_id": site, "phone": "13500000001"}, headers=env.admin
    )
    assert r.status_code == 201, r.text
    kiosk.client.sync_once()
    result = _check_in(kiosk, "13500000001")
    assert result.denied
    [local] = alerts.open_alerts(kiosk.store)
    assert local.kind == "watchlist" and local.visit_id == result.visit.id
    kiosk.client.sync_once()

    [listed] = _alerts(env, site)
    assert listed["id"] == local.id and listed["kind"] == "watchlist"
    assert listed["severity"] == "critical" and listed["message_key"] == "alert.watchlist"
    assert listed["visit_id"] == result.visit.id and listed["kiosk_id"] == kiosk.kiosk_id
    assert listed["details"]["watchlist_id"] == r.json()["id"]
    assert listed["acknowledged_at"] is None
    assert _alerts(env, site, state="acknowledged") == []

    ack = env.http.post(
        f"{API}/sites/{site}/alerts/{local.id}/acknowledge",
        json={"by": "hq-security"},
        headers=env.admin,
    )
    assert ack.status_code == 200, ack.text
    assert ack.json()["acknowledged_by"] == "hq-security"
    assert ack.json()["acknowledged_kiosk_id"] == ""
    assert _alerts(env, site) == []
    [done] = _alerts(env, site, state="acknowledged")
    assert done["id"] == local.id and done["acknowledged_at"] is not None
    # a second acknowledgement changes nothing; another site's alert id is not found
    again = env.http.post(
        f"{API}/sites/{site}/alerts/{local.id}/acknowledge", json={"by": "x"}, headers=env.admin
    )
    assert again.json()["acknowledged_by"] == "hq-security"
    other = env.new_site()
    r = env.http.post(
        f"{API}/sites/{other}/alerts/{local.id}/acknowledge", json={"by": "x"}, headers=env.admin
    )
    assert r.status_code == 404

    assert kiosk.client.sync_once().pulled >= 1
    assert alerts.open_alerts(kiosk.store) == []
    seen = alerts.alert(kiosk.store, local.id)
    assert seen is not None and seen.acknowledged_by == "hq-security"
    # head office already has it: the kiosk does not send the acknowledgement back
    kinds = [e.kind for e in kiosk.store.outbox_after("test", limit=1000)]
    assert "alert.acknowledged" not in kinds


def test_a_badge_printed_at_the_kiosk_shows_in_the_visit_status(
    env: Env, kiosk: KioskHarness
) -> None:
    printer = FakePrinter()
    queue = PrintQueue(
        store=kiosk.store,
        records=kiosk.records,
        printer=printer,
        clock=kiosk.store.clock,
        settings=_settings(kiosk),
    )
    visit = _check_in(kiosk, "13800000002").visit
    kiosk.client.sync_once()
    [row] = [v for v in _visits(env, kiosk.site_id) if v["id"] == visit.id]
    assert row["badge_status"] is None and row["badge_status_at"] is None

    for _ in range(20):
        if not queue.run_once():
            break
    assert len(printer.printed) == 1
    kiosk.client.sync_once()
    [row] = [v for v in _visits(env, kiosk.site_id) if v["id"] == visit.id]
    assert row["badge_status"] == "printed" and row["badge_status_at"] is not None
    assert row["state"] == "checked_in" and row["notify_status"] is None


def _visits(env: Env, site: str) -> list[dict]:
    r = env.http.get(f"{API}/visits", params={"site_id": site}, headers=env.admin)
    assert r.status_code == 200, r.text
    return r.json()
