"""Badge benchmarks.

badge_render    median ms to render one 62x100 mm badge (300 dpi), a different visitor and
                token each time. Budget 25 ms.
badge_to_spool  median ms from the check-in commit (the visitor's "confirm") until a real CUPS
                scheduler has accepted the badge job (``lp`` returned its job id), through the
                outbox, the print queue worker, rendering, PDF and ``lp``. Budget 150 ms.
                Starts a private cupsd with a CUPS-PDF queue (tests/integration/cups_fixture.py).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


NAMES = [
    "张伟",
    "王芳",
    "欧阳娜娜",
    "李明轩",
    "Zhang Wei",
    "Maximilian Alexander von Hohenberg",
    "María José García-López",
    "محمد عبد الله",
    "Алексей Смирнов",
    "陈静 Jenny Chen",
]


def badge_render() -> dict:
    from kiosk.core.badges.render import render_badge
    from kiosk.core.badges.template import BadgeData, load_template
    from kiosk.core.badges.tokens import sign

    template = load_template("label_62x100")
    now = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    key = b"bench-key-0123456789abcdef012345"

    def badge(i: int) -> BadgeData:
        return BadgeData(
            site_name_zh="示范大厦",
            site_name_en="Demo Tower",
            visitor_name=NAMES[i % len(NAMES)],
            company="上海星河科技有限公司",
            host_name="王芳 Wang Fang",
            floor="8",
            room="801",
            direction="乘左侧电梯到 8 层，出梯右转",
            purpose=("meeting", "delivery", "interview")[i % 3],
            token=sign(
                visit_id=uuid.UUID(int=i + 1).hex,
                site_id="demo",
                expires_at=now + timedelta(hours=12),
                key=key,
            ),
            issued_at=now,
            valid_until=now + timedelta(hours=12),
        )

    render_badge(badge(0), template)  # fonts loaded once per process, as in the kiosk
    times = []
    for i in range(300):
        data = badge(i + 1)
        started = time.perf_counter()
        render_badge(data, template)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "value": round(statistics.median(times), 2),
        "unit": "ms",
        "budget": 25,
        "p99_ms": round(_pct(times, 0.99), 2),
        "runs": len(times),
    }


def badge_to_spool() -> dict:
    sys.path.insert(0, str(ROOT / "tests" / "integration"))
    from cups_fixture import CupsServer

    from kiosk.core.badges.tokens import BadgeService
    from kiosk.core.config.clock import SystemClock
    from kiosk.core.config.settings import Settings
    from kiosk.core.directory.demo import demo_directory, import_directory
    from kiosk.core.printing.base import JobRef, PrintJob
    from kiosk.core.printing.cups import CupsPrinter
    from kiosk.core.printing.queue import PrintQueue
    from kiosk.core.store.database import Store
    from kiosk.core.store.records import Records
    from kiosk.core.visits.checkin import CheckinForm, CheckinService

    class TimedCups(CupsPrinter):
        """Notes the moment CUPS accepted each job (``lp`` returned its id)."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.accepted: dict[str, float] = {}
            self.done = threading.Condition()

        def print(self, job: PrintJob) -> JobRef:
            ref = super().print(job)
            with self.done:
                self.accepted[job.job_id.split("-")[0]] = time.perf_counter()
                self.done.notify_all()
            return ref

    server = CupsServer("/tmp/lk-cups-bench")
    server.start()
    queue_name = "LKBENCH"
    work = Path(tempfile.mkdtemp(prefix="bench-badges-"))
    server.add_pdf_queue(queue_name, work / "pdf")
    clock = SystemClock()
    store = Store(work / "kiosk.sqlite3", clock=clock)
    records = Records(store)
    import_directory(records, demo_directory())
    settings = Settings()
    badges = BadgeService(store, site_id=settings.site.id, clock=clock)
    checkin = CheckinService(
        records=records, settings=settings, clock=clock, badge_issuer=badges.issue_code
    )
    printer = TimedCups(queue_name, server=server.socket)
    queue = PrintQueue(
        store=store, records=records, printer=printer, clock=clock, settings=settings
    )
    queue.start()
    spool, commit, printed = [], [], []
    try:
        for i in range(31):
            form = CheckinForm(
                name=NAMES[i % len(NAMES)],
                phone=f"139{i:08d}",
                company="星河科技",
                purpose="meeting",
                host_id="h001",
                consent=True,
            )
            started = time.perf_counter()
            visit = checkin.check_in(form).visit
            committed = time.perf_counter()
            with printer.done:
                printer.done.wait_for(lambda v=visit.id: v in printer.accepted, timeout=20)
            if visit.id not in printer.accepted:
                raise RuntimeError(f"CUPS never accepted the badge of {visit.id}")
            deadline = time.monotonic() + 20
            while queue.status_for(visit.id).state != "printed" and time.monotonic() < deadline:
                time.sleep(0.002)
            finished = time.perf_counter()
            if i == 0:
                continue  # warm-up: first font load, first lp
            spool.append((printer.accepted[visit.id] - started) * 1000)
            commit.append((committed - started) * 1000)
            printed.append((finished - started) * 1000)
        pdfs = len(server.pdfs(queue_name))
    finally:
        queue.stop()
        store.close()
        server.remove_queue(queue_name)
        server.stop()
    return {
        "value": round(statistics.median(spool), 1),
        "unit": "ms",
        "budget": 150,
        "p99_ms": round(_pct(spool, 0.99), 1),
        "check_in_commit_median_ms": round(statistics.median(commit), 2),
        "to_pdf_written_median_ms": round(statistics.median(printed), 1),
        "runs": len(spool),
        "pdfs": pdfs,
    }


BENCHMARKS = {"badge_render": badge_render, "badge_to_spool": badge_to_spool}
