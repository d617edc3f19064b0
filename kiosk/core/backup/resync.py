"""The kiosk's side of a head-office restore: push everything again.

``kiosk-server restore`` puts one ``head_office.restored`` change in each site's feed. Head
office has then forgotten what kiosks pushed after its backup; the kiosk cannot tell which
events those were, so it moves its push position back to the start of its outbox, in the
transaction that applies the change: the next round pushes its whole outbox (as far back as the
retention period keeps it), head office answers "duplicate" for what it has and stores the rest.

Must never: send, print, or emit an event.
"""

from __future__ import annotations

from typing import Any

from kiosk.core.store.database import Transaction

KIND = "head_office.restored"
#: the sync worker's outbox consumer (sync/client.py CONSUMER); the core does not import sync/
SYNC_CONSUMER = "sync"


def head_office_restored(records: Any, tx: Transaction, change: Any) -> None:
    """Apply ``head_office.restored``: push the whole outbox again (idempotent)."""
    tx.execute("UPDATE outbox_positions SET position = 0 WHERE consumer = ?", (SYNC_CONSUMER,))
