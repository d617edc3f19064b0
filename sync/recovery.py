"""After ``kiosk restore``: get back from head office what this kiosk did after the backup.

A restored kiosk has forgotten its own check-ins and check-outs since the backup, and head
office never sends a kiosk its own events in the ordinary pull. This one round pulls again from
the backup's cursor with ``own=true``, through the ordinary ``SyncClient`` and ``sync.apply``
handlers: visits opened since come back (so their badges check out here), visits closed since
are closed, and every other change after that cursor is applied again (handlers are
idempotent). The same round pushes the restored outbox: what head office has comes back as
duplicates, what it lacks is stored.

Must never: emit an event or touch the notifier and the print queue (pulled visits are
copies, as from another kiosk: nothing is sent or printed for them).
"""

from __future__ import annotations

from kiosk.core.backup.settle import RECOVER_KEY
from kiosk.core.config.clock import Clock
from kiosk.core.store import kv
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records

from .client import HeadOfficeClient
from .protocol import PullOut, PushOut
from .worker import CURSOR_KEY, RoundResult, SyncClient


class _WithOwnEvents:
    """The kiosk's head-office client, pulling its own events too."""

    def __init__(self, head_office: HeadOfficeClient) -> None:
        self.head_office = head_office
        self.url = head_office.url
        self.ca_bundle = head_office.ca_bundle

    def push(self, body: bytes) -> PushOut:
        return self.head_office.push(body)

    def pull(self, after: int, limit: int, *, wait: float = 0.0) -> PullOut:
        return self.head_office.pull(after, limit, own=True, wait=wait)

    def close(self) -> None:
        """The caller closes the client it lent."""


def recovery_pending(store: Store) -> bool:
    return store.get_value(RECOVER_KEY) is not None


def recover(
    store: Store, records: Records, head_office: HeadOfficeClient, clock: Clock
) -> RoundResult:
    """One push-and-pull round with the kiosk's own events; ``TransportError`` when head
    office is unreachable (then nothing is marked done: run it again)."""
    start = store.get_value(RECOVER_KEY)
    if start is None:
        return RoundResult(0, 0, 0)
    with store.transaction() as tx:  # the kiosk may have pulled since the restore: go back
        current = int(store.get_value(CURSOR_KEY, "0") or 0)
        store.set_value(CURSOR_KEY, str(min(current, int(start or 0))), tx)
    client = SyncClient(
        store=store,
        records=records,
        head_office=_WithOwnEvents(head_office),  # type: ignore[arg-type]
        clock=clock,
    )
    result = client.sync_once()
    with store.transaction() as tx:
        kv.delete(tx, RECOVER_KEY)
    return result
