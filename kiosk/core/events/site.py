"""What head office tells every kiosk of a site about the site's kiosks as one: conflicts it
found between their offline records, and the site's one identity per visitor.

Head office builds them (``sync/server/conflicts.py``, ``sync/server/identity.py``); kiosks
apply them in ``sync/apply.py``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from kiosk.core.events.base import Event, Id, Key, Text64, Text200, Text500, Time

_ORIGIN = "head office"

ConflictKind = Literal["invitation_reused", "two_open_visits", "watchlist_at_checkin"]


class ConflictRecorded(Event):
    """Two things kiosks did while apart cannot both stand: an invitation used twice, one
    person with two open visits at the site, or a check-in of someone on head office's
    watchlist at the check-in's time. Nothing is overwritten: the flagged visit stays as it
    was and the desk gets an alert (``alert_id``, the same alert as head office's)."""

    kind: ClassVar[str] = "conflict.recorded"
    origin: ClassVar[str] = _ORIGIN
    consumer: ClassVar[str] = (
        "the kiosk keeps the alert in `alerts` for the desk (kiosk/core/alerts.py "
        "`record_alert`, nothing emitted); acknowledging it there reaches head office's alert"
    )

    conflict_id: Id
    site_id: Id
    conflict: ConflictKind
    #: the invitation, visitor or watchlist entry the conflict is about
    subject_id: Id
    #: the visit flagged: the second use, the later of two open visits, the listed person's
    visit_id: Id
    other_visit_id: Id | None = None
    alert_id: Id
    severity: Literal["info", "warning", "critical"]
    message_key: Key
    raised_at: Time

    @property
    def entity_id(self) -> str:
        return self.conflict_id


class VisitorKnown(Event):
    """A visitor of the site, for returning-visitor matching at kiosks that never saw them
    (a new kiosk, or one offline past the visit feed). Masked: the name and company as the
    kiosk shows a returning visitor, never the phone number, only its index."""

    kind: ClassVar[str] = "visitor.known"
    origin: ClassVar[str] = _ORIGIN
    consumer: ClassVar[str] = (
        "the kiosk's `visitors` table: a row it lacks is added, so the number is recognised "
        "as returning (sync/apply.py)"
    )

    visitor_id: Id
    site_id: Id
    #: the site's blind index of the phone number (``keys/blind_index.py``, its version)
    phone_key: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    key_version: Annotated[int, Field(ge=1, le=1_000_000)]
    masked_name: Text200
    masked_company: Text200
    category: Text64 = ""
    last_visit_at: Time

    @property
    def entity_id(self) -> str:
        return self.visitor_id


class VisitorMerged(Event):
    """Records of one person (one phone number) made at different kiosks are one visitor:
    ``merged_id``'s visits now belong to ``visitor_id``."""

    kind: ClassVar[str] = "visitor.merged"
    origin: ClassVar[str] = _ORIGIN
    consumer: ClassVar[str] = (
        "head office re-points the visits and keeps one row (sync/server/identity.py); the "
        "kiosk moves its visits to `visitor_id` and drops `merged_id` (sync/apply.py)"
    )

    visitor_id: Id
    merged_id: Id
    site_id: Id
    reason: Text500 = "same phone number"

    @property
    def entity_id(self) -> str:
        return self.merged_id


SITE_FEED: tuple[type[Event], ...] = (ConflictRecorded, VisitorKnown, VisitorMerged)
