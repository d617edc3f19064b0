"""Partition: head office is down while a day of traffic (≥5,000 events) queues; then it comes
up, the backlog drains, and check-ins kept committing at their own pace throughout.

Real kiosk store and check-in use case, real sync worker thread, real server process.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import httpx
import pytest

from kiosk.core.config.settings import Settings
from kiosk.core.visits.checkin import CheckinForm, CheckinService
from sync.client import enroll
from tests.support.harness import HeadOffice, ServerProcess, kiosk_for

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(600)]

EVENTS = 5000
#: a liveness bound, not a performance budget: a commit that waited on the network would
#: stall for the transport's timeout (seconds); a local commit takes milliseconds
STALL = 2.0
#: the lobby keeps checking visitors in while the backlog drains: one every PACE seconds is
#: far busier than any front desk
PACE = 0.05
DRAIN_WITHIN = 240.0


def test_backlog_drains_after_an_outage_and_check_ins_never_wait(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'head-office.sqlite3'}"
    ho = HeadOffice(url)
    ho.add_site("p", "分区", "Partition")
    admin = ho.add_admin("ops")
    server = ServerProcess(url, log_path=tmp_path / "server.log").start()
    data_dir = tmp_path / "kiosk"
    done = enroll(server.url, ho.add_kiosk("p"), data_dir=data_dir)
    token = (data_dir / "head-office.token").read_text().strip()
    server.stop()  # the line to head office goes down

    k = kiosk_for(server.url, done.kiosk_id, "p", token, data_dir, batch_size=500)
    settings = (
        Settings()
        .replace("site", id="p")
        .replace("kiosk", id=done.kiosk_id)
        .replace("checkin", required_fields=("name", "phone", "purpose"))
    )
    service = CheckinService(records=k.records, settings=settings, clock=k.store.clock)
    k.client.start()

    def check_in(i: int) -> float:
        started = time.perf_counter()
        service.check_in(
            CheckinForm(name="访客", phone=f"139{i:08d}", purpose="meeting", consent=True)
        )
        return time.perf_counter() - started

    offline = [check_in(i) for i in range(EVENTS)]
    status = k.client.status()
    assert not status.online and status.offline_since is not None
    assert status.pending == EVENTS
    assert k.client.failures >= 1

    # the outage's backlog ends at the newest event now in the outbox
    backlog_end = int(k.store.query_one("SELECT MAX(seq) FROM outbox")[0])

    server.start()
    k.client.wake()
    during: list[float] = []
    started = time.monotonic()
    deadline = started + DRAIN_WITHIN
    i = EVENTS
    # the lobby goes on checking visitors in until head office has the whole backlog (each
    # new check-in is pending until the next round, so "nothing pending" is not the test)
    while k.store.position("sync") < backlog_end and time.monotonic() < deadline:
        during.append(check_in(i))
        i += 1
        time.sleep(PACE)
    drain_s = time.monotonic() - started
    drained = k.store.position("sync") >= backlog_end
    total = i
    k.client.run_round()  # and the check-ins made while it drained
    assert drained, "the backlog did not drain"
    assert k.store.pending("sync") == 0
    assert k.client.status().online

    # page through every visit: a slow machine makes more check-ins while the backlog drains
    remote: set[str] = set()
    offset = 0
    while True:
        r = httpx.get(
            f"{server.url}/api/v1/visits",
            params={"site_id": "p", "limit": 5000, "offset": offset},
            headers={"Authorization": f"Bearer {admin}"},
            timeout=60,
        )
        page = r.json()
        remote |= {v["id"] for v in page}
        if len(page) < 5000:
            break
        offset += 5000
    local = {v.id for v in k.records.visits(limit=100_000)}
    assert remote == local and len(local) == total

    figures = {
        "offline_p50_ms": statistics.median(offline) * 1000,
        "offline_max_ms": max(offline) * 1000,
        "drain_p50_ms": statistics.median(during) * 1000 if during else 0.0,
        "drain_max_ms": max(during, default=0.0) * 1000,
        "commits_during_drain": len(during),
        "drain_s": drain_s,
    }
    print(figures)
    assert max(offline + during) < STALL, figures
    k.close()
    server.stop()
    ho.close()
