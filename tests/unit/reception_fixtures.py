"""A kiosk built by the app's own wiring (``build_services``) with fakes at its edges."""

from __future__ import annotations

from pathlib import Path

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.settings import load_settings
from kiosk.core.notify.channels import FakeNotifier
from kiosk.core.printing.fake import FakePrinter
from kiosk.core.visits.checkin import CheckinForm
from kiosk.services import Services, build_services

ADMIN_PIN = "482916"
DESK_PIN = "735102"


#: hosts with an e-mail address in the directory are told through this relay
MAIL = "mailto://relay.example.com?from=kiosk@example.com"


def kiosk(tmp_path: Path, clock: FakeClock | None = None) -> Services:
    settings = load_settings(
        environ={"KIOSK_KIOSK_DATA_DIR": str(tmp_path), "KIOSK_NOTIFY_MAIL_SERVER": MAIL}
    )
    return build_services(
        settings,
        demo=True,
        clock=clock or FakeClock(),
        start_workers=False,
        printer=FakePrinter(),
        notifier=FakeNotifier(),
    )


def form(name: str = "张伟", phone: str = "13812345678", host: str = "h001") -> CheckinForm:
    return CheckinForm(
        name=name,
        phone=phone,
        company="星河科技",
        purpose="meeting",
        host_id=host,
        consent=True,
        language="zh_CN",
    )


def outbox_kinds(services: Services, entity_id: str) -> list[str]:
    rows = services.store.query(
        "SELECT kind FROM outbox WHERE entity_id = ? ORDER BY seq", (entity_id,)
    )
    return [r["kind"] for r in rows]
