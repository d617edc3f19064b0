"""Emergency entries head office feeds (a start, an end or a note made at head office for the
site, or a mark a host made on head office's roll-call page).

The ``sync.apply`` handler keeps the entry with the change's stamp, in the pull's transaction,
exactly as one passed on by a peer kiosk; ``EmergencyMode.pulled`` (the sync worker calls it
after the page is committed) folds again and tells the shell and the peer link, which passes it
on to the site's other kiosks at once.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from kiosk.core.events import Event
from kiosk.core.store import emergency as table
from kiosk.core.store.database import Transaction

log = logging.getLogger(__name__)

FED_KINDS = frozenset(
    {"emergency.started", "emergency.ended", "emergency.noted", "emergency.marked"}
)


def entry_change(records: Any, tx: Transaction, event: Event, *, stamp: str) -> None:
    """The ``sync.apply`` handler for the fed kinds (``FED_KINDS``)."""
    site_ids = {s.id for s in records.sites()}
    if site_ids and event.claimed_site not in site_ids:
        log.warning("an emergency entry for site %s is not this kiosk's", event.claimed_site)
        return
    if not records.store.hlc.observe(stamp):
        log.warning("an emergency entry with a bad stamp %r: skipped", stamp[:40])
        return
    table.add_entry(
        tx,
        entry_id=event.entity_id,
        stamp=stamp,
        kind=event.kind,
        kiosk_id=str(getattr(event, "kiosk_id", "")),
        payload=json.dumps(event.payload(), ensure_ascii=False, sort_keys=True),
        local=False,
    )
