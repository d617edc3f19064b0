"""A ticket's whole life through the UI, the real ``kiosk-server`` and a real SMTP server
(issue 16's test): a visitor raises it on the Help screen of an enrolled kiosk, the desk
assigns it on the console, the department acknowledges and resolves it through the link in its
mail (served by kiosk-server; a second use is refused), the kiosk pulls the steps, the desk
tells the client (a mail) and records the client's confirmation; head office has it confirmed.
"""

from __future__ import annotations

import re
import sys
import uuid
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from notify_servers import SmtpServer

from kiosk.core.config.settings import load_settings
from sync.client import enroll
from sync.server.tickets import TicketRow
from tests.support.harness import HeadOffice, ServerProcess
from tests.ui.conftest import fresh_database
from tests.ui.test_reception import _sign_in, _staff

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _synced(kiosk, app, until) -> None:
    """Wake the app's own sync worker until ``until()`` holds (it pushes and pulls)."""

    def woken() -> bool:
        app.services.sync.wake()
        return bool(until())

    kiosk.wait_for(woken, timeout=30)


def _at_head_office(ho, site: str) -> list[tuple[str, str]]:
    with ho.sessions() as s:
        return [(r.number, r.status) for r in s.query(TicketRow).filter_by(site_id=site)]


def test_a_tickets_whole_life_through_the_help_screen_and_the_console(kiosk, tmp_path) -> None:
    app = kiosk.app
    smtp = SmtpServer().start()
    ho = HeadOffice(f"sqlite:///{tmp_path / 'ho.sqlite3'}")
    site = "s" + uuid.uuid4().hex[:8]
    ho.add_site(site, "示范大厦", "Demo Tower")
    server = ServerProcess(ho.database_url, log_path=tmp_path / "server.log").start()
    try:
        admin = {"Authorization": f"Bearer {ho.add_admin('alice')}"}
        with httpx.Client(base_url=f"{server.url}/api/v1", headers=admin, timeout=30) as http:
            dept = {"site_id": site, "name_zh": "物业部", "name_en": "Property", "floor": "1"}
            assert http.put(f"/departments/{site}-property", json=dept).status_code in (200, 201)
            made = http.post("/kiosks", json={"site_id": site, "name": "lobby"}).json()
        data = tmp_path / "kiosk"
        enroll(server.url, made["enrollment_code"], data_dir=data)
        relay = f"mailto://127.0.0.1:{smtp.port}?from=kiosk@example.com"
        dept_mail = smtp.url("property@example.com")
        settings = load_settings(
            environ={
                "KIOSK_KIOSK_DATA_DIR": str(data),
                "KIOSK_NOTIFY_MAIL_SERVER": relay,
                "KIOSK_NOTIFY_DEPARTMENT_URLS": f"{site}-property={dept_mail}",
                "KIOSK_TICKETS_CATEGORIES": f"cleaning:保洁:Cleaning:{site}-property",
            }
        ).replace("kiosk", fullscreen=False)
        settings = settings.replace("printer", out_dir=str(data / "badges"))
        fresh_database(app, data, settings)
        services = app.services
        _synced(kiosk, app, lambda: services.records.department(f"{site}-property"))
        kiosk.wait_for(lambda: services.site_keys.link_base() != "" and _has_key(services))

        # the visitor, on the Help screen
        app.home()
        kiosk.settle()
        kiosk.tap(app.root.ids.sm.current_screen.ids.help)
        kiosk.tap(kiosk.current().ids.report)
        form = kiosk.current()
        kiosk.tap(next(b for b in form.ids.categories.children if b.key == "cleaning"))
        kiosk.tap(form.ids.details)
        kiosk.type_slowly("toilet 2F flooded", gap=0.005)
        kiosk.tap(form.ids.contact)
        kiosk.type_slowly("liu@example.com", gap=0.005)
        kiosk.tap(form.ids.consent)
        kiosk.tap(form.ids.send)
        kiosk.wait_for(lambda: kiosk.screen == "help_ticket_done")
        number = kiosk.current().number
        app.home()
        kiosk.settle()
        [ticket] = services.tickets.tickets()
        assert ticket.number == number and ticket.status == "assigned"  # its category's

        # the department's mail and its link, served by kiosk-server
        [mail] = smtp.mailbox.wait_for("property@example.com")
        plain = mail.get_body(("plain",)).get_content()
        assert number in plain and "liu@example.com" not in plain
        [link] = set(re.findall(r"https?://[^\s：]+/api/v1/ticket/\S+", plain))
        _synced(kiosk, app, lambda: _at_head_office(ho, site) == [(number, "assigned")])
        with httpx.Client(timeout=10) as browser:
            page = browser.get(link)
            assert page.status_code == 200 and "toilet 2F flooded" in page.text
            seen = re.search(r'name=seen value="([^"]*)"', page.text).group(1)
            ack = {"seen": seen, "action": "acknowledged"}
            assert browser.post(link, data=ack).status_code == 200
            assert browser.post(link, data=ack).status_code == 409  # the link used twice
            seen = re.search(r'name=seen value="([^"]*)"', browser.get(link).text).group(1)
            done = {"seen": seen, "action": "resolved", "note": "已清理"}
            assert browser.post(link, data=done).status_code == 200
        # the department's steps reach the kiosk by pull
        _synced(kiosk, app, lambda: services.tickets.ticket(ticket.id).status == "resolved")
        # and this kiosk, where it was raised, tells the client it is resolved (not the note)
        [notice] = smtp.mailbox.wait_for("liu@example.com")
        text = notice.get_body(("plain",)).get_content()
        assert number in text and "已处理完毕" in text and "已清理" not in text

        # the desk tells the client and records the confirmation, on the console
        _staff(app)
        _sign_in(kiosk)
        kiosk.tap(kiosk.current().ids.tickets)
        listing = kiosk.current()
        kiosk.tap(listing.ids.status_all)
        kiosk.wait_for(lambda: len(listing.ids.rows.children) == 1)
        kiosk.tap(listing.ids.rows.children[0])
        detail = kiosk.current()
        kiosk.wait_for(lambda: detail.ticket is not None and detail.ticket.status == "resolved")
        kiosk.tap(detail.ids.note)
        kiosk.type_slowly("Cleaned, thank you", gap=0.005)
        kiosk.tap(detail.ids.send)
        kiosk.tap(detail.ids.tell)
        kiosk.wait_for(lambda: detail.ticket.told == "Cleaned, thank you")
        told = smtp.mailbox.wait_for("liu@example.com", count=2)[-1]
        assert "Cleaned, thank you" in told.get_body(("plain",)).get_content()
        kiosk.tap_text(detail.t("tickets.do.confirmed"), detail)
        kiosk.wait_for(lambda: detail.ticket.status == "confirmed")
        _synced(kiosk, app, lambda: _at_head_office(ho, site) == [(number, "confirmed")])
        app.reception.lock()
    finally:
        server.stop()
        smtp.stop()
        ho.close()


def _has_key(services) -> bool:
    from kiosk.core.keys.hierarchy import KeyPurpose

    services.site_keys.refresh()
    return services.site_keys.current(KeyPurpose.REPLY_LINK) is not None
