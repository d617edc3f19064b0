"""Alerts head office raises about a kiosk (its clock far ahead, …) for its operators.

The seam for head office's own alerts: ``raise_server_alert`` is the one call. Today it writes
one WARNING line to the server log (``kiosk-server`` logs to stderr); when the ``alerts``
table lands (alerts folded from kiosks), this function also writes the row there, and callers
do not change.

Must never: put a secret, token or personal data in ``details`` (it is logged).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

log = logging.getLogger("kiosk.server.alerts")


def raise_server_alert(
    session: Session, *, site_id: str, kiosk_id: str, kind: str, details: dict[str, Any]
) -> None:
    """Record an alert about ``kiosk_id`` of ``site_id`` in the caller's transaction."""
    del session  # the alerts table's row goes here (see the module docstring)
    shown = ", ".join(f"{k}={v}" for k, v in sorted(details.items()))
    log.warning("alert %s: site %s, kiosk %s: %s", kind, site_id, kiosk_id, shown)
