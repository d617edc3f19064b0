"""Raw TCP printers against a real socket receiver on loopback.

The receiver plays a JetDirect printer (port 9100 style): it accepts connections and keeps
every byte. The ESC/POS stream is parsed command by command, so anything malformed or of the
wrong width fails the test. A closed port plays a printer that refuses connections.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.core.badges.render import render_badge
from kiosk.core.badges.template import BadgeData, load_template
from kiosk.core.badges.tokens import BadgeService
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.settings import Settings
from kiosk.core.directory.demo import demo_directory, import_directory
from kiosk.core.printing.base import PrintJob
from kiosk.core.printing.brother import BrotherQLPrinter
from kiosk.core.printing.escpos import EscposPrinter
from kiosk.core.printing.queue import PrintQueue
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from kiosk.core.visits.checkin import CheckinForm, CheckinService

pytestmark = pytest.mark.integration

ESC, GS = 0x1B, 0x1D


class Receiver:
    """A TCP server on 127.0.0.1 that records what each connection sends."""

    def __init__(self, port: int = 0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.streams: list[bytes] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(10)
                chunks = []
                while True:
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        break
                    if not data:
                        break
                    chunks.append(data)
            with self._lock:
                self.streams.append(b"".join(chunks))

    def wait(self, count: int, timeout: float = 10.0) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.streams) >= count:
                    return list(self.streams)
            time.sleep(0.02)
        with self._lock:
            return list(self.streams)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.sock.close()
        self._thread.join(2)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def free_port() -> int:
    """A loopback port with nobody listening: connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_escpos(stream: bytes, commands: list[str] | None = None) -> list[tuple[int, int]]:
    """The (width in bytes, rows) of each GS v 0 image; fails on anything unexpected."""
    images = []
    seen = commands if commands is not None else []
    i = 0
    while i < len(stream):
        b = stream[i]
        seen.append(stream[i : i + 2].hex())
        if stream[i : i + 2] == bytes([ESC, ord("@")]):  # initialise
            i += 2
        elif stream[i : i + 2] == bytes([ESC, ord("d")]):  # print and feed n lines
            i += 3
        elif stream[i : i + 3] == bytes([GS, ord("v"), ord("0")]):  # raster bit image
            mode = stream[i + 3]
            assert mode in (0, 1, 2, 3, 48, 49, 50, 51), f"bad raster mode {mode}"
            x = stream[i + 4] | stream[i + 5] << 8
            y = stream[i + 6] | stream[i + 7] << 8
            assert x > 0 and y > 0
            end = i + 8 + x * y
            assert end <= len(stream), "raster data shorter than announced"
            images.append((x, y))
            i = end
        elif stream[i : i + 2] == bytes([GS, ord("V")]):  # cut: GS V m [n]
            m = stream[i + 2]
            i += 3 if m in (0, 1, 48, 49) else 4
        elif stream[i : i + 2] == bytes([ESC, ord("a")]):  # justification
            i += 3
        elif b == 0x0A:  # line feed
            i += 1
        else:
            raise AssertionError(f"unexpected byte {b:#04x} at {i}: {stream[i : i + 8]!r}")
    return images


def make_kiosk(tmp_path: Path, printer) -> tuple[CheckinService, PrintQueue, FakeClock, Store]:
    clock = FakeClock()
    store = Store(tmp_path / "kiosk.sqlite3", clock=clock)
    records = Records(store)
    import_directory(records, demo_directory())
    settings = Settings().replace("printer", template="receipt_80")
    badges = BadgeService(store, site_id=settings.site.id, clock=clock)
    checkin = CheckinService(
        records=records, settings=settings, clock=clock, badge_issuer=badges.issue_code
    )
    queue = PrintQueue(
        store=store,
        records=records,
        printer=printer,
        clock=clock,
        settings=settings,
        badges=badges,
        poll_interval=0.05,
    )
    return checkin, queue, clock, store


