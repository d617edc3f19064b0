"""An invitation from the dashboard to a guest's mailbox and through a kiosk's scanner (issue 19):
an admin invites a guest on the dashboard's invitations page of a real ``kiosk-server``
(``$KIOSK_SERVER_MAIL_URL`` set: the app's own mailer); the guest's mail arrives at a real SMTP
server (aiosmtpd) in the language chosen for them; a real decoder (zbarimg) reads the QR image
inline in it; a real kiosk app enrolled at the site (offscreen, the app's own wiring) pulls the
invitation, the QR's text goes in through the scanner and one tap checks the guest in; the
dashboard then lists the invitation as used and its mail as sent.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from notify_servers import SmtpServer

from kiosk.core.config.settings import load_settings
from sync.client import enroll
from tests.support.dashboard_env import DashboardEnv, page_csrf
from tests.support.mail_qr import qr_of
from tests.ui.conftest import fresh_database

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_an_invitation_mailed_from_the_dashboard_checks_the_guest_in_by_its_qr(
    kiosk, tmp_path, monkeypatch
) -> None:
    app = kiosk.app
    smtp = SmtpServer().start()
    monkeypatch.setenv(
        "KIOSK_SERVER_MAIL_URL", f"mailto://127.0.0.1:{smtp.port}?from=office@example.com"
    )
    env = DashboardEnv(tmp_path / "ho")
    try:
        data = tmp_path / "kiosk"
        enroll(env.url, env.ho.add_kiosk("north"), data_dir=data)
        settings = load_settings(environ={"KIOSK_KIOSK_DATA_DIR": str(data)})
        settings = settings.replace("kiosk", fullscreen=False)
        fresh_database(app, data, settings.replace("printer", out_dir=str(data / "badges")))
        services = app.services

        admin = env.login("admin")
        page = admin.get("/dashboard/invitations?site=north").text
        assert "no mail server" not in page and 'name="email"' in page
        made = admin.post(
            "/dashboard/invitations",
            data={
                "csrf": page_csrf(admin, "/dashboard/invitations"),
                "site_id": "north",
                "visitor_name": "Lily Brown",
                "company": "Acme",
                "email": "lily@example.com",
                "language": "en",
            },
        )
        assert made.status_code == 200, made.text
        code = re.search(r'id="invitation-code">([A-Z0-9]{8})<', made.text).group(1)

        [mail] = smtp.mailbox.wait_for("lily@example.com")
        assert mail["Subject"] == "Your invitation to North Tower"
        assert "Dear Lily Brown," in mail.get_body(("plain",)).get_content()
        [scanned] = qr_of(mail, tmp_path)
        assert scanned == code

        def pulled() -> bool:
            services.sync.wake()
            return services.records.invitation_by_code(code) is not None

        kiosk.wait_for(pulled, timeout=30)
        app.home()
        kiosk.settle()
        kiosk.scan(scanned)
        assert kiosk.screen == "invitation"
        kiosk.tap(kiosk.current().ids.confirm)
        assert kiosk.screen == "done"

        def used() -> bool:
            services.sync.wake()
            listed = admin.get("/dashboard/invitations?site=north&state=used").text
            return code in listed

        kiosk.wait_for(used, timeout=30)
        listed = admin.get("/dashboard/invitations?site=north&state=used").text
        assert 'data-mail="sent"' in listed
        app.home()
    finally:
        env.close()
        smtp.stop()
