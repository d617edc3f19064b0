"""The roll call printed through real CUPS-PDF queues: the first queue out of paper (stopped),
the next one takes it; every name is in the PDF (pdftotext); A4 and the 62 mm roll."""

from __future__ import annotations

import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from kiosk.core.alerts import open_alerts
from kiosk.core.config.clock import FakeClock
from tests.integration.cups_fixture import CupsServer, CupsUnavailable
from tests.unit.emergency_fixtures import form, kiosk

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NAMES = ["王芳", "李娜", "张伟", "Olivia Smith", "欧阳娜娜", "Jean-Luc Picard", "陈晨", "刘洋"]


@pytest.fixture(scope="module")
def cups() -> Iterator[CupsServer]:
    server = CupsServer("/tmp/lk-cups-em")
    try:
        server.start()
    except CupsUnavailable as e:
        pytest.fail(str(e))
    yield server
    for name in list(server.queues):
        server.remove_queue(name)
    server.stop()


def _text_when_written(pdf, timeout: float = 20.0) -> str:
    """pdftotext of a PDF CUPS-PDF may still be writing (it fails until the file is whole)."""
    deadline = time.monotonic() + timeout
    while True:
        done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True)
        if done.returncode == 0 or time.monotonic() > deadline:
            assert done.returncode == 0, done.stderr
            return done.stdout
        time.sleep(0.1)


def _page_mm(pdf) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout)
    assert size, info.stdout
    width, height = (float(x) / 72 * 25.4 for x in size.groups())
    return width, height


def test_the_roll_call_falls_back_to_the_next_queue_and_names_everyone(
    cups, tmp_path, monkeypatch
) -> None:
    jammed, spare = (f"LKEM{uuid.uuid4().hex[:6].upper()}{n}" for n in "AB")
    cups.add_pdf_queue(jammed, tmp_path / "jammed", media="A4")
    cups.add_pdf_queue(spare, tmp_path / "spare", media="A4")
    cups.disable(jammed)  # out of paper: CUPS stopped the queue
    monkeypatch.setenv("CUPS_SERVER", cups.socket)
    services = kiosk(
        tmp_path / "k",
        clock=FakeClock(datetime(2026, 12, 1, 9, tzinfo=UTC)),
        environ={"KIOSK_EMERGENCY_ROLLCALL_PRINTERS": f"cups:{jammed}+ps,cups:{spare}+ps"},
    )
    try:
        for i, name in enumerate(NAMES):
            services.checkin.check_in(form(name=name, phone=f"1381234{i:04d}"))
        services.emergency.mode.start(by="st-s", role="supervisor", emergency="fire", drill=True)
        outcome = services.emergency.print_roll_call()
        assert outcome.ok and outcome.printer == f"cups:{spare}@a4+ps"
        (pdf,) = cups.wait_for_pdfs(spare, 1, timeout=30)
        assert cups.pdfs(jammed) == []
        text = _text_when_written(pdf)
        missing = [n for n in NAMES if n not in text]
        assert not missing, f"names not in the printed roll call: {missing}"
        width, height = _page_mm(pdf)
        assert abs(width - 210) < 1 and abs(height - 297) < 1, (width, height)
        (alert,) = [a for a in open_alerts(services.store) if a.kind.startswith("emergency.")]
        assert alert.details["printer"] == f"cups:{jammed}@a4+ps"
        printed = services.emergency.mode.current().prints()
        assert [(p.printer, p.ok, p.people) for p in printed] == [
            (f"cups:{spare}@a4+ps", True, len(NAMES))
        ]
    finally:
        services.stop()


def test_the_roll_call_on_the_62mm_roll(tmp_path) -> None:
    services = kiosk(tmp_path / "k")
    try:
        for i, name in enumerate(NAMES):
            services.checkin.check_in(form(name=name, phone=f"1391234{i:04d}"))
        services.emergency.mode.start(by="st-s", role="supervisor", emergency="earthquake")
        outcome = services.emergency.print_roll_call()  # "badge": the file printer's roll
        assert outcome.ok and outcome.path.endswith("roll62.pdf")
        width, _height = _page_mm(outcome.path)
        assert abs(width - 62) < 0.5
        text = subprocess.run(
            ["pdftotext", outcome.path, "-"], capture_output=True, text=True, check=True
        ).stdout
        assert all(n in text for n in NAMES)
    finally:
        services.stop()
