"""Sync over real HTTP on loopback, against SQLite and against a real PostgreSQL 15 cluster.

A real ``kiosk-server`` process, real kiosk stores, the real sync worker and the real
check-in use cases: enrollment, push, pull, cross-kiosk check-out, clock skew, invitations,
and that a kiosk token never reaches another site's data on any route.
"""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pg_fixture import postgres  # noqa: F401  (fixture)

from kiosk.core.config.clock import FakeClock, SystemClock
from kiosk.core.config.errors import DeniedError
from kiosk.core.config.settings import Settings
from kiosk.core.models import InvitationState, VisitState
from kiosk.core.visits.checkin import CheckinForm, CheckinService
from sync.client import enroll
from tests.support.harness import HeadOffice, KioskHarness, ServerProcess, enrolled_kiosk

pytestmark = pytest.mark.integration

API = "/api/v1"


class Env:
    opened: list[KioskHarness] = []

    def __init__(self, ho: HeadOffice, server: ServerProcess, admin_token: str) -> None:
        self.ho = ho
        self.server = server
        self.admin = {"Authorization": f"Bearer {admin_token}"}
        self.http = httpx.Client(base_url=server.url, timeout=30)

    def new_site(self) -> str:
        site = "s" + uuid.uuid4().hex[:8]
        self.ho.add_site(site, f"站点{site}", f"Site {site}")
        r = self.http.put(
            f"{API}/departments/{site}-rnd",
            json={"site_id": site, "name_zh": "研发部", "name_en": "R&D", "floor": "7"},
            headers=self.admin,
        )
        assert r.status_code == 200, r.text
        r = self.http.put(
            f"{API}/hosts/{site}-h1",
            json={"site_id": site, "department_id": f"{site}-rnd", "name_zh": "李娜"},
            headers=self.admin,
        )
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


@pytest.fixture(autouse=True)
def _close_kiosks(request) -> Iterator[None]:
    """Kiosks a test opened are closed even when it fails (no leaked connections)."""
    opened: list[KioskHarness] = []
    Env.opened = opened
    yield
    for k in opened:
        k.close()


def _kiosk(env: Env, site: str, tmp_path: Path, name: str, clock=None) -> KioskHarness:
    k = enrolled_kiosk(env.server.url, env.ho.add_kiosk(site), tmp_path / name, clock=clock)
    Env.opened.append(k)
    return k


def _service(k: KioskHarness, clock=None) -> CheckinService:
    settings = Settings().replace("site", id=k.site_id).replace("kiosk", id=k.kiosk_id)
    return CheckinService(records=k.records, settings=settings, clock=clock or k.store.clock)


def _check_in(k: KioskHarness, phone: str, name: str = "张伟", clock=None):
    return _service(k, clock).check_in(
        CheckinForm(
            name=name,
            phone=phone,
            purpose="meeting",
            host_id=f"{k.site_id}-h1",
            consent=True,
        )
    )


def _visit(env: Env, site: str, visit_id: str) -> dict:
    rows = env.http.get(f"{API}/visits", params={"site_id": site}, headers=env.admin).json()
    found = [v for v in rows if v["id"] == visit_id]
    assert len(found) == 1, rows
    return found[0]


def test_enroll_writes_a_private_token_and_a_code_works_once(env: Env, tmp_path: Path) -> None:
    site = env.new_site()
    code = env.ho.add_kiosk(site)
    done = enroll(env.server.url, code, data_dir=tmp_path / "k")
    assert done.site_id == site
    token_file = tmp_path / "k" / "head-office.token"
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    assert token_file.read_text().startswith("kt_")
    with pytest.raises(DeniedError):
        enroll(env.server.url, code, data_dir=tmp_path / "again")


def test_revoked_kiosk_gets_401(env: Env, tmp_path: Path) -> None:
    site = env.new_site()
    k = _kiosk(env, site, tmp_path, "k")
    k.client.sync_once()
    r = env.http.post(f"{API}/kiosks/{k.kiosk_id}/revoke", headers=env.admin)
    assert r.status_code == 200 and r.json()["revoked_at"]
    auth = {"Authorization": f"Bearer {k.token}"}
    assert env.http.get(f"{API}/sync/pull", headers=auth).status_code == 401
    assert env.http.post(f"{API}/sync/push", json={"events": []}, headers=auth).status_code == 401
    assert k.client.run_round() is None
    assert not k.client.status().online
    k.close()


