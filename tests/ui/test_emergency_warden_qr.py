"""The emergency console on the real app offscreen shows the warden link as a QR code; a mark
posted from a phone through that link shows on the console's roll call; "send names to
security" raises the alert that carries the names to the channels."""

from __future__ import annotations

import subprocess

import httpx
import pytest

from tests.ui.conftest import fresh_database, settings_for
from tests.ui.test_emergency_screens import GUEST
from tests.ui.test_reception import PIN, _sign_in
from tests.unit.emergency_fixtures import PEER_KEY, free_port


@pytest.mark.slow
def test_the_console_shows_the_warden_qr_code_and_a_phones_mark(kiosk, tmp_path):
    app = kiosk.app
    data = tmp_path / "warden"
    settings = settings_for(data).replace(
        "emergency", warden_listen=f"127.0.0.1:{free_port()}", peer_key=PEER_KEY
    )
    fresh_database(app, data, settings)
    staff = app.services.reception.staff.add("Li Jing", "supervisor", PIN)
    visit = app.services.checkin.check_in(GUEST).visit
    _sign_in(kiosk)
    app.go("emergency_rollcall")
    kiosk.settle()
    console = kiosk.current()
    assert console.warden_link == ""  # nothing under way: no link
    kiosk.tap(console.ids.start)
    kiosk.wait_for(lambda: console.active and console.warden_link)
    qr = console.ids.warden_qr
    kiosk.wait_for(lambda: qr.image is not None)
    assert qr.width > 100 and qr.opacity == 1
    png = tmp_path / "qr.png"
    qr.image.resize((qr.image.width * 8, qr.image.height * 8)).save(png)
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True, check=False
    )
    assert decoded.stdout.strip() == console.warden_link

    response = httpx.post(
        console.warden_link,
        content=f"person_id={visit.id}&status=missing",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=5,
    )
    assert response.status_code == 200, response.text

    def marked() -> bool:
        rows = [r for r in console.ids.lines.children if r.person_id == visit.id]
        return bool(rows) and rows[0].status == "missing"

    kiosk.wait_for(marked)
    mark = app.services.emergency.mode.current().marks[visit.id]
    assert mark.by == f"phone:{staff.id}"

    # "send names to security": an alert with the names still to find for the channels
    def sent() -> list:
        return app.services.store.query(
            "SELECT open_field(details, 'alerts', 'details') FROM alerts"
            " WHERE kind = 'emergency_rollcall'"
        )

    kiosk.tap(console.ids.send_names)
    kiosk.wait_for(lambda: bool(sent()))
    assert '"unaccounted": "2"' in sent()[0][0]  # the visitor marked missing and Li Jing
