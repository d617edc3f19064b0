"""Two kiosks of one site and the real ``kiosk-server`` over HTTP, each wired by the app's own
``build_services`` (sync rounds driven by the test, so the interleaving is the test's):

- two kiosks decide the same held (watchlist) visit before either syncs again: head office and
  both kiosks end up with ONE decision, the first by hybrid clock stamp, whichever kiosk pushes
  first, and the kiosk that lost shows the winning decision on its board;
- the desk console (``kiosk.role = "desk"``) shows the lobby kiosk's visitors on site, with
  host and the badge status the lobby's printer reported.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.core.config.settings import load_settings
from kiosk.core.models import VisitState
from kiosk.core.store import reception as decisions
from kiosk.core.visits.checkin import CheckinForm
from kiosk.services import Services, build_services
from sync.client import enroll
from sync.server.models import Visit
from sync.server.reception import VisitDecision
from tests.support.harness import HeadOffice, ServerProcess

pytestmark = [pytest.mark.integration, pytest.mark.slow]

API = "/api/v1"


def _ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


class Site:
    """A site at head office (one host, a watchlist entry) and a way to enroll its kiosks."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.ho = HeadOffice(f"sqlite:///{tmp_path / 'head-office.sqlite3'}")
        self.id = "s" + uuid.uuid4().hex[:8]
        self.ho.add_site(self.id, "示范大厦", "Demo Tower")
        self.server = ServerProcess(self.ho.database_url, log_path=tmp_path / "server.log")
        self.server.start()
        self.http = httpx.Client(
            base_url=f"{self.server.url}{API}",
            headers={"Authorization": f"Bearer {self.ho.add_admin('alice')}"},
            timeout=30,
        )
        dept = {"site_id": self.id, "name_zh": "研发部", "name_en": "R&D", "floor": "5"}
        _ok(self.http.put(f"/departments/{self.id}-rnd", json=dept))
        host = {"site_id": self.id, "department_id": f"{self.id}-rnd", "name_zh": "李娜"}
        _ok(self.http.put(f"/hosts/{self.host}", json={**host, "name_en": "Li Na"}))
        match = {"site_id": self.id, "name": "可疑人", "reason": "test"}
        _ok(self.http.post("/watchlist", json=match))
        self.kiosks: list[Services] = []

    @property
    def host(self) -> str:
        return f"{self.id}-h1"

    def kiosk(self, name: str, *, role: str = "lobby") -> Services:
        made = _ok(self.http.post("/kiosks", json={"site_id": self.id, "name": name}))
        data = self.tmp_path / name
        enroll(self.server.url, made["enrollment_code"], data_dir=data)
        settings = load_settings(environ={"KIOSK_KIOSK_DATA_DIR": str(data)})
        settings = settings.replace("printer", out_dir=str(data / "badges"))
        settings = settings.replace("kiosk", role=role)
        services = build_services(settings, start_workers=False)  # sync rounds by hand
        self.kiosks.append(services)
        assert services.sync is not None
        services.sync.sync_once()  # the directory and the watchlist
        assert services.records.host(self.host) is not None
        return services

    def form(self, name: str) -> CheckinForm:
        return CheckinForm(
            name=name, phone="13912340000", purpose="meeting", host_id=self.host, consent=True
        )

    def close(self) -> None:
        for services in self.kiosks:
            services.stop()
        self.http.close()
        self.server.stop()
        self.ho.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    made = Site(tmp_path)
    yield made
    made.close()


def _sync(*kiosks: Services) -> None:
    for services in kiosks:
        assert services.sync is not None
        services.sync.sync_once()


def _staff(services: Services, name: str, pin: str) -> Any:
    return services.reception.staff.add(name, "receptionist", pin)


@pytest.mark.parametrize("push_first", ["a", "b"])
@pytest.mark.parametrize("first", ["approved", "denied"])
def test_two_kiosks_deciding_one_held_visit_agree_on_the_first_decision(
    site: Site, first: str, push_first: str
) -> None:
    a, b = site.kiosk("lobby-a"), site.kiosk("lobby-b")
    staff_a, staff_b = _staff(a, "王芳", "582947"), _staff(b, "刘洋", "638104")
    visit_id = a.checkin.check_in(site.form("可疑人")).visit.id
    assert a.records.visit(visit_id).state is VisitState.DENIED
    _sync(a, b)  # both see it held
    for services in (a, b):
        (held,) = services.reception.board.snapshot().held
        assert held.visit_id == visit_id

    decide: dict[str, Callable[[], object]] = {
        "approved": lambda: a.reception.actions.approve(staff_a, visit_id, "cleared"),
        "denied": lambda: b.reception.actions.deny(staff_b, visit_id, "not expected"),
    }
    second = "denied" if first == "approved" else "approved"
    decide[first]()
    time.sleep(0.01)  # a later wall clock: the second decision's stamp is the larger one
    decide[second]()
    assert decisions.decision(a.store, visit_id)["decision"] == "approved"
    assert decisions.decision(b.store, visit_id)["decision"] == "denied"

    order = (a, b) if push_first == "a" else (b, a)
    _sync(*order)  # the first pushes; the second pushes and pulls the first's decision
    _sync(order[0])  # the first pulls the second's

    with site.ho.sessions() as s:
        row = s.get(VisitDecision, visit_id)
        assert row is not None and row.decision == first
        at_head_office = s.get(Visit, visit_id)
        assert at_head_office is not None
        assert at_head_office.state == ("checked_in" if first == "approved" else "denied")
    for services in (a, b):
        here = decisions.decision(services.store, visit_id)
        assert (here["decision"], here["kiosk_id"]) == (
            first,
            (a if first == "approved" else b).settings.kiosk.id,
        )
        visit = services.records.visit(visit_id)
        board = services.reception.board.snapshot()
        assert not board.held
        if first == "approved":
            assert visit.state is VisitState.CHECKED_IN
            assert visit.badge_code == a.records.visit(visit_id).badge_code != ""
            assert [e.visit_id for e in board.on_site] == [visit_id]
            assert not board.denied
        else:
            assert visit.state is VisitState.DENIED
            assert not board.on_site
            assert [e.visit_id for e in board.denied] == [visit_id]
    # once more each way changes nothing (pulled changes are idempotent)
    _sync(a, b)
    assert {decisions.decision(k.store, visit_id)["decision"] for k in (a, b)} == {first}


def test_the_desk_console_shows_the_lobby_kiosks_visitors(site: Site) -> None:
    lobby, desk = site.kiosk("lobby"), site.kiosk("desk", role="desk")
    assert desk.settings.kiosk.role == "desk"
    visit_id = lobby.checkin.check_in(site.form("张伟")).visit.id
    while lobby.print_queue.run_once():  # the lobby prints the badge (a file printer here)
        pass
    assert lobby.print_queue.status_for(visit_id).state == "printed"
    _sync(lobby, desk)
    (entry,) = desk.reception.board.snapshot("en").on_site
    assert (entry.visit_id, entry.name, entry.host_id) == (visit_id, "张伟", site.host)
    assert entry.host_name == "Li Na"
    assert entry.phone_masked and "13912340000" not in entry.phone_masked
    assert entry.badge == "printed"  # printed at the lobby: the desk has no print job for it
    assert desk.print_queue.status_for(visit_id).state == "none"
