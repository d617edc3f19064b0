"""The desk's on-site board and head office count the same after a sync (issue 15, item 8).

A kiosk enrolled over HTTP with the real ``kiosk-server`` and wired by ``build_services``
(its sync worker running) does a morning at the desk: self check-ins, a check-in on a
visitor's behalf, a check-out, a cancellation, a correction, three watchlist matches (one
approved, one denied, one left held); head office invited two guests (one for today). Once
the outbox is pushed, ``GET /sites/{site}/board`` gives the board's own numbers.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.core.config.settings import load_settings
from kiosk.core.visits.checkin import CheckinForm
from kiosk.services import Services, build_services
from sync.client import enroll
from tests.support.harness import HeadOffice, ServerProcess

pytestmark = [pytest.mark.integration, pytest.mark.slow]

API = "/api/v1"


def _eventually(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {predicate}")


@pytest.fixture
def head_office(tmp_path: Path) -> Iterator[tuple[ServerProcess, httpx.Client, str]]:
    url = f"sqlite:///{tmp_path / 'head-office.sqlite3'}"
    ho = HeadOffice(url)
    site = "s" + uuid.uuid4().hex[:8]
    ho.add_site(site, "示范大厦", "Demo Tower")
    server = ServerProcess(url, log_path=tmp_path / "server.log").start()
    http = httpx.Client(
        base_url=f"{server.url}{API}",
        headers={"Authorization": f"Bearer {ho.add_admin('alice')}"},
        timeout=30,
    )
    yield server, http, site
    http.close()
    server.stop()
    ho.close()


def _ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture
def kiosk(head_office, tmp_path: Path) -> Iterator[Services]:
    server, http, site = head_office
    dept = {"site_id": site, "name_zh": "研发部", "name_en": "R&D", "floor": "5"}
    _ok(http.put(f"/departments/{site}-rnd", json=dept))
    for n, (zh, en) in enumerate((("李娜", "Li Na"), ("王强", "Wang Qiang")), 1):
        host = {"site_id": site, "department_id": f"{site}-rnd", "name_zh": zh, "name_en": en}
        _ok(http.put(f"/hosts/{site}-h{n}", json=host))
    _ok(http.post("/watchlist", json={"site_id": site, "name": "可疑人", "reason": "test"}))
    now = datetime.now(UTC)
    for name, start in (("王五", now - timedelta(hours=1)), ("赵六", now + timedelta(days=3))):
        guest = {
            "site_id": site,
            "visitor_name": name,
            "host_id": f"{site}-h1",
            "valid_from": start.isoformat(),
            "valid_until": (start + timedelta(hours=4)).isoformat(),
        }
        _ok(http.post("/invitations", json=guest))
    code = _ok(http.post("/kiosks", json={"site_id": site, "name": "Lobby"}))["enrollment_code"]
    data = tmp_path / "kiosk"
    enroll(server.url, code, data_dir=data)
    settings = load_settings(environ={"KIOSK_KIOSK_DATA_DIR": str(data)})
    settings = settings.replace("printer", out_dir=str(data / "badges"))
    settings = settings.replace("head_office", interval=0.2)
    services = build_services(settings)
    yield services
    services.stop()


def test_the_boards_counts_equal_head_offices_after_a_sync(kiosk, head_office) -> None:
    _, http, site = head_office
    services = kiosk
    records, reception = services.records, services.reception
    # the first pull brings the directory, the watchlist and today's invitation
    _eventually(lambda: records.host(f"{site}-h1") is not None)
    _eventually(lambda: reception.board.snapshot().counts()["expected"] == 1)
    staff = reception.staff.add("王芳", "receptionist", "582947")
    desk, checkin = reception.actions, services.checkin

    def form(name: str, host: int = 1) -> CheckinForm:
        return CheckinForm(
            name=name,
            phone="13912340000",
            purpose="meeting",
            host_id=f"{site}-h{host}",
            consent=True,
        )

    visits = [checkin.check_in(form(f"访客{n}")).visit.id for n in range(4)]
    desk.check_in_for(staff, form("孙丽", host=2))
    desk.check_out(staff, visits[0])
    desk.cancel(staff, visits[1], "checked in twice")
    desk.correct(staff, visits[2], "name", "访客二", "typo")
    held = [checkin.check_in(form("可疑人")).visit.id for _ in range(3)]
    assert all(records.visit(v).state.value == "denied" for v in held)
    desk.approve(staff, held[0], "cleared with security")
    desk.deny(staff, held[1], "not expected")

    board = reception.board.snapshot().counts()
    assert board == {"on_site": 4, "expected": 1, "not_signed_out": 0, "held": 1, "denied": 1}

    def head_office_counts() -> dict[str, int]:
        return dict(_ok(http.get(f"/sites/{site}/board"))["counts"])

    assert services.sync is not None
    services.sync.wake()
    _eventually(lambda: services.sync.status().pending == 0)
    assert head_office_counts() == board
    # another site's board is its own; an unknown site is a 404
    assert http.get("/sites/nowhere/board").status_code == 404
    assert http.get(f"/sites/{site}/board", params={"day": "9999-12-31"}).status_code == 400
    tomorrow = _ok(http.get(f"/sites/{site}/board", params={"day": "2999-01-01"}))["counts"]
    assert tomorrow["on_site"] == 0 and tomorrow["expected"] == 0
