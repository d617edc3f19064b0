"""One typed model per event kind, and the one registry that maps a kind to its model.

Owns: what every outbox event and every pull-feed change looks like (``kiosk.py``: what the
kiosk emits; ``feed.py``: what head office sends), who consumes each kind (``consumer``), and
``parse_event``, the one way to read a payload. docs/events.md is generated from here
(``python -m kiosk.core.events --doc``).

Must never: import ``sync/``, the store or Kivy (head office imports this package), or build
or read an event as a bare dict outside ``parse_event``/``Event.payload()``.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError as PydanticValidationError

from kiosk.core.config.errors import ValidationError
from kiosk.core.events.base import ID_PATTERN, Event
from kiosk.core.events.desk import DESK_EVENTS, ParcelCollected, ParcelReceived, VisitRated
from kiosk.core.events.emergency import (
    EMERGENCY_EVENTS,
    EmergencyEnded,
    EmergencyMarked,
    EmergencyNoted,
    EmergencyStarted,
    EmergencySwitched,
    RollCallPrinted,
)
from kiosk.core.events.feed import (
    FEED_EVENTS,
    BuildingUpdated,
    DepartmentDeleted,
    DepartmentUpserted,
    FeedResync,
    HeadOfficeRestored,
    HostDeleted,
    HostReplied,
    HostUpserted,
    InvitationUpserted,
    SiteKeyRotated,
    SiteMap,
    SiteSettings,
    SiteUpdated,
    WatchlistDeleted,
    WatchlistUpserted,
)
from kiosk.core.events.kiosk import (
    KIOSK_EVENTS,
    AlertAcknowledged,
    AlertRaised,
    BadgeFailed,
    BadgePrinted,
    InvitationCreated,
    InvitationUsed,
    NotifyFailed,
    NotifySent,
    VisitCheckedIn,
    VisitCheckedOut,
    VisitDenied,
    VisitorRecord,
    VisitRecord,
)
from kiosk.core.events.privacy import (
    PRIVACY_EVENTS,
    PRIVACY_FEED,
    VisitorErased,
    VisitorErasureConfirmed,
)
from kiosk.core.events.reception import (
    RECEPTION_EVENTS,
    RECEPTION_FEED,
    AuditRecorded,
    BadgeReprinted,
    DeskStatusChanged,
    StaffChanged,
    StaffUpserted,
    VisitAnnotated,
    VisitCancelled,
    VisitDecided,
)
from kiosk.core.events.site import SITE_FEED, ConflictRecorded, VisitorKnown, VisitorMerged
from kiosk.core.events.tickets import TICKET_EVENTS, TicketRaised, TicketUpdated

#: kind → model, every kind the project knows (kiosk → head office, then head office → kiosk)
REGISTRY: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        *KIOSK_EVENTS,
        *RECEPTION_EVENTS,
        *TICKET_EVENTS,
        *DESK_EVENTS,
        *EMERGENCY_EVENTS,
        *PRIVACY_EVENTS,
        *FEED_EVENTS,
        *RECEPTION_FEED,
        *SITE_FEED,
        *PRIVACY_FEED,
    )
}


def parse_event(kind: str, payload: Any) -> Event:
    """The typed event of ``kind`` from a decoded JSON payload.

    ``ValidationError`` (the project's, ``field`` = the first bad field's path) for an unknown
    kind, a payload that is not an object, or any field of the wrong type, length or value;
    never anything else, whatever JSON it is given.
    """
    cls = REGISTRY.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValidationError(f"unknown event kind {kind!r}", field="kind", key="error.invalid")
    if not isinstance(payload, dict):
        raise ValidationError(f"{kind}: the payload is not an object", field="payload")
    try:
        return cls.model_validate(payload)
    except PydanticValidationError as e:
        first = e.errors()[0] if e.error_count() else {"loc": (), "msg": str(e)}
        where = ".".join(str(p) for p in first["loc"])
        raise ValidationError(f"{kind}: {where or 'payload'}: {first['msg']}", field=where) from e
    except (ValueError, TypeError, RecursionError) as e:  # a validator's own complaint
        raise ValidationError(f"{kind}: {e}", field="payload") from e


def event_class(kind: str) -> type[Event] | None:
    """The model of ``kind``, None for a kind this version does not know."""
    return REGISTRY.get(kind)


__all__ = [
    "ID_PATTERN",
    "REGISTRY",
    "AlertAcknowledged",
    "AlertRaised",
    "AuditRecorded",
    "BadgeFailed",
    "BadgePrinted",
    "BadgeReprinted",
    "BuildingUpdated",
    "ConflictRecorded",
    "DepartmentDeleted",
    "DepartmentUpserted",
    "DeskStatusChanged",
    "EmergencyEnded",
    "EmergencyMarked",
    "EmergencyNoted",
    "EmergencyStarted",
    "EmergencySwitched",
    "Event",
    "FeedResync",
    "HeadOfficeRestored",
    "HostDeleted",
    "HostReplied",
    "HostUpserted",
    "InvitationCreated",
    "InvitationUpserted",
    "InvitationUsed",
    "NotifyFailed",
    "NotifySent",
    "ParcelCollected",
    "ParcelReceived",
    "RollCallPrinted",
    "SiteKeyRotated",
    "SiteMap",
    "SiteSettings",
    "SiteUpdated",
    "StaffChanged",
    "StaffUpserted",
    "TicketRaised",
    "TicketUpdated",
    "VisitAnnotated",
    "VisitCancelled",
    "VisitCheckedIn",
    "VisitCheckedOut",
    "VisitDecided",
    "VisitDenied",
    "VisitRated",
    "VisitRecord",
    "VisitorErased",
    "VisitorErasureConfirmed",
    "VisitorKnown",
    "VisitorMerged",
    "VisitorRecord",
    "WatchlistDeleted",
    "WatchlistUpserted",
    "event_class",
    "parse_event",
]
