"""Durability: SIGKILL the kiosk (≥50 times) during check-ins and sync, and the server during
pushes; afterwards head office holds exactly the visits the kiosk committed: none lost, none
twice, each in the state the kiosk left it.

The kiosk is a real child process running the real check-in use case and the sync worker
thread against a real ``kiosk-server`` process over loopback HTTP.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from pg_fixture import postgres  # noqa: F401  (fixture)

from sync.client import enroll
from tests.support.harness import ROOT, HeadOffice, ServerProcess, kiosk_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

#: kiosk kills per backend: the full 50 on SQLite; on PostgreSQL the point is the server kills
KIOSK_KILLS = {"sqlite": 50, "postgresql": 20}

CHILD = r"""
import random, sys, json
from kiosk.core.visits.checkin import CheckinForm, CheckinService
from kiosk.core.config.settings import Settings
from kiosk.core.config.errors import KioskError
from tests.support.harness import kiosk_for
from pathlib import Path

url, kiosk_id, site_id, token, data_dir, seed = sys.argv[1:7]
rng = random.Random(int(seed))
size = rng.choice([1, 5, 20])
k = kiosk_for(url, kiosk_id, site_id, token, Path(data_dir), batch_size=size, pull_page=size)
k.client.interval = 0.01
k.client.start()
settings = (Settings().replace("site", id=site_id).replace("kiosk", id=kiosk_id)
            .replace("checkin", required_fields=("name", "phone", "purpose")))
service = CheckinService(records=k.records, settings=settings, clock=k.store.clock)
print("ready", flush=True)
while True:
    if rng.random() < 0.25:
        open_visits = k.records.open_visits(site_id)
        if open_visits:
            try:
                service.check_out(rng.choice(open_visits).id, method="reception")
            except KioskError:
                pass
            continue
    phone = "139" + "".join(rng.choice("0123456789") for _ in range(8))
    service.check_in(CheckinForm(name="访客", phone=phone, purpose="meeting", consent=True))
"""


def _server_visits(url: str, admin: str, site: str) -> list[dict]:
    r = httpx.get(
        f"{url}/api/v1/visits",
        params={"site_id": site, "limit": 5000},
        headers={"Authorization": f"Bearer {admin}"},
        timeout=30,
    )
    r.raise_for_status()
    return r.json()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kills_lose_nothing_and_double_nothing(backend: str, tmp_path: Path, request) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'head-office.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    ho = HeadOffice(url)
    ho.add_site("dur", "耐久", "Durability")
    admin = ho.add_admin("ops")
    server = ServerProcess(url, log_path=tmp_path / "server.log").start()
    data_dir = tmp_path / "kiosk"
    done = enroll(server.url, ho.add_kiosk("dur"), data_dir=data_dir)
    token = (data_dir / "head-office.token").read_text().strip()

    # the server dies now and then while the kiosk pushes
    stop = threading.Event()
    server_kills = 0

    def chaos() -> None:
        nonlocal server_kills
        rng = random.Random(99)
        while not stop.wait(rng.uniform(1.0, 2.5)):
            server.kill()
            server_kills += 1
            time.sleep(rng.uniform(0.0, 0.5))
            server.start()

    chaos_thread = threading.Thread(target=chaos)
    chaos_thread.start()
    rng = random.Random(2026)
    kills = 0
    try:
        for i in range(KIOSK_KILLS[backend]):
            child = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    CHILD,
                    server.url,
                    done.kiosk_id,
                    done.site_id,
                    token,
                    str(data_dir),
                    str(i),
                ],
                stdout=subprocess.PIPE,
                cwd=str(ROOT),
            )
            assert child.stdout is not None
            assert child.stdout.readline().strip() == b"ready", "kiosk child failed to start"
            time.sleep(rng.uniform(0.02, 0.4))
            child.send_signal(signal.SIGKILL)
            child.wait()
            child.stdout.close()
            kills += 1
    finally:
        stop.set()
        chaos_thread.join()
    assert kills == KIOSK_KILLS[backend] and server_kills >= 1
    if server.proc is None:
        server.start()

    # the kiosk's committed truth, then a final drain by a fresh kiosk process state
    k = kiosk_for(server.url, done.kiosk_id, done.site_id, token, data_dir)
    for _ in range(100):
        if k.client.run_round() is not None and k.store.pending("sync") == 0:
            break
        time.sleep(0.1)
    assert k.store.pending("sync") == 0
    db = sqlite3.connect(data_dir / "kiosk.sqlite3")
    local = {row[0]: row[1] for row in db.execute("SELECT id, state FROM visits")}
    outbox = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    db.close()
    k.close()

    remote = _server_visits(server.url, admin, "dur")
    ids = [v["id"] for v in remote]
    assert len(ids) == len(set(ids)), "a visit appears twice at head office"
    assert {v["id"]: v["state"] for v in remote} == local
    assert len(local) > 100, f"only {len(local)} visits committed; the test did too little"
    with ho.sessions() as s:
        from sqlalchemy import func, select

        from sync.server.models import Event

        stored = s.scalar(select(func.count()).select_from(Event))
    assert stored == outbox, "head office must hold every event exactly once"
    (tmp_path / "figures.json").write_text(
        json.dumps(
            {
                "visits": len(local),
                "events": outbox,
                "kiosk_kills": kills,
                "server_kills": server_kills,
            }
        )
    )
    server.stop()
    ho.close()
