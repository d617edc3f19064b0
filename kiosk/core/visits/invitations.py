"""What the invitation screen shows for a code: read once, off the UI thread.

Pure reads through ``CheckinService.find_invitation`` and the records; never writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.config.errors import KioskError
from kiosk.core.store.records import Records
from kiosk.core.visits.checkin import CheckinService, mask_name


@dataclass(frozen=True, slots=True)
class InvitationView:
    """What the invitation screen shows for a code: the masked guest and their host, or why
    the code cannot be used (``error_key``)."""

    code: str
    guest: str = ""
    host_zh: str = ""
    host_en: str = ""
    floor: str = ""
    room: str = ""
    error_key: str = ""


def look_up_invitation(checkin: CheckinService, records: Records, code: str) -> InvitationView:
    """Read the invitation behind ``code`` (run it on the command runner)."""
    code = code.strip().upper()
    try:
        inv = checkin.find_invitation(code)
    except KioskError as e:
        return InvitationView(code, error_key=e.message_key)
    host = records.host(inv.host_id) if inv.host_id else None
    if host is None:
        return InvitationView(code, guest=mask_name(inv.visitor_name))
    return InvitationView(
        code,
        guest=mask_name(inv.visitor_name),
        host_zh=host.name("zh_CN"),
        host_en=host.name("en"),
        floor=host.floor,
        room=host.room,
    )
