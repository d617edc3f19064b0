"""The print queue with a fake printer: one badge per visit, retries, events, restarts."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from kiosk.core.alerts import open_alerts
from kiosk.core.badges.tokens import BadgeService
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import PrinterError
from kiosk.core.config.settings import PrinterSettings, Settings
from kiosk.core.directory.demo import demo_directory, import_directory
from kiosk.core.printing.base import JobRef, JobState, PrintJob
from kiosk.core.printing.factory import make_printer
from kiosk.core.printing.fake import FakePrinter
from kiosk.core.printing.files import FilePrinter
from kiosk.core.printing.queue import CONSUMER, PrintQueue
from kiosk.core.store.database import Store
from kiosk.core.store.quarantine import quarantined
from kiosk.core.store.records import Records
from kiosk.core.visits.checkin import CheckinForm, CheckinService
from kiosk.core.workers.retry import RetryPolicy

STOPPED = PrinterError("queue stopped", key="badge.printer.stopped")


class Kiosk:
    def __init__(self, path: Path, printer, *, clock: FakeClock | None = None, **queue_args):
        self.path = path
        self.clock = clock or FakeClock()
        self.store = Store(path, clock=self.clock)
        self.records = Records(self.store)
        if not self.records.sites():
            import_directory(self.records, demo_directory())
        self.settings = Settings()
        self.badges = BadgeService(self.store, site_id="demo", clock=self.clock)
        self.checkin = CheckinService(
            records=self.records,
            settings=self.settings,
            clock=self.clock,
            badge_issuer=self.badges.issue_code,
        )
        self.printer = printer
        self.queue = PrintQueue(
            store=self.store,
            records=self.records,
            printer=printer,
            clock=self.clock,
            settings=self.settings,
            badges=self.badges,
            **queue_args,
        )

    def check_in(self, name="张伟", phone="13812345678", language="zh_CN"):
        form = CheckinForm(
            name=name,
            phone=phone,
            company="星河科技",
            purpose="meeting",
            host_id="h001",
            consent=True,
            language=language,
        )
        return self.checkin.check_in(form).visit

    def drain(self, rounds: int = 20) -> None:
        for _ in range(rounds):
            if not self.queue.run_once():
                return

    def events(self, kind: str) -> list:
        return [e for e in self.store.outbox_after("test", limit=1000) if e.kind == kind]


@pytest.fixture
def kiosk(tmp_path: Path) -> Kiosk:
    return Kiosk(tmp_path / "kiosk.sqlite3", FakePrinter())


def test_a_check_in_prints_one_badge_and_says_so(kiosk: Kiosk):
    visit = kiosk.check_in()
    assert kiosk.queue.status_for(visit.id).message_key == "badge.status.printing"
    kiosk.drain()
    assert len(kiosk.printer.printed) == 1
    job = kiosk.printer.printed[0]
    assert job.image.size == (696, 1109)
    status = kiosk.queue.status_for(visit.id)
    assert (status.state, status.message_key) == ("printed", "badge.status.printed")
    printed = kiosk.events("badge.printed")
    assert [e.entity_id for e in printed] == [visit.id]
    assert printed[0].payload["printer"] == "fake"
    assert kiosk.store.position(CONSUMER) == kiosk.events("visit.checked_in")[-1].seq


def test_badge_data_comes_from_the_records(kiosk: Kiosk):
    visit = kiosk.check_in(language="en")
    data = kiosk.queue.badge_data(visit.id, "en")
    host = kiosk.records.host("h001")
    assert data.visitor_name == "张伟" and data.company == "星河科技"
    assert data.token == visit.badge_code
    assert host is not None and data.host_name.startswith(host.name_en)
    assert data.site_name_en == "Demo Tower"
    assert data.valid_until > data.issued_at
    assert kiosk.badges.verify_badge(data.token).visit_id == visit.id


def test_a_replayed_event_prints_nothing_twice(kiosk: Kiosk):
    visit = kiosk.check_in()
    kiosk.drain()
    # the position is lost (restored backup, crash before it moved): events come again
    kiosk.store.conn.execute(
        "UPDATE outbox_positions SET position = 0 WHERE consumer = ?", (CONSUMER,)
    )
    kiosk.drain()
    assert len(kiosk.printer.printed) == 1
    assert kiosk.queue.status_for(visit.id).state == "printed"


def test_failure_is_reported_once_then_retried_with_back_off(kiosk: Kiosk):
    kiosk.printer.error = STOPPED
    visit = kiosk.check_in()
    kiosk.drain()
    status = kiosk.queue.status_for(visit.id)
    assert (status.state, status.error_key, status.retrying) == (
        "failed",
        "badge.printer.stopped",
        True,
    )
    assert status.message_key == "badge.status.at_reception"
    assert [e.payload["retrying"] for e in kiosk.events("badge.failed")] == [True]
    # not before the back-off is over: 2 s, then 4 s, then 8 s …
    kiosk.clock.advance(1.5)
    kiosk.drain()
    assert kiosk.printer.calls == 1
    kiosk.clock.advance(0.6)
    kiosk.drain()
    assert kiosk.printer.calls == 2
    kiosk.clock.advance(3.9)
    kiosk.drain()
    assert kiosk.printer.calls == 2
    kiosk.clock.advance(0.2)
    kiosk.drain()
    assert kiosk.printer.calls == 3
    assert len(kiosk.events("badge.failed")) == 1  # reported once, not on every retry
    kiosk.printer.error = None
    kiosk.clock.advance(60)
    kiosk.drain()
    assert kiosk.queue.status_for(visit.id).state == "printed"
    assert len(kiosk.printer.printed) == 1
    assert len(kiosk.events("badge.printed")) == 1


def test_gives_up_after_the_last_attempt(tmp_path: Path):
    kiosk = Kiosk(
        tmp_path / "k.sqlite3",
        FakePrinter(error=STOPPED),
        retry=RetryPolicy(base=2.0, cap=120.0, attempts=3),
    )
    visit = kiosk.check_in()
    for _ in range(10):
        kiosk.drain()
        kiosk.clock.advance(600)
    assert kiosk.printer.calls == 3
    status = kiosk.queue.status_for(visit.id)
    assert status.state == "failed" and not status.retrying and status.done
    assert [e.payload["retrying"] for e in kiosk.events("badge.failed")] == [True, False]
    # the receptionist fixes the printer and asks for a reprint
    kiosk.printer.error = None
    kiosk.queue.reprint(visit.id)
    kiosk.drain()
    assert kiosk.queue.status_for(visit.id).state == "printed"
    assert len(kiosk.printer.printed) == 1


def test_fallback_printer_takes_over(tmp_path: Path):
    fallback = FakePrinter(name="fallback")
    kiosk = Kiosk(tmp_path / "k.sqlite3", FakePrinter(error=STOPPED), fallback=fallback)
    visit = kiosk.check_in()
    kiosk.drain()
    status = kiosk.queue.status_for(visit.id)
    assert (status.state, status.printer) == ("printed", "fallback")
    assert len(fallback.printed) == 1
    assert kiosk.events("badge.printed")[0].payload["printer"] == "fallback"


def test_jobs_survive_a_restart(tmp_path: Path):
    path = tmp_path / "k.sqlite3"
    first = Kiosk(path, FakePrinter(error=STOPPED))
    visits = [first.check_in(f"访客{i}", f"1381234567{i}") for i in range(3)]
    first.drain()
    first.store.close()
    # a new process, the printer repaired
    clock = FakeClock(first.clock.now())
    second = Kiosk(path, FakePrinter(), clock=clock)
    clock.advance(300)
    second.drain()
    assert sorted(j.job_id.split("-")[0] for j in second.printer.printed) == sorted(
        v.id for v in visits
    )
    assert all(second.queue.status_for(v.id).state == "printed" for v in visits)


def test_a_job_caught_mid_hand_over_is_not_resent(tmp_path: Path):
    path = tmp_path / "k.sqlite3"
    first = Kiosk(path, FakePrinter())
    visit = first.check_in()
    first.queue.intake.run_once()
    # the kiosk died after marking the job "printing" and before the printer answered
    first.store.conn.execute("UPDATE print_jobs SET state='printing', attempts=1")
    first.store.close()
    second = Kiosk(path, FakePrinter(), clock=FakeClock(first.clock.now()))
    second.drain()
    assert second.printer.printed == []
    status = second.queue.status_for(visit.id)
    assert (status.state, status.error_key, status.retrying) == (
        "failed",
        "badge.printer.interrupted",
        False,
    )
    assert second.events("badge.failed")[-1].payload["error_key"] == "badge.printer.interrupted"


def test_reprint_is_idempotent_while_a_copy_is_on_its_way(kiosk: Kiosk):
    visit = kiosk.check_in()
    kiosk.drain()
    kiosk.queue.reprint(visit.id)
    kiosk.queue.reprint(visit.id)
    kiosk.drain()
    assert len(kiosk.printer.printed) == 2
    assert kiosk.queue.status_for(visit.id).copy == 1
    kiosk.queue.reprint(visit.id)
    kiosk.drain()
    assert len(kiosk.printer.printed) == 3


def test_status_of_unknown_visit_sends_to_reception(kiosk: Kiosk):
    status = kiosk.queue.status_for("nope")
    assert (status.state, status.message_key) == ("none", "badge.status.at_reception")


def test_a_job_stuck_at_the_printer_is_reported_then_completes(tmp_path: Path):
    printer = FakePrinter(completes=JobState.PENDING)
    kiosk = Kiosk(tmp_path / "k.sqlite3", printer, stuck_after=30)
    visit = kiosk.check_in()
    kiosk.drain()
    assert kiosk.queue.status_for(visit.id).message_key == "badge.status.printing"
    kiosk.clock.advance(31)
    kiosk.drain()
    status = kiosk.queue.status_for(visit.id)
    assert (status.state, status.message_key) == ("printing", "badge.status.at_reception")
    assert len(kiosk.events("badge.failed")) == 1
    printer.completes = JobState.COMPLETED
    kiosk.drain()
    assert kiosk.queue.status_for(visit.id).state == "printed"
    assert len(printer.printed) == 1


def test_a_job_the_printer_lost_is_not_resent(tmp_path: Path):
    printer = FakePrinter(completes=JobState.UNKNOWN)
    kiosk = Kiosk(tmp_path / "k.sqlite3", printer)
    visit = kiosk.check_in()
    kiosk.drain()
    kiosk.clock.advance(3600)
    kiosk.drain()
    assert len(printer.printed) == 1
    assert kiosk.queue.status_for(visit.id).error_key == "badge.printer.interrupted"


class BlockingPrinter(FakePrinter):
    """A printer that hangs until released (a printer dropping off the network)."""

    def __init__(self) -> None:
        super().__init__(name="blocking")
        self.release = threading.Event()
        self.entered = threading.Event()

    def print(self, job: PrintJob) -> JobRef:
        self.entered.set()
        self.release.wait(10)
        return super().print(job)


def test_worker_wakes_on_check_in_and_never_blocks_it(tmp_path: Path):
    printer = BlockingPrinter()
    kiosk = Kiosk(tmp_path / "k.sqlite3", printer, poll_interval=5.0)
    seen: list[str] = []
    kiosk.queue.subscribe(lambda status: seen.append(status.state))
    kiosk.queue.start()
    try:
        visit = kiosk.check_in()
        # woken by the commit, not by the 5 s poll
        assert printer.entered.wait(3), "the worker did not wake on the new event"
        # the printer hangs; another visitor checks in all the same
        other = kiosk.check_in("李娜", "13900000000")
        assert kiosk.queue.status_for(visit.id).state == "printing"
        assert kiosk.queue.status_for(other.id).message_key == "badge.status.printing"
        printer.release.set()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if all(kiosk.queue.status_for(v.id).state == "printed" for v in (visit, other)):
                break
            time.sleep(0.02)
        assert kiosk.queue.status_for(other.id).state == "printed"
    finally:
        kiosk.queue.stop()
    assert "printing" in seen and "printed" in seen


def test_file_printer_writes_pdf_and_png(tmp_path: Path):
    kiosk = Kiosk(tmp_path / "k.sqlite3", FilePrinter(tmp_path / "out"))
    visit = kiosk.check_in()
    kiosk.drain()
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [f"{visit.id}-0.pdf", f"{visit.id}-0.png"]


def test_make_printer_from_settings(tmp_path: Path):
    from kiosk.core.config.errors import ConfigError
    from kiosk.core.printing.brother import BrotherQLPrinter
    from kiosk.core.printing.cups import CupsPrinter
    from kiosk.core.printing.escpos import EscposPrinter

    assert isinstance(make_printer(PrinterSettings(out_dir=str(tmp_path))), FilePrinter)
    assert isinstance(make_printer(PrinterSettings(backend="cups", queue="Q")), CupsPrinter)
    escpos = make_printer(PrinterSettings(backend="escpos", address="10.0.0.5:9100"))
    assert isinstance(escpos, EscposPrinter) and escpos.port == 9100
    ql = make_printer(PrinterSettings(backend="brother_ql", address="10.0.0.6"))
    assert isinstance(ql, BrotherQLPrinter) and ql.port == 9100
    with pytest.raises(ConfigError):
        make_printer(PrinterSettings(backend="laser"))


class ScriptedCups:
    """Stands in for the lpstat/lp processes: answers with recorded CUPS output."""

    def __init__(self, stdout: str, returncode: int = 0, stderr: str = "") -> None:
        self.stdout, self.returncode, self.stderr = stdout, returncode, stderr
        self.calls: list[list[str]] = []

    def __call__(self, args: list[str]):
        import subprocess

        self.calls.append(args)
        return subprocess.CompletedProcess(args, self.returncode, self.stdout, self.stderr)


LPSTAT_IDLE = """scheduler is running
printer badges is idle.  enabled since Thu Nov 26 09:00:00 2026
\tForm mounted:
\tContent types: any
\tAlerts: {alerts}
\tDescription: Lobby label printer
badges accepting requests since Thu Nov 26 09:00:00 2026
"""


@pytest.mark.parametrize(
    ("alerts", "state", "key"),
    [
        ("none", "idle", ""),
        ("media-empty-error", "out_of_media", "badge.printer.out_of_media"),
        ("media-needed-warning", "out_of_media", "badge.printer.out_of_media"),
        ("offline-report", "offline", "badge.printer.offline"),
        ("connecting-to-device", "offline", "badge.printer.offline"),
    ],
)
def test_cups_printer_state_reasons(monkeypatch, alerts, state, key):
    from kiosk.core.printing.cups import CupsPrinter

    printer = CupsPrinter("badges")
    monkeypatch.setattr(printer, "_run", ScriptedCups(LPSTAT_IDLE.format(alerts=alerts)))
    status = printer.status()
    assert (status.state, status.message_key, status.ready) == (state, key, state == "idle")


def test_cups_printer_refuses_to_spool_into_a_troubled_queue(monkeypatch, tmp_path: Path):
    from PIL import Image

    from kiosk.core.badges.template import load_template
    from kiosk.core.printing.cups import CupsPrinter

    printer = CupsPrinter("badges")
    scripted = ScriptedCups(LPSTAT_IDLE.format(alerts="media-empty-error"))
    monkeypatch.setattr(printer, "_run", scripted)
    job = PrintJob(
        "v-0", "badge", Image.new("RGB", (696, 1109), "white"), load_template("label_62x100")
    )
    with pytest.raises(PrinterError) as info:
        printer.print(job)
    assert info.value.message_key == "badge.printer.out_of_media"
    assert all(call[0] == "lpstat" for call in scripted.calls), "nothing may reach lp"


class BrokenPrinter(FakePrinter):
    def print(self, job: PrintJob) -> JobRef:
        self.calls += 1
        raise RuntimeError("driver bug")


def test_a_backend_bug_fails_the_job_instead_of_leaving_it_printing(tmp_path: Path):
    printer = BrokenPrinter()
    kiosk = Kiosk(tmp_path / "k.sqlite3", printer)
    visit = kiosk.check_in()
    kiosk.drain()
    kiosk.clock.advance(3600)
    kiosk.drain()
    status = kiosk.queue.status_for(visit.id)
    assert (status.state, status.retrying, status.error_key) == (
        "failed",
        False,
        "badge.printer.interrupted",
    )
    assert printer.calls == 1


def test_a_badge_that_cannot_be_drawn_fails_cleanly(kiosk: Kiosk, monkeypatch):
    import kiosk.core.printing.badge_content as pq

    def boom(*args, **kwargs):
        raise OSError("font file vanished")

    monkeypatch.setattr(pq, "render_badge", boom)
    visit = kiosk.check_in()
    kiosk.drain()
    status = kiosk.queue.status_for(visit.id)
    assert (status.state, status.error_key) == ("failed", "badge.printer.error")
    assert kiosk.printer.calls == 0


def test_escpos_on_a_usb_device_path(tmp_path: Path):
    from PIL import Image

    from kiosk.core.badges.template import load_template
    from kiosk.core.printing.escpos import EscposPrinter

    device = tmp_path / "lp0"
    device.touch()
    printer = EscposPrinter(str(device))
    assert printer.status().ready and printer.name == f"escpos:{device}"
    template = load_template("receipt_80")
    printer.print(PrintJob("v-0", "badge", Image.new("L", (576, 40), 255), template))
    data = device.read_bytes()
    assert data.startswith(b"\x1b@")  # initialise
    assert data[2:5] == b"\x1dv0" and data[6:8] == bytes([72, 0])  # GS v 0, 72 bytes wide
    missing = EscposPrinter(str(tmp_path / "nowhere" / "lp0"))
    assert missing.status().state == "offline"
    with pytest.raises(PrinterError):
        missing.print(PrintJob("v-1", "badge", Image.new("L", (576, 40), 255), template))


def test_a_poison_event_is_quarantined_and_the_queue_flows_on(kiosk: Kiosk):
    with kiosk.store.transaction() as tx:  # a check-in written by a broken older version
        tx.execute(
            "INSERT INTO outbox (uuid, kind, entity_id, occurred_at, payload) "
            "VALUES ('poison-1', 'visit.checked_in', 'v-bad', ?, '{\"visit\": 7}')",
            (kiosk.clock.now().isoformat(),),
        )
    visit = kiosk.check_in()
    kiosk.drain()
    assert [j.job_id.split("-")[0] for j in kiosk.printer.printed] == [visit.id]
    [kept] = quarantined(kiosk.store, CONSUMER)
    assert (kept.uuid, kept.kind) == ("poison-1", "visit.checked_in") and "visit" in kept.reason
    [alert] = open_alerts(kiosk.store)
    assert alert.kind == "outbox.quarantined" and alert.details["consumer"] == CONSUMER
    assert kiosk.store.query("SELECT * FROM print_jobs WHERE visit_id = 'v-bad'") == []
    assert kiosk.store.position(CONSUMER) == kiosk.events("visit.checked_in")[-1].seq