def test_directory_pulled_visits_pushed_once(env: Env, tmp_path: Path) -> None:
    site = env.new_site()
    k = _kiosk(env, site, tmp_path, "k")
    result = k.client.sync_once()
    assert result.pulled >= 2
    assert [h.id for h in k.records.hosts(site)] == [f"{site}-h1"]
    assert k.records.department(f"{site}-rnd").floor == "7"

    visits = [_check_in(k, f"1380000{i:04d}").visit for i in range(7)]
    assert k.client.status().pending == 7
    assert k.client.sync_once().pushed == 7
    status = k.client.status()
    assert status.pending == 0

    # the same events again (a retry after a lost answer) are acknowledged, not doubled
    k.store.conn.execute("UPDATE outbox_positions SET position = 0 WHERE consumer = 'sync'")
    assert k.client.sync_once().pushed == 7
    rows = env.http.get(f"{API}/visits", params={"site_id": site}, headers=env.admin).json()
    assert sorted(v["id"] for v in rows) == sorted(v.id for v in visits)
    on_site = env.http.get(
        f"{API}/visits", params={"site_id": site, "on_site": True}, headers=env.admin
    ).json()
    assert len(on_site) == 7
    roll = env.http.get(f"{API}/sites/{site}/roll-call", headers=env.admin).json()
    assert roll["count"] == 7 and roll["on_site"][0]["visitor_name"] == "张伟"
    by_host = env.http.get(
        f"{API}/visits", params={"host_id": f"{site}-h1"}, headers=env.admin
    ).json()
    assert len(by_host) == 7
    k.close()


def test_cross_kiosk_check_out_and_site_isolation(env: Env, tmp_path: Path) -> None:
    site_a, site_b = env.new_site(), env.new_site()
    a1 = _kiosk(env, site_a, tmp_path, "a1")
    a2 = _kiosk(env, site_a, tmp_path, "a2")
    b1 = _kiosk(env, site_b, tmp_path, "b1")
    for k in (a1, a2, b1):
        k.client.sync_once()

    visit = _check_in(a1, "13912345678").visit
    a1.client.sync_once()
    a2.client.sync_once()
    b1.client.sync_once()
    assert a2.records.visit(visit.id).state is VisitState.CHECKED_IN
    assert b1.records.visit(visit.id) is None

    # the visitor leaves through kiosk A2 and checks out by phone
    service = _service(a2)
    open_visits = service.open_visits_for_phone("13912345678")
    assert [v.visit_id for v in open_visits] == [visit.id]
    service.check_out(visit.id, method="phone")
    a2.client.sync_once()
    assert _visit(env, site_a, visit.id)["state"] == "checked_out"
    assert _visit(env, site_a, visit.id)["checkout_kiosk_id"] == a2.kiosk_id

    a1.client.sync_once()
    assert a1.records.visit(visit.id).state is VisitState.CHECKED_OUT
    b1.client.sync_once()
    assert b1.records.visit(visit.id) is None
    for k in (a1, a2, b1):
        k.close()


def test_clock_skew_does_not_reorder_a_visits_events(env: Env, tmp_path: Path) -> None:
    site = env.new_site()
    ahead = FakeClock(SystemClock().now() + timedelta(hours=3))
    behind = FakeClock(SystemClock().now() - timedelta(hours=3))
    a = _kiosk(env, site, tmp_path, "ahead", clock=ahead)
    b = _kiosk(env, site, tmp_path, "behind", clock=behind)
    a.client.sync_once()
    b.client.sync_once()

    visit = _check_in(a, "13700000001").visit
    a.client.sync_once()
    b.client.sync_once()
    behind.advance(60)
    _service(b).check_out(visit.id, method="scan")
    [checkin] = [e for e in a.store.outbox_after("none", limit=10) if e.entity_id == visit.id]
    [checkout] = b.store.outbox_after("sync", limit=10)
    assert checkout.occurred_at < checkin.occurred_at  # wall clocks disagree …
    assert checkout.hlc > checkin.hlc  # … the hybrid logical clock does not
    b.client.sync_once()
    assert _visit(env, site, visit.id)["state"] == "checked_out"
    # a late re-send of the check-in does not reopen the visit
    a.store.conn.execute("UPDATE outbox_positions SET position = 0 WHERE consumer = 'sync'")
    a.client.sync_once()
    assert _visit(env, site, visit.id)["state"] == "checked_out"
    a.close()
    b.close()


