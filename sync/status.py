"""What the sync worker tells the UI: a frozen ``SyncStatus`` (the status bar, the console,
``kiosk status``) and each round's ``RoundResult``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SyncStatus:
    #: the last round reached head office
    online: bool
    #: when the current run of failures began (None while online)
    offline_since: datetime | None
    #: outbox events not yet acknowledged by head office
    pending: int
    #: end of the last successful round
    last_success: datetime | None
    #: why the last round failed ("" when it did not)
    last_error: str = ""
    #: false for a stand-alone kiosk (no head office configured)
    enabled: bool = True
    #: events head office rejected so far (each quarantined with an alert), and the last reason
    rejected: int = 0
    last_rejected: str = ""
    #: pulled changes that could not be applied and were kept aside
    quarantined: int = 0
    #: when the last successful pull finished (stored: survives a restart; None: never)
    last_pull: datetime | None = None


@dataclass(frozen=True, slots=True)
class RoundResult:
    pushed: int
    rejected: int
    pulled: int
