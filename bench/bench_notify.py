"""Host notification benchmarks.

``notify_latency``: a visit is committed with its ``visit.checked_in`` event → the host's
e-mail is received by a real SMTP server on loopback (aiosmtpd), through the notifier worker
and apprise. Median and p99 over many visits, in milliseconds.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from kiosk.core.config.clock import SystemClock, iso
from kiosk.core.config.settings import Settings
from kiosk.core.events import parse_event
from kiosk.core.models import Department, Host, Site
from kiosk.core.notify.channels import AppriseNotifier
from kiosk.core.notify.worker import NotifyWorker
from kiosk.core.store.database import Store, new_id
from kiosk.core.store.records import Records

RUNS = 60
WARMUP = 3


class _Inbox:
    def __init__(self) -> None:
        self.times: list[float] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        with self.arrived:
            self.times.append(time.perf_counter())
            self.arrived.notify_all()
        return "250 OK"

    def wait_count(self, n: int, timeout: float = 10.0) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.times) >= n, timeout)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _commit_visit(store: Store) -> None:
    now = iso(store.clock.now())
    visit_id, visitor_id = new_id(), new_id()
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO visitors (id, name, phone, phone_key, company, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?)",
            (visitor_id, "张伟", "13812345678", "k", "星河科技", now, now),
        )
        tx.execute(
            "INSERT INTO visits (id, site_id, visitor_id, host_id, department_id, state, purpose,"
            " kiosk_id, created_at, checked_in_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                visit_id,
                "demo",
                visitor_id,
                "h1",
                "rnd",
                "checked_in",
                "meeting",
                "kiosk-1",
                now,
                now,
            ),
        )
        tx.emit(
            parse_event(
                "visit.checked_in",
                {
                    "visit": {
                        "id": visit_id,
                        "site_id": "demo",
                        "kiosk_id": "kiosk-1",
                        "visitor_id": visitor_id,
                        "host_id": "h1",
                        "department_id": "rnd",
                        "state": "checked_in",
                        "purpose": "meeting",
                        "badge_code": "",
                        "consent_version": "",
                        "invitation_id": None,
                        "created_at": now,
                        "checked_in_at": now,
                    },
                    "visitor": {
                        "id": visitor_id,
                        "name": "张伟",
                        "phone": "13812345678",
                        "company": "星河科技",
                        "category": "",
                    },
                    "language": "zh_CN",
                },
            )
        )


def notify_latency() -> dict:
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    with tempfile.TemporaryDirectory() as folder:
        clock = SystemClock()
        store = Store(Path(folder) / "kiosk.sqlite3", clock=clock)
        records = Records(store)
        url = f"mailto://127.0.0.1:{port}?from=kiosk@example.com&to=li.na@example.com"
        with store.transaction() as tx:
            records.upsert_site(tx, Site("demo", "示范大厦", "Demo Tower"))
            records.upsert_department(tx, Department("rnd", "demo", "研发部", "R&D"))
            records.upsert_host(tx, Host("h1", "demo", "rnd", "李娜", "Li Na", notify_urls=(url,)))
        settings = Settings().replace("head_office", url="https://ho.example")
        settings = settings.replace("notify", reply_key="ab" * 32)
        worker = NotifyWorker(
            store=store,
            records=records,
            notifier=AppriseNotifier(),
            clock=clock,
            settings=settings,
        )
        worker.start()
        samples: list[float] = []
        try:
            for i in range(RUNS + WARMUP):
                committed = time.perf_counter()
                _commit_visit(store)
                if not inbox.wait_count(i + 1):
                    raise RuntimeError(f"message {i + 1} never reached the SMTP server")
                if i >= WARMUP:
                    samples.append((inbox.times[i] - committed) * 1000)
                time.sleep(0.02)
        finally:
            worker.stop()
            store.close()
            controller.stop()
    samples.sort()
    return {
        "value": round(statistics.median(samples), 2),
        "unit": "ms",
        "budget": 500,
        "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 2),
        "min_ms": round(samples[0], 2),
        "max_ms": round(samples[-1], 2),
        "runs": len(samples),
    }


BENCHMARKS = {"notify_latency": notify_latency}