def test_invitation_created_changed_cancelled_reaches_the_kiosk(env: Env, tmp_path: Path) -> None:
    site = env.new_site()
    k = _kiosk(env, site, tmp_path, "k")
    r = env.http.post(
        f"{API}/invitations",
        json={
            "site_id": site,
            "visitor_name": "王芳",
            "phone": "13600000000",
            "host_id": f"{site}-h1",
        },
        headers=env.admin,
    )
    assert r.status_code == 201, r.text
    inv = r.json()
    r = env.http.patch(
        f"{API}/invitations/{inv['id']}", json={"company": "示例公司"}, headers=env.admin
    )
    assert r.json()["company"] == "示例公司"
    k.client.sync_once()
    local = k.records.invitation_by_code(inv["code"])
    assert local is not None and local.company == "示例公司"

    result = _service(k).check_in_invitation(inv["code"])
    k.client.sync_once()
    server_inv = env.http.get(f"{API}/invitations/{inv['id']}", headers=env.admin).json()
    assert server_inv["state"] == "used" and server_inv["visit_id"] == result.visit.id
    assert _visit(env, site, result.visit.id)["invitation_id"] == inv["id"]

    other = env.http.post(
        f"{API}/invitations", json={"site_id": site, "visitor_name": "Bob"}, headers=env.admin
    ).json()
    k.client.sync_once()
    r = env.http.post(f"{API}/invitations/{other['id']}/cancel", headers=env.admin)
    assert r.json()["state"] == "cancelled"
    k.client.sync_once()
    assert k.records.invitation_by_code(other["code"]).state is InvitationState.CANCELLED
    k.close()


def test_watchlist_settings_and_map_reach_the_kiosk(env: Env, tmp_path: Path) -> None:
    site = env.new_site()
    k = _kiosk(env, site, tmp_path, "k")
    r = env.http.post(
        f"{API}/watchlist",
        json={"site_id": site, "phone": "13500000000", "reason": "x"},
        headers=env.admin,
    )
    assert r.status_code == 201
    env.http.put(f"{API}/sites/{site}/settings", json={"idle_timeout": 30}, headers=env.admin)
    env.http.put(f"{API}/sites/{site}/map", json={"floors": [1, 2]}, headers=env.admin)
    k.client.sync_once()
    assert k.records.watchlist_match(site_id=site, name="", phone="13500000000")
    assert k.store.get_value("site.settings") == '{"idle_timeout": 30}'
    assert k.store.get_value("site.building_map") == '{"floors": [1, 2]}'
    env.http.delete(f"{API}/watchlist/{r.json()['id']}", headers=env.admin)
    k.client.sync_once()
    assert not k.records.watchlist_match(site_id=site, name="", phone="13500000000")
    k.close()


KIOSK_OR_PUBLIC = (
    "/healthz",
    "/route/{token}",
    "/api/v1/enroll",
    "/api/v1/sync/push",
    "/api/v1/sync/pull",
    "/api/v1/sync/health",  # writes only the calling kiosk's own row
    "/api/v1/reply/{token}",
    "/api/v1/ticket/{token}",
    "/api/v1/rollcall/{token}",  # a host's signed roll-call link: the token is the credential
    "/api/v1/sync/keys",
)