def check_in(checkin: CheckinService, name: str, phone: str):
    form = CheckinForm(name=name, phone=phone, purpose="delivery", host_id="h002", consent=True)
    return checkin.check_in(form).visit


def wait_state(queue: PrintQueue, visit_id: str, state: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = queue.status_for(visit_id)
        if status.state == state:
            return status
        time.sleep(0.02)
    raise AssertionError(f"{visit_id}: {queue.status_for(visit_id)}")


def test_escpos_badge_is_a_well_formed_raster_576_dots_wide(receiver: Receiver, tmp_path: Path):
    printer = EscposPrinter(f"127.0.0.1:{receiver.port}", width_px=576)
    checkin, queue, _clock, store = make_kiosk(tmp_path, printer)
    queue.start()
    try:
        visit = check_in(checkin, "李娜 Li Na", "13900000001")
        assert wait_state(queue, visit.id, "printed").message_key == "badge.status.printed"
    finally:
        queue.stop()
        store.close()
    streams = receiver.wait(1)
    assert len(streams) == 1
    stream = streams[0]
    assert stream.startswith(bytes([ESC, ord("@")]))
    commands: list[str] = []
    images = parse_escpos(stream, commands)
    assert images, "no GS v 0 image in the stream"
    assert commands[-1] == "1d56", f"the stream should end with a cut, not {commands[-1]}"
    assert {x for x, _ in images} == {576 // 8}
    rows = sum(y for _, y in images)
    assert 500 < rows < 2000, rows  # the whole receipt badge, not a sliver


def test_refused_connection_is_reported_and_drained_once(tmp_path: Path):
    port = free_port()
    printer = EscposPrinter(f"127.0.0.1:{port}", width_px=576, timeout=2)
    checkin, queue, clock, store = make_kiosk(tmp_path, printer)
    queue.start()
    receiver = None
    try:
        visits = [check_in(checkin, f"Guest {i}", f"1390000001{i}") for i in range(2)]
        for v in visits:
            status = wait_state(queue, v.id, "failed")
            assert status.error_key == "badge.printer.unreachable"
            assert status.message_key == "badge.status.at_reception"
            assert status.retrying
        failed = [e for e in store.outbox_after("t", limit=100) if e.kind == "badge.failed"]
        assert sorted(e.entity_id for e in failed) == sorted(v.id for v in visits)

        receiver = Receiver(port)  # the printer is back
        clock.advance(300)
        queue.wake()
        for v in visits:
            wait_state(queue, v.id, "printed")
        assert len(receiver.wait(2)) == 2
        clock.advance(3600)
        queue.wake()
        time.sleep(0.5)
        assert len(receiver.streams) == 2
        for stream in receiver.streams:
            assert {x for x, _ in parse_escpos(stream)} == {72}
    finally:
        queue.stop()
        store.close()
        if receiver is not None:
            receiver.close()


def test_brother_ql_raster_reaches_the_printer(receiver: Receiver):
    template = load_template("label_62x100")
    now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    badge = BadgeData(
        site_name_zh="示范大厦",
        site_name_en="Demo Tower",
        visitor_name="王芳",
        token="A" * 64,
        issued_at=now,
        valid_until=now + timedelta(hours=8),
    )
    job = PrintJob("job-1", "badge", render_badge(badge, template), template)
    printer = BrotherQLPrinter(f"127.0.0.1:{receiver.port}", model="QL-820NWB")
    printer.print(job)
    stream = receiver.wait(1)[0]
    # raster mode (ESC i a 1), invalidate (NULs), initialise (ESC @), raster lines ('g'),
    # and print with feed (0x1A)
    assert stream.startswith(b"\x1bia\x01")
    assert b"\x00" * 200 in stream[:300]
    assert b"\x1b@" in stream[:420]
    assert stream.count(b"g\x00") >= 1000  # one raster command per printed line (1109)
    assert stream.endswith(b"\x1a")
