"""Kiosk health at head office: the report each kiosk sends after a sync round, stored on its
``kiosks`` row, and what the dashboard's site page makes of it.

The report (``sync.protocol.KioskHealthIn``) is read with a hard size limit before it is
parsed, with strict types and bounded fields; it replaces the kiosk's previous one and counts
as a sign of life (``last_seen_at``), so an idle kiosk with nothing to push is not taken for a
silent one. A kiosk older than the report never sends one: its row keeps ``health`` empty and
the page says "no health report".

Must never: store anything of a report but its validated fields, or read a body past
``MAX_HEALTH_BYTES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.orm import Session

from ..protocol import MAX_HEALTH_BYTES, KioskHealthIn
from .limits import too_large
from .models import Kiosk

#: a kiosk clock this far from head office's is pointed out on the page
SKEW_SHOWN = timedelta(minutes=2)
#: the printer states a kiosk reports (``kiosk.core.printing.base.PrinterStatus.state``)
PRINTER_STATES = frozenset(
    ("idle", "printing", "stopped", "offline", "out_of_media", "unreachable", "unknown")
)
#: free disk under which the page marks the figure (the kiosk's own alert is at 200 MB)
LOW_DISK_MB = 500


async def read_health_body(request: Request) -> bytes:
    """The body, refused (413) as soon as it passes ``MAX_HEALTH_BYTES``."""
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_HEALTH_BYTES:
            raise too_large(f"a health report is at most {MAX_HEALTH_BYTES} bytes")
        parts.append(chunk)
    return b"".join(parts)


def record(session: Session, *, kiosk_id: str, report: KioskHealthIn, now: datetime) -> None:
    """Keep ``report`` as the kiosk's latest, received ``now``; the kiosk was seen ``now``."""
    session.execute(
        update(Kiosk)
        .where(Kiosk.id == kiosk_id)
        .values(health=report.model_dump(mode="json"), health_at=now, last_seen_at=now)
    )


@dataclass(frozen=True, slots=True)
class KioskHealthView:
    """One kiosk's line on the site page."""

    kiosk: Kiosk
    #: its last report (None: it never sent one, an older kiosk)
    report: KioskHealthIn | None
    #: whole minutes since head office last heard from it, when that is past the quiet limit
    quiet_minutes: int | None
    #: seconds the kiosk's clock was ahead (+) or behind (-) when it reported, if notable
    clock_skew_s: int | None

    @property
    def low_disk(self) -> bool:
        return self.report is not None and self.report.disk_free_mb < LOW_DISK_MB

    @property
    def printer_key(self) -> str:
        """The catalogue key of the printer's state ("" for one this head office does not
        know: a newer kiosk's; the page shows it as sent)."""
        state = self.report.printer if self.report else ""
        return f"dashboard.printer.{state}" if state in PRINTER_STATES else ""

    @property
    def uptime_hours(self) -> float:
        return round(self.report.uptime_s / 3600, 1) if self.report else 0.0


def view(kiosk: Kiosk, *, now: datetime, quiet_after: timedelta) -> KioskHealthView:
    report = _stored(kiosk.health)
    quiet = None
    active = kiosk.revoked_at is None and kiosk.enrolled_at is not None
    if active and (kiosk.last_seen_at is None or kiosk.last_seen_at < now - quiet_after):
        since = kiosk.last_seen_at or kiosk.enrolled_at
        assert since is not None
        quiet = max(0, int((now - since).total_seconds() // 60))
    skew = None
    if report is not None and report.sent_at is not None and kiosk.health_at is not None:
        delta = report.sent_at - kiosk.health_at
        if abs(delta) >= SKEW_SHOWN:
            skew = int(delta.total_seconds())
    return KioskHealthView(kiosk, report, quiet, skew)


def _stored(value: Any) -> KioskHealthIn | None:
    """The stored report (validated when it came in; JSON here, so not strict on times)."""
    if not value:
        return None
    try:
        return KioskHealthIn.model_validate(value, strict=False)
    except ValidationError:
        return None
