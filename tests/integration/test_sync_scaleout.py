"""Scale-out: two server processes against one PostgreSQL behave as one.

Several kiosks of one site push through either process at random while head office edits
the directory through the other; a reader pulling the site's feed the whole time, through
both processes alternately, must see every change exactly once, in order, with no gap (a
cursor taken from a plain sequence would skip rows committed out of order).
"""

from __future__ import annotations

import random
import threading
from pathlib import Path

import httpx
import pytest
from pg_fixture import postgres  # noqa: F401  (fixture)

from kiosk.core.config.settings import Settings
from kiosk.core.visits.checkin import CheckinForm, CheckinService
from sync.client import HeadOfficeClient, enroll
from tests.support.harness import HeadOffice, ServerProcess, kiosk_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KIOSKS = 6
CHECK_INS = 40


def test_two_processes_one_database_no_change_skipped(postgres, tmp_path: Path) -> None:  # noqa: F811
    url = postgres.new_database()
    ho = HeadOffice(url)
    ho.add_site("so", "扩展", "Scale-out")
    admin = {"Authorization": f"Bearer {ho.add_admin('ops')}"}
    servers = [ServerProcess(url, log_path=tmp_path / f"server{i}.log").start() for i in (0, 1)]
    http = [httpx.Client(base_url=s.url, timeout=30) for s in servers]
    r = http[0].put(
        "/api/v1/departments/d0",
        json={"site_id": "so", "name_zh": "部", "name_en": "Dept"},
        headers=admin,
    )
    assert r.status_code == 200

    kiosks = []
    for i in range(KIOSKS):
        data_dir = tmp_path / f"k{i}"
        done = enroll(servers[i % 2].url, ho.add_kiosk("so"), data_dir=data_dir)
        token = (data_dir / "head-office.token").read_text().strip()
        kiosks.append(kiosk_for(servers[i % 2].url, done.kiosk_id, "so", token, data_dir))
    reader_dir = tmp_path / "reader"
    enroll(servers[0].url, ho.add_kiosk("so"), data_dir=reader_dir)
    reader_token = (reader_dir / "head-office.token").read_text().strip()
    readers = [HeadOfficeClient(s.url, reader_token) for s in servers]

    stop = threading.Event()
    errors: list[BaseException] = []
    seen: list[int] = []

    def kiosk_work(index: int) -> None:
        k = kiosks[index]
        rng = random.Random(index)
        settings = (
            Settings()
            .replace("site", id="so")
            .replace("kiosk", id=k.kiosk_id)
            .replace("checkin", required_fields=("name", "phone", "purpose"))
        )
        service = CheckinService(records=k.records, settings=settings, clock=k.store.clock)
        transports = [HeadOfficeClient(s.url, k.token) for s in servers]
        own = k.client.head_office
        try:
            for n in range(CHECK_INS):
                service.check_in(
                    CheckinForm(
                        name="访客", phone=f"13{index}{n:08d}", purpose="meeting", consent=True
                    )
                )
                k.client.head_office = rng.choice(transports)  # any process will do
                k.client.sync_once()
        except BaseException as e:
            errors.append(e)
        finally:
            k.client.head_office = own
            for t in transports:
                t.close()

    def directory_work() -> None:
        try:
            for n in range(60):
                r = http[n % 2].put(
                    f"/api/v1/hosts/h{n}",
                    json={"site_id": "so", "department_id": "d0", "name_en": f"Host {n}"},
                    headers=admin,
                )
                assert r.status_code == 200, r.text
        except BaseException as e:
            errors.append(e)

    def reader_work() -> None:
        cursor = 0
        n = 0
        try:
            while True:
                done = stop.is_set()
                page = readers[n % 2].pull(cursor, 50)
                n += 1
                seen.extend(c.cursor for c in page.changes)
                cursor = page.cursor
                if done and not page.more:
                    return
        except BaseException as e:
            errors.append(e)

    reader = threading.Thread(target=reader_work)
    reader.start()
    workers = [threading.Thread(target=kiosk_work, args=(i,)) for i in range(KIOSKS)]
    workers.append(threading.Thread(target=directory_work))
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for k in kiosks:
        k.client.sync_once()
    stop.set()
    reader.join()
    assert not errors, errors

    # each check-in, and the site's visitor directory entry it makes (``visitor.known``: every
    # phone here is new), the hosts and the department
    total = 2 * KIOSKS * CHECK_INS + 61
    assert seen == list(range(1, total + 1)), "the reader skipped or repeated a change"
    for k in kiosks:
        assert len(k.records.visits(limit=10_000)) == KIOSKS * CHECK_INS
        assert len(k.records.hosts("so")) == 60
    rows = (
        http[1].get("/api/v1/visits", params={"site_id": "so", "limit": 5000}, headers=admin).json()
    )
    assert len(rows) == KIOSKS * CHECK_INS == len({r["id"] for r in rows})
    for t in readers:
        t.close()
    for k in kiosks:
        k.close()
    for c in http:
        c.close()
    for s in servers:
        s.stop()
    ho.close()
