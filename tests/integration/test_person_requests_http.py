"""A person's request at head office (issue 18, item 5), with a real ``kiosk-server`` and two
kiosks of the site: found by mobile number through the blind index, exported as JSON and CSV,
erased at head office and, after sync, on every kiosk, each kiosk confirming it back."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from kiosk.core.config.errors import KioskError
from kiosk.core.config.settings import Settings
from kiosk.core.visits.checkin import CheckinForm, CheckinService
from sync.server.erasure_fold import ErasureConfirmation
from sync.server.models import Event, Visit, Visitor
from tests.support.harness import ROOT, HeadOffice, KioskHarness, ServerProcess, enrolled_kiosk

pytestmark = pytest.mark.integration

API = "/api/v1"
MOBILE, OTHER = "13812345670", "13812345671"


@pytest.fixture
def site(tmp_path) -> Iterator[tuple[HeadOffice, httpx.Client, list[KioskHarness]]]:
    (tmp_path / "ho").mkdir()
    url = f"sqlite:///{tmp_path / 'ho' / 'head-office.sqlite3'}"
    ho = HeadOffice(url)
    ho.add_site("s1", "一号楼", "One")
    server = ServerProcess(url, log_path=tmp_path / "server.log").start()
    admin = {"Authorization": f"Bearer {ho.add_admin('dpo')}"}
    http = httpx.Client(base_url=server.url, headers=admin, timeout=30)
    kiosks = [
        enrolled_kiosk(server.url, ho.add_kiosk("s1"), tmp_path / name) for name in ("a", "b")
    ]
    try:
        yield ho, http, kiosks
    finally:
        for k in kiosks:
            k.close()
        http.close()
        server.stop()
        ho.close()


def _check_in(k: KioskHarness, name: str, phone: str) -> str:
    settings = (
        Settings()
        .replace("site", id="s1")
        .replace("kiosk", id=k.kiosk_id)
        .replace("checkin", required_fields=("name", "phone", "purpose"))
    )
    service = CheckinService(records=k.records, settings=settings, clock=k.store.clock)
    form = CheckinForm(name=name, phone=phone, company="星河", purpose="meeting", consent=True)
    return service.check_in(form).visit.id


def test_export_then_erase_reaches_every_kiosk_and_is_confirmed(site) -> None:
    ho, http, (a, b) = site
    _check_in(a, "欧阳明日", MOBILE)
    _check_in(b, "欧阳明日", MOBILE)  # the same person at the other entrance
    _check_in(a, "司徒静", OTHER)
    for k in (a, b):
        k.client.sync_once()

    r = http.post(f"{API}/sites/s1/person-requests/export", json={"mobile": MOBILE})
    assert r.status_code == 200, r.text
    exported = r.json()
    assert {p["name"] for p in exported["visitors"]} == {"欧阳明日"}
    assert len(exported["visits"]) == 2
    r = http.post(
        f"{API}/sites/s1/person-requests/export", params={"format": "csv"}, json={"mobile": MOBILE}
    )
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert [row["name"] for row in rows] == ["欧阳明日", "欧阳明日"]
    assert rows[0]["phone"] == MOBILE

    r = http.post(f"{API}/sites/s1/person-requests/erase", json={"mobile": MOBILE})
    assert r.status_code == 200, r.text
    erasure = r.json()["erasure_id"]
    status = http.get(f"{API}/erasures/{erasure}").json()
    assert status["kiosks"] == {a.kiosk_id: None, b.kiosk_id: None}
    with ho.sessions() as s:  # gone at head office; the visits (the counts) stay
        names = [v.name for v in s.scalars(select(Visitor))]
        assert "欧阳明日" not in names and "司徒静" in names
        assert s.scalar(select(func.count()).select_from(Visit)) == 3

    for k in (a, b):
        k.client.sync_once()  # pulls the erasure, applies it, confirms
        k.client.sync_once()  # pushes the confirmation
    status = http.get(f"{API}/erasures/{erasure}").json()
    assert all(status["kiosks"].values()), status
    for k in (a, b):
        assert k.records.visitor_by_phone(MOBILE) is None
        assert all(v.name != "欧阳明日" for v in map(k.records.visitor, _ids(k)))
        assert len(k.records.visits()) >= 1  # the visits stay
    assert a.records.visitor_by_phone(OTHER) is not None
    r = http.post(f"{API}/sites/s1/person-requests/export", json={"mobile": MOBILE})
    assert r.json()["visitors"] == []
    assert http.post(f"{API}/sites/s1/person-requests/erase", json={"mobile": MOBILE}).json() == {
        "erasure_id": None
    }


def _ids(k: KioskHarness) -> list[str]:
    return [str(r[0]) for r in k.store.query("SELECT id FROM visitors")]


@pytest.mark.slow
def test_an_erasure_while_head_office_is_down_brings_nothing_of_the_person_back(
    tmp_path,
) -> None:
    """The person checks in again while head office is down; the erasure is made at head
    office then (the command line, on its database). Once head office is up, the kiosk
    pushes that check-in before it pulls the erasure: head office stores and folds it
    without the person (``erasure_guard``), the kiosk erases and confirms, and neither side
    keeps the name or the number anywhere, the kiosk's outbox included."""
    (tmp_path / "ho").mkdir()
    url = f"sqlite:///{tmp_path / 'ho' / 'head-office.sqlite3'}"
    ho = HeadOffice(url)
    ho.add_site("s1", "一号楼", "One")
    server = ServerProcess(url, log_path=tmp_path / "server.log").start()
    k = enrolled_kiosk(server.url, ho.add_kiosk("s1"), tmp_path / "k")
    try:
        first = _check_in(k, "欧阳明日", MOBILE)
        k.client.sync_once()
        server.kill()  # head office down
        again = _check_in(k, "欧阳明日", MOBILE)
        with pytest.raises(KioskError):
            k.client.sync_once()
        command = [sys.executable, "-m", "sync.server.cli", "--database-url", url]
        erase = subprocess.run(
            [*command, "person", "erase", "s1", MOBILE],
            capture_output=True,
            text=True,
            cwd=str(ROOT),
            check=False,
        )
        assert erase.returncode == 0, erase.stderr
        server.start()  # up again
        k.client.sync_once()  # pushes the check-in made before the erasure, then pulls it
        k.client.sync_once()  # pushes the confirmation
        assert k.store.pending("sync") == 0
        with ho.sessions() as s:
            assert [v.name for v in s.scalars(select(Visitor))] == [""]
            assert s.scalar(select(func.count()).select_from(Visit)) == 2  # both visits count
            payloads = [json.dumps(e.payload, ensure_ascii=False) for e in s.scalars(select(Event))]
            confirmed = s.scalar(select(func.count()).select_from(ErasureConfirmation))
        assert {first, again} <= {v.id for v in k.records.visits()}
        assert confirmed == 1
        assert not [p for p in payloads if "欧阳明日" in p or MOBILE in p]
        outbox = [r["payload"] for r in k.store.outbox_rows(0, 1000)]
        assert not [p for p in outbox if "欧阳明日" in p or MOBILE in p]
    finally:
        k.close()
        server.stop()
        ho.close()
