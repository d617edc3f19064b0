"""Badges through a real CUPS scheduler with a CUPS-PDF queue.

A check-in goes through the real check-in use case, the outbox, the print queue worker, ``lp``,
cupsd, its filters and the cups-pdf backend, and comes out as a PDF that we measure
(pdfinfo), rasterise (pdftoppm) and scan (zbarimg). Failures are real too: a stopped queue
(cupsdisable) and a stopped scheduler.
"""

from __future__ import annotations

import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cups_fixture import CupsServer, CupsUnavailable

from kiosk.core.badges.tokens import BadgeService
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.settings import Settings
from kiosk.core.directory.demo import demo_directory, import_directory
from kiosk.core.printing.cups import CupsPrinter
from kiosk.core.printing.queue import PrintQueue
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from kiosk.core.visits.checkin import CheckinForm, CheckinService

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def cups() -> Iterator[CupsServer]:
    server = CupsServer("/tmp/lk-cups-test")
    try:
        server.start()
    except CupsUnavailable as e:
        pytest.fail(str(e))
    yield server
    for name in list(server.queues):
        server.remove_queue(name)
    server.stop()


@dataclass
class Kiosk:
    store: Store
    records: Records
    clock: FakeClock
    badges: BadgeService
    checkin: CheckinService
    queue: PrintQueue
    queue_name: str

    def check_in(self, name: str = "张伟", phone: str = "13812345678"):
        return self.checkin.check_in(
            CheckinForm(
                name=name,
                phone=phone,
                company="星河科技",
                purpose="meeting",
                host_id="h001",
                consent=True,
            )
        ).visit

    def wait_state(self, visit_id: str, states: tuple[str, ...], timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        status = self.queue.status_for(visit_id)
        while time.monotonic() < deadline:
            status = self.queue.status_for(visit_id)
            if status.state in states:
                return status
            time.sleep(0.05)
        raise AssertionError(f"badge of {visit_id} still {status} after {timeout}s")

    def events(self, kind: str) -> list:
        return [e for e in self.store.outbox_after("test-reader", limit=1000) if e.kind == kind]


@pytest.fixture
def kiosk(cups: CupsServer, tmp_path: Path) -> Iterator[Kiosk]:
    name = "LK" + uuid.uuid4().hex[:8].upper()
    cups.add_pdf_queue(name, tmp_path / "pdf")
    clock = FakeClock()
    store = Store(tmp_path / "kiosk.sqlite3", clock=clock)
    records = Records(store)
    import_directory(records, demo_directory())
    settings = Settings()
    badges = BadgeService(store, site_id=settings.site.id, clock=clock)
    checkin = CheckinService(
        records=records,
        settings=settings,
        clock=clock,
        badge_issuer=badges.issue_code,
        badge_verifier=badges.visit_id_for,
    )
    queue = PrintQueue(
        store=store,
        records=records,
        printer=CupsPrinter(name, server=cups.socket),
        clock=clock,
        settings=settings,
        badges=badges,
        poll_interval=0.05,
    )
    queue.start()
    yield Kiosk(store, records, clock, badges, checkin, queue, name)
    queue.stop()
    cups.start()  # a test may have stopped it
    cups.remove_queue(name)
    store.close()


def page_size_mm(pdf: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    match = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout)
    assert match, info.stdout
    return float(match.group(1)) / 72 * 25.4, float(match.group(2)) / 72 * 25.4


def scan_qr(pdf: Path, tmp_path: Path) -> list[str]:
    prefix = tmp_path / pdf.stem
    subprocess.run(["pdftoppm", "-r", "300", "-png", str(pdf), str(prefix)], check=True)
    pages = sorted(tmp_path.glob(f"{pdf.stem}*.png"))
    assert pages, "pdftoppm wrote no page"
    scan = subprocess.run(
        ["zbarimg", "--raw", "-q", str(pages[0])], capture_output=True, text=True, check=False
    )
    return scan.stdout.split()


def test_check_in_prints_a_62x100_badge_whose_qr_verifies(
    kiosk: Kiosk, cups: CupsServer, tmp_path: Path
):
    visit = kiosk.check_in()
    status = kiosk.wait_state(visit.id, ("printed", "failed"))
    assert status.state == "printed", status
    assert status.message_key == "badge.status.printed"
    pdfs = cups.wait_for_pdfs(kiosk.queue_name, 1)
    assert len(pdfs) == 1
    width, height = page_size_mm(pdfs[0])
    assert abs(width - 62) < 0.5 and abs(height - 100) < 0.5, (width, height)
    tokens = scan_qr(pdfs[0], tmp_path)
    assert tokens == [visit.badge_code]
    claim = kiosk.badges.verify_badge(tokens[0])
    assert claim.visit_id == visit.id
    printed = kiosk.events("badge.printed")
    assert [e.entity_id for e in printed] == [visit.id]
    assert printed[0].payload["printer"] == f"cups:{kiosk.queue_name}"


def test_stopped_queue_is_reported_and_drained_once_when_restarted(kiosk: Kiosk, cups: CupsServer):
    cups.disable(kiosk.queue_name)
    assert kiosk.queue.printer.status().state == "stopped"
    visits = [kiosk.check_in(f"访客{i}", f"1381234567{i}") for i in range(3)]
    statuses = [kiosk.wait_state(v.id, ("failed",)) for v in visits]
    assert all(s.error_key == "badge.printer.stopped" and s.retrying for s in statuses)
    assert all(s.message_key == "badge.status.at_reception" for s in statuses)
    failed = kiosk.events("badge.failed")
    assert sorted(e.entity_id for e in failed) == sorted(v.id for v in visits)
    assert cups.pdfs(kiosk.queue_name) == []

    cups.enable(kiosk.queue_name)
    kiosk.clock.advance(300)
    kiosk.queue.wake()
    for v in visits:
        assert kiosk.wait_state(v.id, ("printed",)).state == "printed"
    assert len(cups.wait_for_pdfs(kiosk.queue_name, 3)) == 3
    # more rounds and more time change nothing: each badge came out exactly once
    kiosk.clock.advance(3600)
    kiosk.queue.wake()
    time.sleep(1.0)
    assert len(cups.pdfs(kiosk.queue_name)) == 3
    assert len(kiosk.events("badge.printed")) == 3


def test_scheduler_down_is_reported_and_drained_once_when_back(kiosk: Kiosk, cups: CupsServer):
    cups.stop()
    assert kiosk.queue.printer.status().state == "unreachable"
    visits = [kiosk.check_in(f"Visitor {i}", f"1391234567{i}") for i in range(2)]
    for v in visits:
        status = kiosk.wait_state(v.id, ("failed",))
        assert status.error_key == "badge.printer.unreachable"
        assert status.message_key == "badge.status.at_reception"

    cups.start()
    kiosk.clock.advance(300)
    kiosk.queue.wake()
    for v in visits:
        assert kiosk.wait_state(v.id, ("printed",)).state == "printed"
    assert len(cups.wait_for_pdfs(kiosk.queue_name, 2)) == 2
    kiosk.clock.advance(3600)
    kiosk.queue.wake()
    time.sleep(1.0)
    assert len(cups.pdfs(kiosk.queue_name)) == 2


def test_reprint_prints_one_more_copy(kiosk: Kiosk, cups: CupsServer):
    visit = kiosk.check_in()
    kiosk.wait_state(visit.id, ("printed",))
    kiosk.queue.reprint(visit.id)
    kiosk.queue.reprint(visit.id)  # asked twice before it came out: still one copy
    status = kiosk.wait_state(visit.id, ("printed",))
    assert status.copy == 1
    assert len(cups.wait_for_pdfs(kiosk.queue_name, 2)) == 2
    time.sleep(0.5)
    assert len(cups.pdfs(kiosk.queue_name)) == 2


def test_cups_status_reads_queue_state(cups: CupsServer, tmp_path: Path):
    name = "LKSTATE" + uuid.uuid4().hex[:4].upper()
    cups.add_pdf_queue(name, tmp_path / "pdf")
    try:
        printer = CupsPrinter(name, server=cups.socket)
        assert printer.status().ready
        cups.disable(name)
        status = printer.status()
        assert (status.ready, status.state, status.message_key) == (
            False,
            "stopped",
            "badge.printer.stopped",
        )
        cups.enable(name)
        missing = CupsPrinter("NO_SUCH_QUEUE", server=cups.socket).status()
        assert not missing.ready
    finally:
        cups.remove_queue(name)


def test_a_printed_badge_leaves_nothing_of_the_visitor_in_the_spool(
    kiosk: Kiosk, cups: CupsServer
) -> None:
    """The badge shows the name: once it is out, the kiosk purges the job from CUPS's spool
    (the scheduler would keep the document a day: ``PreserveJobFiles``), control file too."""
    name, phone = "司徒静怡", "13822223333"
    visit = kiosk.check_in(name, phone)
    assert kiosk.wait_state(visit.id, ("printed", "failed")).state == "printed"
    [ref] = [r[0] for r in kiosk.store.query("SELECT printer_ref FROM print_jobs")]
    job = ref.rsplit("-", 1)[1]
    spool = cups.root / "spool"

    def left() -> list[str]:
        return [p.name for p in spool.iterdir() if p.name[1:6] == f"{int(job):05d}"]

    deadline = time.monotonic() + 10
    while left() and time.monotonic() < deadline:
        time.sleep(0.05)  # purged just after the job is marked printed
    assert left() == []
    leaks = [p.name for p in spool.rglob("*") if p.is_file() and name.encode() in p.read_bytes()]
    assert leaks == [] and phone.encode() not in b"".join(
        p.read_bytes() for p in spool.rglob("*") if p.is_file()
    )
    completed = kiosk.queue.printer._run(["lpstat", "-W", "completed", "-o", kiosk.queue_name])
    assert ref not in completed.stdout  # gone from the job history as well
