"""Events the kiosk writes to its outbox (and pushes to head office)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from kiosk.core.events.base import (
    Event,
    Id,
    IdOrEmpty,
    Key,
    Part,
    Text32,
    Text64,
    Text200,
    Text500,
    Text2000,
    Time,
)

Language = Literal["zh_CN", "en"]
Count = Annotated[int, Field(ge=0, le=1_000_000)]


class VisitRecord(Part):
    """The visit as it was committed at check-in."""

    id: Id
    site_id: Id
    kiosk_id: IdOrEmpty
    visitor_id: Id
    host_id: Id | None
    department_id: Id | None
    state: Literal["checked_in", "denied"]
    purpose: Text64
    badge_code: Text200
    consent_version: Text32
    invitation_id: Id | None
    created_at: Time | None
    checked_in_at: Time | None


class VisitorRecord(Part):
    """Who came (personal data: head office stores it, the visitor's own kiosk site only)."""

    id: Id
    name: Text200
    phone: Text64
    company: Text200
    category: Text64


class VisitCheckedIn(Event):
    """A visitor checked in: the badge is printed and the host told from this event."""

    kind: ClassVar[str] = "visit.checked_in"
    origin: ClassVar[str] = "kiosk, fed to the site's other kiosks"
    consumer: ClassVar[str] = (
        "head office folds it into `visits` and `visitors` (sync/server/folding.py); the print "
        "queue and the notifier act on it; the site's other kiosks copy the visit (sync/apply.py)"
    )

    visit: VisitRecord
    visitor: VisitorRecord
    language: Language

    @model_validator(mode="after")
    def _state(self) -> VisitCheckedIn:
        if self.visit.state != "checked_in" or self.visit.checked_in_at is None:
            raise ValueError("a checked-in visit has state checked_in and checked_in_at")
        return self

    @property
    def entity_id(self) -> str:
        return self.visit.id

    @property
    def claimed_site(self) -> str | None:
        return self.visit.site_id


class VisitDenied(Event):
    """A visit held for the desk: the visitor matched the watchlist, or the kiosk's copy of the
    watchlist was too old to screen them (``held_for``); no badge, the receptionist is alerted."""

    kind: ClassVar[str] = "visit.denied"
    origin: ClassVar[str] = "kiosk, fed to the site's other kiosks"
    consumer: ClassVar[str] = (
        "head office folds it into `visits` (state denied); the site's other kiosks copy it"
    )

    visit: VisitRecord
    visitor: VisitorRecord
    language: Language
    #: the entry matched (None when held for a stale watchlist)
    watchlist_id: Id | None
    #: why the visit is held: a watchlist match, or a watchlist older than the hold limit
    held_for: Literal["watchlist", "stale_watchlist"] = "watchlist"

    @model_validator(mode="after")
    def _state(self) -> VisitDenied:
        if self.visit.state != "denied" or self.visit.checked_in_at is not None:
            raise ValueError("a denied visit has state denied and no checked_in_at")
        if (self.watchlist_id is None) != (self.held_for == "stale_watchlist"):
            raise ValueError("a watchlist hold names its entry, a stale-watchlist hold none")
        return self

    @property
    def entity_id(self) -> str:
        return self.visit.id

    @property
    def claimed_site(self) -> str | None:
        return self.visit.site_id


class VisitCheckedOut(Event):
    """A visit closed: by badge scan, phone number, end of day or the receptionist."""

    kind: ClassVar[str] = "visit.checked_out"
    origin: ClassVar[str] = "kiosk, fed to the site's other kiosks"
    consumer: ClassVar[str] = (
        "head office folds it into `visits` (state, check-out columns), also before the "
        "check-in arrives; the site's other kiosks close their copy (or keep the check-out "
        "until the check-in comes); the notifier stops escalating"
    )

    visit_id: Id
    site_id: Id
    kiosk_id: IdOrEmpty
    checked_out_at: Time
    auto: bool
    method: Literal["scan", "phone", "auto", "reception"]

    @property
    def entity_id(self) -> str:
        return self.visit_id


class InvitationUsed(Event):
    """An invitation's code was used to check in."""

    kind: ClassVar[str] = "invitation.used"
    consumer: ClassVar[str] = (
        "head office marks the invitation used and feeds `invitation.upserted` to the site"
    )

    invitation_id: Id
    visit_id: Id
    site_id: Id

    @property
    def entity_id(self) -> str:
        return self.visit_id


class InvitationCreated(Event):
    """An invitation made on the kiosk itself (``kiosk invite``), for its own use."""

    kind: ClassVar[str] = "invitation.created"
    consumer: ClassVar[str] = (
        "archived: head office stores it in `events` (invitations are managed at head office; "
        "a kiosk-made one stays local)"
    )

    invitation_id: Id
    code: Annotated[str, Field(min_length=4, max_length=64, pattern=r"^[A-Z0-9]+$")]

    @property
    def entity_id(self) -> str:
        return self.invitation_id


class AlertRaised(Event):
    """Something the receptionist or security must see (never shown to the visitor)."""

    kind: ClassVar[str] = "alert.raised"
    consumer: ClassVar[str] = (
        "head office folds it into `alerts` (sync/server/alerts.py; GET "
        "/api/v1/sites/{site}/alerts); the kiosk keeps its own row in `alerts` "
        "(kiosk/core/alerts.py), and its notifier sends it to the desk's, security's and the "
        "backup contact's channels (kiosk/core/notify/alert_routes.py)"
    )

    alert_id: Id
    site_id: Id
    kiosk_id: IdOrEmpty
    #: what kind of alert: ``watchlist`` (a visitor matched the watchlist), …
    alert: Key
    severity: Literal["info", "warning", "critical"]
    #: catalogue key of the text the receptionist reads
    message_key: Key
    #: the key's parameters and references (``visit_id``, ``watchlist_id`` …)
    details: Annotated[dict[Text64, Text500], Field(max_length=20)]
    visit_id: Id | None
    raised_at: Time

    @property
    def entity_id(self) -> str:
        return self.alert_id


class AlertAcknowledged(Event):
    """Someone at the desk has seen an alert and taken it on."""

    kind: ClassVar[str] = "alert.acknowledged"
    origin: ClassVar[str] = "kiosk, and head office (fed to the site's kiosks)"
    consumer: ClassVar[str] = (
        "head office marks the alert acknowledged in `alerts` (sync/server/alerts.py; the "
        "earliest acknowledgement by hybrid logical clock stands); one made at head office "
        "(POST /api/v1/sites/{site}/alerts/{alert}/acknowledge) is fed to the site's kiosks, "
        "which mark their row acknowledged (sync/apply.py, kiosk/core/alerts.py)"
    )

    alert_id: Id
    site_id: Id
    kiosk_id: IdOrEmpty
    #: who acknowledged it (a staff id or name)
    by: Annotated[str, Field(min_length=1, max_length=64)]
    acknowledged_at: Time

    @property
    def entity_id(self) -> str:
        return self.alert_id


class BadgePrinted(Event):
    """A badge came out of a printer (copy 0 at check-in, 1, 2 … for reprints)."""

    kind: ClassVar[str] = "badge.printed"
    consumer: ClassVar[str] = (
        "head office folds it into the visit's `badge_status` = printed and `badge_status_at` "
        "(sync/server/visit_status.py; the latest badge event by hybrid logical clock wins); "
        "the site's other kiosks keep it in `pulled_badges` for the desk's board"
    )

    visit_id: Id
    job_id: Id
    #: ``copy`` on the wire (the name shadows a pydantic method here)
    copy_number: Count = Field(validation_alias="copy", serialization_alias="copy")
    #: the backend that printed it (``cups:QUEUE``, ``escpos:HOST:PORT``, ``file:DIR`` …)
    printer: Text200
    attempts: Count

    @property
    def entity_id(self) -> str:
        return self.visit_id


class BadgeFailed(Event):
    """A badge did not print: first failure (``retrying``) and when the queue gives up."""

    kind: ClassVar[str] = "badge.failed"
    consumer: ClassVar[str] = (
        "head office folds it into the visit's `badge_status` = retrying or failed "
        "(sync/server/visit_status.py; the latest badge event by hybrid logical clock wins); "
        "the site's other kiosks keep it in `pulled_badges` for the desk's board"
    )

    visit_id: Id
    job_id: Id
    #: ``copy`` on the wire (the name shadows a pydantic method here)
    copy_number: Count = Field(validation_alias="copy", serialization_alias="copy")
    printer: Text200
    #: a ``badge.printer.*`` catalogue key: stopped, offline, out_of_media, unreachable, error,
    #: interrupted (badges.po)
    error_key: Key
    error: Text500
    attempts: Count
    retrying: bool

    @property
    def entity_id(self) -> str:
        return self.visit_id


Stage = Literal["host", "delegate", "department", "front_desk"]
Recipient = Annotated[
    str,
    Field(
        max_length=80, pattern=r"^(host:[A-Za-z0-9_.:\-]+|department:[A-Za-z0-9_.:\-]+|front_desk)$"
    ),
]


class NotifySent(Event):
    """One message reached one channel (see docs/notifications.md)."""

    kind: ClassVar[str] = "notify.sent"
    consumer: ClassVar[str] = (
        "head office folds it into the visit's `notify_status` = sent and `notify_status_at` "
        "(sync/server/visit_status.py; the latest notify event by hybrid logical clock wins)"
    )

    visit_id: Id
    site_id: Id
    kiosk_id: IdOrEmpty
    delivery_id: Id
    stage: Stage
    recipient: Recipient
    #: the channel URL with its secrets masked
    channel: Text2000
    attempts: Count
    sent_at: Time

    @property
    def entity_id(self) -> str:
        return self.visit_id


class NotifyFailed(Event):
    """One message could not reach one channel after the last retry."""

    kind: ClassVar[str] = "notify.failed"
    consumer: ClassVar[str] = (
        "head office folds it into the visit's `notify_status` = failed "
        "(sync/server/visit_status.py; the latest notify event by hybrid logical clock wins)"
    )

    visit_id: Id
    site_id: Id
    kiosk_id: IdOrEmpty
    delivery_id: Id
    stage: Stage
    recipient: Recipient
    channel: Text2000
    attempts: Count
    #: what went wrong, secrets masked
    error: Text2000
    failed_at: Time

    @property
    def entity_id(self) -> str:
        return self.visit_id


KIOSK_EVENTS: tuple[type[Event], ...] = (
    VisitCheckedIn,
    VisitDenied,
    VisitCheckedOut,
    InvitationUsed,
    InvitationCreated,
    AlertRaised,
    AlertAcknowledged,
    BadgePrinted,
    BadgeFailed,
    NotifySent,
    NotifyFailed,
)
