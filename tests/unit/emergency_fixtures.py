"""Kiosks of one site built by the app's own wiring, with emergency mode and a peer key."""

from __future__ import annotations

import socket
from pathlib import Path

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.settings import load_settings
from kiosk.core.notify.channels import FakeNotifier
from kiosk.core.printing.fake import FakePrinter
from kiosk.core.visits.checkin import CheckinForm
from kiosk.services import Services, build_services

PEER_KEY = "1:" + "5a" * 32
OTHER_SITE_KEY = "1:" + "a5" * 32


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def kiosk(
    folder: Path,
    kiosk_id: str = "kiosk-1",
    *,
    clock: FakeClock | None = None,
    key: str = PEER_KEY,
    listen: str = "",
    peers: str = "",
    discovery: bool = False,
    start_workers: bool = False,
    environ: dict[str, str] | None = None,
) -> Services:
    environ = {
        "KIOSK_KIOSK_DATA_DIR": str(folder),
        "KIOSK_KIOSK_ID": kiosk_id,
        "KIOSK_EMERGENCY_PEER_KEY": key,
        "KIOSK_EMERGENCY_LISTEN": listen,
        "KIOSK_EMERGENCY_PEERS": peers,
        "KIOSK_EMERGENCY_DISCOVERY": "true" if discovery else "false",
        "KIOSK_EMERGENCY_INTERVAL": "0.2",
        "KIOSK_EMERGENCY_IDLE_INTERVAL": "0.5",
        **(environ or {}),
    }
    return build_services(
        load_settings(environ=environ),
        demo=True,
        clock=clock or FakeClock(),
        start_workers=start_workers,
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
