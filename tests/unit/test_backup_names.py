"""The restore steps name other parts' consumers and keys without importing them (the core does
not import sync/, and the notifier's worker is heavy): they must stay the same names."""

from __future__ import annotations

from kiosk.core.backup import resync, settle
from kiosk.core.notify import worker as notify_worker
from sync import worker as sync_worker


def test_the_names_restore_copies_are_the_owners_names() -> None:
    assert settle.NOTIFY_CONSUMER == notify_worker.CONSUMER
    assert settle.SYNC_CURSOR_KEY == sync_worker.CURSOR_KEY
    assert resync.SYNC_CONSUMER == sync_worker.CONSUMER
