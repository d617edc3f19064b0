"""Events of the receptionist mode (``kiosk.core.reception``): staff, audit, desk actions.

The kiosk emits all but ``staff.upserted``, which head office sends through the pull feed
(PIN hashes only, never a PIN). Staff are named by their pseudonymous id, never by name,
except in the staff events themselves.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from kiosk.core.events.base import (
    Event,
    Id,
    IdOrEmpty,
    Key,
    Text32,
    Text64,
    Text200,
    Text500,
    Time,
)

Role = Literal["receptionist", "supervisor", "admin"]
#: an argon2 hash of a peppered PIN (``$argon2id$…``)
PinHash = Annotated[str, Field(min_length=20, max_length=200, pattern=r"^\$argon2id\$")]
Actor = Annotated[str, Field(min_length=1, max_length=64)]
Reason = Annotated[str, Field(min_length=1, max_length=500)]
#: the visit fields a receptionist may correct
CorrectedField = Literal["name", "company", "purpose", "host_id"]


class StaffUpserted(Event):
    """A staff account made or changed at head office, for every kiosk of its site."""

    kind: ClassVar[str] = "staff.upserted"
    origin: ClassVar[str] = "head office"
    consumer: ClassVar[str] = "the kiosk's `staff` table (sync/apply.py)"

    staff_id: Id
    site_id: Id
    name: Text200
    role: Role
    pin_hash: PinHash
    language: Text64 = ""
    disabled: bool = False
    updated_at: Time

    @property
    def entity_id(self) -> str:
        return self.staff_id


class StaffChanged(Event):
    """A staff account added, disabled or given a new PIN on a kiosk (``kiosk staff``, the
    settings screen)."""

    kind: ClassVar[str] = "staff.changed"
    consumer: ClassVar[str] = (
        "head office folds it into `staff` (sync/server/reception.py) and feeds `staff.upserted` "
        "to the site's other kiosks"
    )

    staff_id: Id
    site_id: Id
    kiosk_id: IdOrEmpty
    name: Text200
    role: Role
    pin_hash: PinHash
    language: Text64 = ""
    disabled: bool = False
    #: who made the change (a staff id, or ``cli`` for ``kiosk staff add``)
    by: Actor
    changed_at: Time

    @property
    def entity_id(self) -> str:
        return self.staff_id


class AuditRecorded(Event):
    """One entry of a kiosk's hash-chained audit log (``kiosk.core.reception.audit``)."""

    kind: ClassVar[str] = "audit.recorded"
    consumer: ClassVar[str] = (
        "head office folds it into `audit_entries` per kiosk (sync/server/reception.py), where "
        "the chain can be verified again"
    )

    entry_id: Id
    seq: Annotated[int, Field(ge=1)]
    at: Time
    site_id: Id
    kiosk_id: IdOrEmpty
    actor: Actor
    role: Text32 = ""
    action: Key
    subject_kind: Text64
    subject_id: Text64
    fields: Text200
    reason: Text500
    details: Annotated[dict[Text64, Text500], Field(max_length=20)]
    prev_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]

    @property
    def entity_id(self) -> str:
        return self.entry_id


class VisitAnnotated(Event):
    """A receptionist corrected a visit's record; the replaced value is kept."""

    kind: ClassVar[str] = "visit.annotated"
    consumer: ClassVar[str] = (
        "head office folds it into `visit_annotations` and applies the new value to the visit "
        "or visitor (sync/server/reception.py)"
    )

    annotation_id: Id
    visit_id: Id
    site_id: Id
    kiosk_id: IdOrEmpty
    field: CorrectedField
    old_value: Text200
    new_value: Text200
    reason: Reason
    by: Actor
    at: Time

    @property
    def entity_id(self) -> str:
        return self.visit_id


class VisitCancelled(Event):
    """A visit recorded by mistake (or a held visit withdrawn), cancelled at the desk."""

    kind: ClassVar[str] = "visit.cancelled"
    consumer: ClassVar[str] = (
        "head office folds it: the visit's state becomes cancelled (sync/server/reception.py); the "
        "notifier stops escalating"
    )

    visit_id: Id
    site_id: Id
    kiosk_id: IdOrEmpty
    reason: Reason
    by: Actor
    cancelled_at: Time

    @property
    def entity_id(self) -> str:
        return self.visit_id


class VisitDecided(Event):
    """A held (watchlist) visit approved or denied, with the reason. An approval is followed
    by the visit's own ``visit.checked_in`` (badge and host message as for a self check-in)."""

    kind: ClassVar[str] = "visit.decided"
    consumer: ClassVar[str] = (
        "head office folds it into `visit_decisions`, the first decision per visit by hybrid "
        "clock stamp (sync/server/reception.py), and feeds it to the site's other kiosks, which "
        "keep the same first one (kiosk/core/reception/pulled.py)"
    )

    visit_id: Id
    site_id: Id
    kiosk_id: IdOrEmpty
    decision: Literal["approved", "denied"]
    reason: Reason
    by: Actor
    decided_at: Time

    @property
    def entity_id(self) -> str:
        return self.visit_id


class BadgeReprinted(Event):
    """A receptionist asked for another copy of a visitor's badge."""

    kind: ClassVar[str] = "badge.reprinted"
    consumer: ClassVar[str] = (
        "head office folds it into `badge_reprints` (sync/server/reception.py); the print queue "
        "already holds the job"
    )

    reprint_id: Id
    visit_id: Id
    site_id: Id
    kiosk_id: IdOrEmpty
    #: the copy asked for (1, 2 … ; 0 when the first badge never printed)
    copy_number: Annotated[int, Field(ge=0, le=1000)] = Field(
        validation_alias="copy", serialization_alias="copy"
    )
    by: Actor
    requested_at: Time

    @property
    def entity_id(self) -> str:
        return self.visit_id


class DeskStatusChanged(Event):
    """The desk marked unattended (with a return time and a backup contact) or staffed again."""

    kind: ClassVar[str] = "desk.status_changed"
    consumer: ClassVar[str] = (
        "head office folds it into `desk_status`, the site's latest (sync/server/reception.py)"
    )

    site_id: Id
    kiosk_id: IdOrEmpty
    unattended: bool
    return_at: Time | None = None
    backup_contact: Text200 = ""
    by: Actor
    changed_at: Time

    @property
    def entity_id(self) -> str:
        return self.site_id


RECEPTION_EVENTS: tuple[type[Event], ...] = (
    StaffChanged,
    AuditRecorded,
    VisitAnnotated,
    VisitCancelled,
    VisitDecided,
    BadgeReprinted,
    DeskStatusChanged,
)
RECEPTION_FEED: tuple[type[Event], ...] = (StaffUpserted,)
