"""The settings screen's printer choice and test print through a real CUPS-PDF queue: the admin
picks the queue CUPS offers, saves (the print queue changes printer at once), prints a test
badge, and a 62×100 mm PDF comes out whose QR code says it is a test print."""

from __future__ import annotations

import re
import subprocess
import tomllib
import uuid
from collections.abc import Iterator

import pytest

from kiosk.core.printing.test_badge import TEST_CODE
from tests.integration.cups_fixture import CupsServer, CupsUnavailable
from tests.ui.test_console_admin import _open_settings, _tap_listed

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def cups() -> Iterator[CupsServer]:
    server = CupsServer("/tmp/lk-cups-ui")
    try:
        server.start()
    except CupsUnavailable as e:
        pytest.fail(str(e))
    yield server
    for name in list(server.queues):
        server.remove_queue(name)
    server.stop()


def test_choose_a_cups_queue_and_print_a_test_badge(kiosk, cups, tmp_path, monkeypatch):
    name = "LK" + uuid.uuid4().hex[:8].upper()
    pdf_dir = cups.add_pdf_queue(name, tmp_path / "pdf")
    monkeypatch.setenv("CUPS_SERVER", cups.socket)
    config = tmp_path / "kiosk.toml"
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    app = kiosk.app
    screen = _open_settings(kiosk)
    kiosk.wait_for(lambda: name in screen.queues, timeout=10)
    _tap_listed(kiosk, screen.ids.backend_cups)
    button = next(b for b in screen.ids.queues.children if b.text == name)
    _tap_listed(kiosk, button)
    kiosk.tap(screen.ids.save)
    assert screen.ids.saved.text == app.t("console.saved")
    assert tomllib.loads(config.read_text())["printer"] == {"backend": "cups", "queue": name}
    assert app.services.print_queue.printer.name == f"cups:{name}"  # in effect at once
    _tap_listed(kiosk, screen.ids.test_print)
    kiosk.wait_for(lambda: screen.print_key == "console.test_print_done", timeout=30)
    (pdf,) = cups.wait_for_pdfs(name, 1)
    assert pdf.parent == pdf_dir
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert re.search(r"Pages:\s+1\n", info.stdout), info.stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout)
    assert size, info.stdout
    width, height = (float(x) / 72 * 25.4 for x in size.groups())
    assert abs(width - 62) < 0.5 and abs(height - 100) < 0.5, (width, height)
    prefix = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "300", "-png", str(pdf), str(prefix)], check=True)
    (page,) = sorted(tmp_path.glob("page*.png"))
    scan = subprocess.run(
        ["zbarimg", "--raw", "-q", str(page)], capture_output=True, text=True, check=False
    )
    assert scan.stdout.split() == [TEST_CODE]