def _concrete(path: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, path
    return path


def test_a_kiosk_token_reaches_no_other_sites_data_on_any_route(env: Env, tmp_path: Path) -> None:
    site_a, site_b = env.new_site(), env.new_site()
    a1 = _kiosk(env, site_a, tmp_path, "a1")
    b1 = _kiosk(env, site_b, tmp_path, "b1")
    a1.client.sync_once()
    visit = _check_in(a1, "13811112222").visit
    a1.client.sync_once()
    inv = env.http.post(
        f"{API}/invitations", json={"site_id": site_a, "visitor_name": "甲"}, headers=env.admin
    ).json()
    entry = env.http.post(
        f"{API}/watchlist", json={"site_id": site_a, "name": "乙"}, headers=env.admin
    ).json()
    ids = {
        "site_id": site_a,
        "kiosk_id": a1.kiosk_id,
        "invitation_id": inv["id"],
        "department_id": f"{site_a}-rnd",
        "host_id": f"{site_a}-h1",
        "entry_id": entry["id"],
        "alert_id": "a" * 32,
        "admin_id": "1",
        "erasure_id": "er-" + "0" * 16,
        "incident_id": "em-" + "0" * 16,
        "token": "not-a-reply-token",
    }
    bodies = {
        "/api/v1/sites": {"id": "evil", "name_zh": "x", "name_en": "x"},
        "/api/v1/kiosks": {"site_id": site_a},
        "/api/v1/invitations": {"site_id": site_a, "visitor_name": "x"},
        "/api/v1/invitations/{invitation_id}": {"visitor_name": "hijacked"},
        "/api/v1/departments/{department_id}": {"site_id": site_a, "name_zh": "x", "name_en": "x"},
        "/api/v1/hosts/{host_id}": {"site_id": site_a, "department_id": f"{site_a}-rnd"},
        "/api/v1/watchlist": {"site_id": site_a, "name": "x"},
        "/api/v1/sites/{site_id}/settings": {"x": 1},
        "/api/v1/sites/{site_id}/map": {"x": 1},
        "/api/v1/sites/{site_id}/alerts/{alert_id}/acknowledge": {"by": "b1"},
    }
    b_auth = {"Authorization": f"Bearer {b1.token}"}
    spec = env.http.get("/openapi.json").json()
    covered = set()
    for path, operations in spec["paths"].items():
        for method in operations:
            covered.add((method, path))
            url = _concrete(path, ids)
            if path in KIOSK_OR_PUBLIC:
                continue  # checked below, with their own meaning
            r = env.http.request(method, url, json=bodies.get(path), headers=b_auth)
            assert r.status_code == 403, (method, path, r.status_code, r.text)

    assert {p for _, p in covered} >= set(KIOSK_OR_PUBLIC)
    assert env.http.get("/healthz", headers=b_auth).json() == {"status": "ok"}
    # reply links and route pages carry their own signed token; a kiosk token adds nothing
    for method in ("get", "post"):
        for link in ("reply", "ticket"):  # a host's reply link, a department's ticket link
            r = env.http.request(method, f"{API}/{link}/not-a-token", headers=b_auth)
            assert r.status_code == 400 and site_a not in r.text
    for path, operations in spec["paths"].items():
        if path.startswith("/route/"):
            for method in operations:
                r = env.http.request(method, path.replace("{token}", "x"), headers=b_auth)
                assert r.status_code == 400 and site_a not in r.text
    r = env.http.get(f"{API}/sync/keys", headers=b_auth)
    assert r.status_code == 200 and r.json()["site_id"] == site_b
    assert {k["purpose"] for k in r.json()["keys"]} == {
        "reply-link",
        "route-link",
        "blind-index",
        "staff-pin",
        "badge",
        "peer",
    }
    a_auth = {"Authorization": f"Bearer {a1.token}"}
    a_keys = env.http.get(f"{API}/sync/keys", headers=a_auth).json()["keys"]
    assert not {k["key"] for k in a_keys} & {k["key"] for k in r.json()["keys"]}
    assert env.http.get(f"{API}/sync/keys", headers=env.admin).status_code == 403
    assert env.http.post(f"{API}/enroll", json={"code": "AAAA-BBBB-CCCC"}).status_code == 401

    # pull: only site B's feed, nothing of site A
    pulled = env.http.get(f"{API}/sync/pull", headers=b_auth).json()
    text = str(pulled)
    for secret in (site_a, visit.id, inv["id"], entry["id"], "13811112222"):
        assert secret not in text

    # push: events claiming site A are rejected one by one; an event that names site B but
    # targets site A's visit id changes nothing
    now = "2026-11-26T12:00:00+00:00"
    events = [
        {
            "uuid": str(uuid.uuid4()),
            "kind": "visit.checked_out",
            "entity_id": visit.id,
            "occurred_at": now,
            "payload": {
                "visit_id": visit.id,
                "site_id": site_a,
                "kiosk_id": "",
                "checked_out_at": now,
                "auto": False,
                "method": "scan",
            },
        },
        {
            "uuid": str(uuid.uuid4()),
            "kind": "visit.checked_out",
            "entity_id": visit.id,
            "occurred_at": now,
            "hlc": "9999999999999999999-zz",
            "payload": {
                "visit_id": visit.id,
                "site_id": site_b,
                "kiosk_id": "",
                "checked_out_at": now,
                "auto": False,
                "method": "scan",
            },
        },
        {
            "uuid": str(uuid.uuid4()),
            "kind": "visit.checked_in",
            "entity_id": visit.id,
            "occurred_at": now,
            "hlc": "9999999999999999999-zz",
            "payload": {
                "visit": {"id": visit.id, "site_id": site_a, "state": "checked_in"},
                "visitor": {"id": "x", "name": "x", "phone": "1"},
            },
        },
    ]
    r = env.http.post(f"{API}/sync/push", json={"events": events}, headers=b_auth)
    answer = r.json()
    assert [x["uuid"] for x in answer["rejected"]] == [events[0]["uuid"], events[2]["uuid"]]
    assert "site" in answer["rejected"][0]["reason"]
    assert answer["stored"] == [events[1]["uuid"]]
    assert _visit(env, site_a, visit.id)["state"] == "checked_in"
    rows = env.http.get(f"{API}/visits", params={"site_id": site_b}, headers=env.admin).json()
    assert rows == []
    a1.client.sync_once()
    assert a1.records.visit(visit.id).state is VisitState.CHECKED_IN
    assert ("post", "/api/v1/sync/push") in covered and ("get", "/api/v1/sync/pull") in covered
    a1.close()
    b1.close()


def test_admin_api_answers_errors_plainly(env: Env) -> None:
    site, other = env.new_site(), env.new_site()
    a = env.admin
    assert env.http.get(f"{API}/sites/nowhere/roll-call", headers=a).status_code == 404
    r = env.http.post(f"{API}/sites", json={"id": site, "name_zh": "x", "name_en": "x"}, headers=a)
    assert r.status_code == 409
    r = env.http.put(
        f"{API}/hosts/{site}-hx", json={"site_id": site, "department_id": "nope"}, headers=a
    )
    assert r.status_code == 400 and "nope" in r.json()["detail"]
    r = env.http.put(  # a department id of another site cannot be taken over
        f"{API}/departments/{other}-rnd",
        json={"site_id": site, "name_zh": "x", "name_en": "x"},
        headers=a,
    )
    assert r.status_code == 409
    r = env.http.delete(f"{API}/departments/{site}-rnd", headers=a)
    assert r.status_code == 409  # still has a host
    inv = env.http.post(
        f"{API}/invitations", json={"site_id": site, "visitor_name": "x"}, headers=a
    ).json()
    assert env.http.post(f"{API}/invitations/{inv['id']}/cancel", headers=a).status_code == 200
    r = env.http.patch(f"{API}/invitations/{inv['id']}", json={"company": "y"}, headers=a)
    assert r.status_code == 409
    r = env.http.post(f"{API}/watchlist", json={"site_id": site}, headers=a)
    assert r.status_code == 422  # names nobody
    assert env.http.delete(f"{API}/hosts/{site}-h1", headers=a).status_code == 200
    assert env.http.delete(f"{API}/departments/{site}-rnd", headers=a).status_code == 200
    assert env.http.get(f"{API}/departments", params={"site_id": site}, headers=a).json() == []


def test_a_new_kiosk_gets_the_directory_and_recent_visits_not_the_history(
    env: Env, tmp_path: Path
) -> None:
    from sqlalchemy import update

    from sync.server.models import Change

    site = env.new_site()
    a = _kiosk(env, site, tmp_path, "a")
    a.client.sync_once()
    old = [_check_in(a, f"1331111000{i}").visit for i in range(3)]
    a.client.sync_once()
    with env.ho.sessions() as s, s.begin():  # those check-ins were two days ago
        s.execute(
            update(Change)
            .where(Change.site_id == site, Change.kind == "visit.checked_in")
            .values(created_at=datetime.now(UTC) - timedelta(days=2))
        )
    recent = _check_in(a, "13311112222").visit
    a.client.sync_once()

    b = _kiosk(env, site, tmp_path, "b")
    b.client.sync_once()
    assert [h.id for h in b.records.hosts(site)] == [f"{site}-h1"]
    assert {v.id for v in b.records.visits()} == {recent.id}
    assert all(b.records.visit(v.id) is None for v in old)
    pulled = int(b.store.get_value("sync.cursor"))
    auth = {"Authorization": f"Bearer {b.token}"}
    page = env.http.get(f"{API}/sync/pull", params={"after": pulled}, headers=auth).json()
    assert page == {"changes": [], "cursor": pulled, "more": False}
