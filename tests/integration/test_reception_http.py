"""Receptionist mode with the real ``kiosk-server`` over HTTP: staff made at head office reach
every kiosk of the site by pull (PIN hashes only) and open the console there; a kiosk's own
staff change, audit entries and desk actions are folded at head office."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from kiosk.core.config.clock import SystemClock
from kiosk.core.config.settings import Settings
from kiosk.core.keys.site_keys import SiteKeys
from kiosk.core.reception import audit
from kiosk.core.reception.console import Reception
from kiosk.core.reception.pepper import Pepper, kiosk_key_for
from kiosk.core.visits.checkin import CheckinForm, CheckinService
from sync.client import HeadOfficeClient
from sync.server.keys import LEGACY_SECRET_ENV, SECRET_ENV, SECRET_FILE_ENV
from sync.server.reception import AuditEntry, StaffAccount, VisitAnnotation
from tests.support.harness import ROOT, HeadOffice, KioskHarness, ServerProcess, enrolled_kiosk

pytestmark = [pytest.mark.integration, pytest.mark.slow]
PIN = "735102"


@pytest.fixture(autouse=True)
def no_secret_in_the_environment(monkeypatch) -> None:
    for name in (SECRET_ENV, LEGACY_SECRET_ENV, SECRET_FILE_ENV):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server(tmp_path) -> Iterator[tuple[HeadOffice, ServerProcess]]:
    ho = HeadOffice(f"sqlite:///{tmp_path / 'ho.sqlite3'}")
    ho.add_site("demo", "示范大厦", "Demo Tower")
    proc = ServerProcess(ho.database_url, log_path=tmp_path / "server.log").start()
    yield ho, proc
    proc.stop()
    ho.close()


def _reception(kiosk: KioskHarness, url: str, data_dir) -> Reception:
    keys = SiteKeys(
        store=kiosk.store, clock=SystemClock(), head_office=HeadOfficeClient(url, kiosk.token)
    )
    keys.refresh()
    keys.wait()
    settings = (
        Settings()
        .replace("site", id=kiosk.site_id)
        .replace("kiosk", id=kiosk.kiosk_id)
        .replace("checkin", required_fields=("name", "phone", "purpose"))  # no directory here
    )
    checkin = CheckinService(records=kiosk.records, settings=settings, clock=SystemClock())
    return Reception.build(
        checkin=checkin,
        print_queue=None,
        pepper=Pepper(data_dir, site_key=kiosk_key_for(keys.current)),
    )


def test_staff_from_head_office_reach_every_kiosk_by_pull(server, tmp_path) -> None:
    ho, proc = server
    one = enrolled_kiosk(proc.url, ho.add_kiosk("demo"), tmp_path / "one")
    two = enrolled_kiosk(proc.url, ho.add_kiosk("demo"), tmp_path / "two")
    try:
        added = subprocess.run(
            [
                *(sys.executable, "-m", "sync.server.cli", "--database-url", ho.database_url),
                *("staff", "add", "demo", "前台王", "--role", "receptionist", "--pin-stdin"),
            ],
            input=PIN + "\n",
            capture_output=True,
            text=True,
            cwd=str(ROOT),
            timeout=60,
            env=dict(os.environ),
        )
        assert added.returncode == 0, added.stderr
        admin = ho.add_admin("ops")
        made = httpx.post(
            f"{proc.url}/api/v1/sites/demo/staff",
            json={"name": "Admin Li", "role": "admin", "pin": "482916"},
            headers={"Authorization": f"Bearer {admin}"},
            timeout=10,
        )
        assert made.status_code == 201, made.text
        assert "pin" not in made.text and "argon2" not in made.text
        bad = httpx.post(
            f"{proc.url}/api/v1/sites/demo/staff",
            json={"name": "X", "role": "admin", "pin": "12"},
            headers={"Authorization": f"Bearer {admin}"},
            timeout=10,
        )
        assert bad.status_code == 422
        for kiosk in (one, two):
            kiosk.client.sync_once()
            rows = kiosk.store.query("SELECT name, role, origin, pin_hash FROM staff ORDER BY name")
            assert [(r["name"], r["role"], r["origin"]) for r in rows] == [
                ("Admin Li", "admin", "head_office"),
                ("前台王", "receptionist", "head_office"),
            ]
            assert all(r["pin_hash"].startswith("$argon2id$") for r in rows)
        # the PIN works at both entrances, with the site's pepper from the key hierarchy
        desk_one = _reception(one, proc.url, tmp_path / "one")
        desk_two = _reception(two, proc.url, tmp_path / "two")
        assert desk_one.staff.enter(PIN).staff.name == "前台王"
        session = desk_two.staff.enter("482916")
        assert session.staff.role == "admin"

        # a staff member added on kiosk two, and a correction there, fold at head office
        added_here = desk_two.staff.add("夜班张", "receptionist", "620841", by=session.staff.actor)
        visit = desk_two.actions.checkin.check_in(
            CheckinForm(name="张玮", phone="13812345678", purpose="meeting", consent=True)
        ).visit
        desk_two.actions.correct(session.staff, visit.id, "name", "张伟", "misspelled")
        two.client.sync_once()
        one.client.sync_once()
        assert desk_one.staff.enter("620841").staff.id == added_here.id
        with ho.sessions() as s:
            assert s.get(StaffAccount, added_here.id).name == "夜班张"
            (note,) = s.scalars(select(VisitAnnotation)).all()
            assert (note.old_value, note.new_value) == ("张玮", "张伟")
            entries = s.scalars(
                select(AuditEntry)
                .where(AuditEntry.kiosk_id == two.kiosk_id)
                .order_by(AuditEntry.seq)
            ).all()
            mirrored = [
                {c: getattr(e, c) for c in ("seq", "hash", "prev_hash", "action")} for e in entries
            ]
        local = audit.recent(two.store, limit=1000)[::-1]
        assert [(e["seq"], e["hash"], e["action"]) for e in local] == [
            (m["seq"], m["hash"], m["action"]) for m in mirrored
        ]
        assert audit.verify(two.store).ok
    finally:
        one.close()
        two.close()
