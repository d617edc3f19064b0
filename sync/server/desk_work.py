"""Head office's side of the front desk's own work (issue 16): parcels and check-out ratings.

Folds (registered in ``folding.FOLDERS``; order-free like the visit folds):
``parcel.received`` into ``parcels`` (one row per parcel: a re-sent event changes nothing),
``parcel.collected`` onto it (``collected_at`` / ``collected_by``; a pick-up that arrives before
its parcel makes the row with what it knows, and the parcel's details fill it when they come),
``visit.rated`` into ``visit_ratings`` (one per visit: the first rating stored stands, as on the
kiosk).

Must never: fold an event into another site's rows (every write is keyed by the kiosk's site).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from .folding import FOLDERS, Accepted, insert_for
from .models import Base, Kiosk


class Parcel(Base):
    __tablename__ = "parcels"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), default="")
    courier: Mapped[str] = mapped_column(String(32), default="")
    host_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    department_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    received_at: Mapped[datetime | None] = mapped_column(nullable=True)
    collected_at: Mapped[datetime | None] = mapped_column(nullable=True)
    collected_by: Mapped[str] = mapped_column(String(64), default="")


class VisitRating(Base):
    __tablename__ = "visit_ratings"
    visit_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), default="")
    score: Mapped[int] = mapped_column(Integer)
    scale: Mapped[str] = mapped_column(String(16))
    rated_at: Mapped[datetime]


PARCELS = Parcel.__table__
RATINGS = VisitRating.__table__


def fold_parcel_received(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    for m in (a.model for a in items):
        values = {
            "id": m.parcel_id,
            "site_id": kiosk.site_id,
            "kiosk_id": kiosk.id,
            "courier": m.courier,
            "host_id": m.host_id,
            "department_id": m.department_id,
            "received_at": m.received_at,
        }
        stmt = insert_for(session, PARCELS).values(**values)
        details = {k: stmt.excluded[k] for k in ("kiosk_id", "courier", "host_id", "department_id")}
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["id"],
                set_={**details, "received_at": stmt.excluded.received_at},
                where=(PARCELS.c.site_id == kiosk.site_id) & PARCELS.c.received_at.is_(None),
            )
        )


def fold_parcel_collected(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    for m in (a.model for a in items):
        stmt = insert_for(session, PARCELS).values(
            id=m.parcel_id,
            site_id=kiosk.site_id,
            kiosk_id=kiosk.id,
            collected_at=m.collected_at,
            collected_by=m.by,
        )
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["id"],
                set_={"collected_at": stmt.excluded.collected_at, "collected_by": m.by},
                where=(PARCELS.c.site_id == kiosk.site_id) & PARCELS.c.collected_at.is_(None),
            )
        )


def fold_rated(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    rows = [
        {
            "visit_id": m.visit_id,
            "site_id": kiosk.site_id,
            "kiosk_id": kiosk.id,
            "score": m.score,
            "scale": m.scale,
            "rated_at": m.rated_at,
        }
        for m in (a.model for a in items)
    ]
    if rows:
        session.execute(insert_for(session, RATINGS).on_conflict_do_nothing(), rows)


def register() -> None:
    FOLDERS.update(
        {
            "parcel.received": fold_parcel_received,
            "parcel.collected": fold_parcel_collected,
            "visit.rated": fold_rated,
        }
    )


register()
