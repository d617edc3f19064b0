"""Events of the front desk's own work (issue 16): parcels left at reception and the visitor's
one-tap rating at check-out (``kiosk.core.deliveries``, ``kiosk.core.visits.rating``).

Couriers are named by a short key (``sf_express``, ``jd`` …, or a site's own from
``[checkin] couriers``), never by the courier's person: a parcel event carries no personal
data beyond the recipient's host id.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from kiosk.core.events.base import Event, Id, IdOrEmpty, Time

#: a courier's key: the built-in ones or a site's own (``[checkin] couriers``)
CourierKey = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]
Actor = Annotated[str, Field(min_length=1, max_length=64)]
RatingScale = Literal["faces", "stars"]


class ParcelReceived(Event):
    """A courier left a parcel (快递, 外卖, documents) at reception through the kiosk."""

    kind: ClassVar[str] = "parcel.received"
    origin: ClassVar[str] = "kiosk, fed to the site's other kiosks"
    consumer: ClassVar[str] = (
        "the kiosk's notifier tells the recipient (kiosk/core/deliveries/notice.py); head office "
        "folds it into `parcels` (sync/server/desk_work.py) and feeds it to the site's other "
        "kiosks (kiosk/core/deliveries/pulled.py)"
    )

    parcel_id: Id
    site_id: Id
    kiosk_id: IdOrEmpty
    courier: CourierKey
    #: the recipient picked from the directory; both None: "leave at the desk"
    host_id: Id | None = None
    department_id: Id | None = None
    received_at: Time

    @property
    def entity_id(self) -> str:
        return self.parcel_id


class ParcelCollected(Event):
    """The recipient picked the parcel up; recorded by a receptionist on the console."""

    kind: ClassVar[str] = "parcel.collected"
    origin: ClassVar[str] = "kiosk, fed to the site's other kiosks"
    consumer: ClassVar[str] = (
        "head office folds it onto `parcels` (`collected_at`, `collected_by`; "
        "sync/server/desk_work.py) and feeds it to the site's other kiosks"
    )

    parcel_id: Id
    site_id: Id
    kiosk_id: IdOrEmpty
    #: the staff member who handed it over (their pseudonymous id)
    by: Actor
    collected_at: Time

    @property
    def entity_id(self) -> str:
        return self.parcel_id


class VisitRated(Event):
    """The visitor's optional one-tap rating at check-out (1 worst … 5 best; three faces are
    stored as 1, 3 and 5)."""

    kind: ClassVar[str] = "visit.rated"
    origin: ClassVar[str] = "kiosk, fed to the site's other kiosks"
    consumer: ClassVar[str] = (
        "head office folds it into `visit_ratings`, one per visit, the first stands "
        "(sync/server/desk_work.py), and feeds it to the site's other kiosks; the reports count "
        "it (kiosk/core/reports)"
    )

    visit_id: Id
    site_id: Id
    kiosk_id: IdOrEmpty
    score: Annotated[int, Field(ge=1, le=5)]
    scale: RatingScale
    rated_at: Time

    @property
    def entity_id(self) -> str:
        return self.visit_id


DESK_EVENTS: tuple[type[Event], ...] = (ParcelReceived, ParcelCollected, VisitRated)
