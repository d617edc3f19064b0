"""The pull handler for ``staff.upserted``: head office's staff accounts land in ``staff``.

Registered in ``sync/apply.py``. Idempotent (an upsert by id); an account of another site is
ignored, so a kiosk only ever holds its own site's PIN hashes.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.core.events import StaffUpserted
from kiosk.core.store import staff as table
from kiosk.core.store.database import Transaction

log = logging.getLogger(__name__)


def staff_upserted_change(records: Any, tx: Transaction, event: StaffUpserted) -> None:
    """The ``sync.apply`` handler for ``staff.upserted`` (parsed by the event registry)."""
    site_ids = {s.id for s in records.sites()}
    if site_ids and event.site_id not in site_ids:
        log.warning(
            "staff account %s is for site %s, not this kiosk's", event.staff_id, event.site_id
        )
        return
    table.upsert(
        tx,
        table.StaffRow(
            id=event.staff_id,
            site_id=event.site_id,
            name=event.name,
            role=event.role,
            pin_hash=event.pin_hash,
            language=event.language,
            disabled=event.disabled,
            origin="head_office",
            updated_at=event.updated_at,
        ),
    )
