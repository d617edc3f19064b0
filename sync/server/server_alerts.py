"""Alerts head office raises about a kiosk (its clock far ahead, …) for its operators.

The seam for head office's own alerts: ``raise_server_alert`` is the one call. It writes one
WARNING line to the server log (``kiosk-server`` logs to stderr) and a row in the ``alerts``
table beside the alerts folded from kiosks (``alerts.py``), so the site's alert list shows it.

Must never: put a secret, token or personal data in ``details`` (it is logged).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from .models import Alert

log = logging.getLogger("kiosk.server.alerts")


def raise_server_alert(
    session: Session,
    *,
    site_id: str,
    kiosk_id: str,
    kind: str,
    details: dict[str, Any],
    alert_id: str | None = None,
    visit_id: str | None = None,
    severity: str = "warning",
    now: datetime | None = None,
) -> None:
    """Record an alert about ``kiosk_id`` of ``site_id`` in the caller's transaction
    (``alert_id``: one the kiosks are told too, so their acknowledgement finds it; ``now``:
    the caller's clock, else the system's)."""
    shown = ", ".join(f"{k}={v}" for k, v in sorted(details.items()))
    log.warning("alert %s: site %s, kiosk %s: %s", kind, site_id, kiosk_id, shown)
    session.add(
        Alert(
            id=alert_id or uuid.uuid4().hex,
            site_id=site_id,
            kiosk_id=kiosk_id,
            kind=kind[:64],
            severity=severity,
            message_key=f"alert.{kind}"[:64],
            details={str(k)[:64]: str(v)[:500] for k, v in details.items()},
            visit_id=visit_id,
            raised_at=now or datetime.now(UTC),
            acknowledged_by="",
            ack_hlc="",
        )
    )
