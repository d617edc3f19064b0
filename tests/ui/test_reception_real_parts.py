"""The desk's check-in on a visitor's behalf and a held visit's approval, on the real app
offscreen wired by ``build_services``, with a real SMTP server (aiosmtpd) for the host's
message and a real CUPS scheduler with a CUPS-PDF queue for the badge: the host is told and
the badge prints exactly as for a self check-in."""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from cups_fixture import CupsServer, CupsUnavailable
from notify_servers import SmtpServer

from kiosk.core.models import VisitState
from kiosk.core.visits.checkin import CheckinForm
from tests.ui.conftest import fresh_database, settings_for
from tests.ui.test_reception import _sign_in, _staff

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def cups() -> Iterator[CupsServer]:
    server = CupsServer("/tmp/lk-cups-desk")
    try:
        server.start()
    except CupsUnavailable as e:
        pytest.fail(str(e))
    yield server
    for name in list(server.queues):
        server.remove_queue(name)
    server.stop()


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def desk(kiosk, cups, smtp, tmp_path, monkeypatch):
    """The test's app on a CUPS-PDF queue, with hosts h001 and h004 reachable by mail."""
    queue = "LKDESK" + uuid.uuid4().hex[:6].upper()
    pdfs = cups.add_pdf_queue(queue, tmp_path / "pdf")
    monkeypatch.setenv("CUPS_SERVER", cups.socket)
    data = tmp_path / "desk"
    settings = settings_for(data).replace("printer", backend="cups", queue=queue)
    fresh_database(kiosk.app, data, settings)
    records = kiosk.app.services.records
    mail = {h: f"{h}.{tmp_path.name}@example.com" for h in ("h001", "h004")}
    with records.store.transaction() as tx:
        for host_id, address in mail.items():
            records.upsert_host(
                tx, replace(records.host(host_id), notify_urls=(smtp.url(address),))
            )
    yield kiosk, pdfs, mail
    cups.remove_queue(queue)


def _pdfs(folder: Path, count: int, timeout: float = 30.0) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted(folder.glob("*.pdf"))
        if len(found) >= count and all(p.stat().st_size > 0 for p in found):
            return found
        time.sleep(0.1)
    raise AssertionError(f"{len(list(folder.glob('*.pdf')))} PDFs in {folder}, wanted {count}")


def test_on_behalf_check_in_mails_the_host_and_prints_through_cups(desk, smtp):
    kiosk, pdfs, mail = desk
    app = kiosk.app
    _staff(app)
    _sign_in(kiosk)
    kiosk.tap(kiosk.current().ids.new_checkin)
    form = kiosk.current()
    form.ids.name.text = "孙丽"
    form.ids.phone.text = "13700001111"
    form.ids.company.text = "远航物流"
    kiosk.tap_text(app.t("purpose.meeting"), form.ids.purposes)
    form.ids.host_search.text = "liu yang"
    kiosk.wait_for(lambda: any("刘洋" in c.text for c in form.ids.hosts.children))
    kiosk.tap_text("刘洋", form.ids.hosts)
    kiosk.tap(form.ids.consent)
    kiosk.tap(form.ids.submit)
    kiosk.wait_for(lambda: kiosk.screen == "reception_board")
    [message] = smtp.mailbox.wait_for(mail["h004"])
    assert "孙丽" in message["Subject"] and "远航物流" in message["Subject"]
    [pdf] = _pdfs(pdfs, 1)
    assert pdf.read_bytes().startswith(b"%PDF")
    [entry] = kiosk.current().view.lists["on_site"]
    queue = app.services.print_queue
    kiosk.wait_for(lambda: queue.status_for(entry.visit_id).state == "printed", timeout=30)


def test_a_held_visit_approved_mails_the_host_and_prints_one_denied_does_neither(desk, smtp):
    kiosk, pdfs, mail = desk
    app = kiosk.app
    _staff(app)
    checkin = app.services.checkin

    def held():
        form = CheckinForm(
            name="黑名单测试", phone="13000000000", purpose="meeting", host_id="h001", consent=True
        )
        return checkin.check_in(form).visit.id

    first, second = held(), held()
    _sign_in(kiosk)
    board = kiosk.current()
    kiosk.tap(board.ids.tab_held)
    kiosk.tap(next(r for r in board.ids.rows.children if r.entry.visit_id == first))
    board.ids.reason.text = "cleared with security"
    kiosk.tap(board.ids.approve)
    assert app.services.records.visit(first).state is VisitState.CHECKED_IN
    [message] = smtp.mailbox.wait_for(mail["h001"])
    assert "黑名单测试" in message["Subject"]
    [pdf] = _pdfs(pdfs, 1)
    kiosk.tap(next(r for r in board.ids.rows.children if r.entry.visit_id == second))
    board.ids.reason.text = "not expected today"
    kiosk.tap(board.ids.deny)
    assert app.services.records.visit(second).state is VisitState.DENIED
    time.sleep(1.0)  # what a denial would have sent or printed has had time to arrive
    assert len(smtp.mailbox.to(mail["h001"])) == 1
    assert sorted(pdfs.glob("*.pdf")) == [pdf]
