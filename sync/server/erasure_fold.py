"""The kiosks' confirmations of a person's erasure (``visitor.erasure_confirmed``), folded
into ``erasure_confirmations``; ``person_requests.erasure_status`` reads them. The erasures
themselves (``Erasure``, written by ``person_requests``) are declared here too, so every fold
(``erasure_guard``) finds their table.

Kept apart from ``person_requests`` so ``folding`` can register it without importing what
imports ``folding`` itself. Must never: hold a name or a number.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from .folding import FOLDERS, Accepted
from .models import Base, Kiosk


class Erasure(Base):
    """One erasure a person asked for: which visitor records, when, by whom (an admin)."""

    __tablename__ = "erasures"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    visitor_ids: Mapped[list[str]] = mapped_column(JSON)
    requested_at: Mapped[datetime]
    requested_by: Mapped[str] = mapped_column(String(200), default="")


class ErasureConfirmation(Base):
    """A kiosk has applied an erasure (``visitor.erasure_confirmed``)."""

    __tablename__ = "erasure_confirmations"
    erasure_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    visitors: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_at: Mapped[datetime]


def fold_confirmed(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    """Once per erasure and kiosk (the pushing kiosk: a kiosk confirms only for itself)."""
    for a in items:
        m = a.model
        if session.get(ErasureConfirmation, (m.erasure_id, kiosk.id)) is None:
            session.add(
                ErasureConfirmation(
                    erasure_id=m.erasure_id,
                    kiosk_id=kiosk.id,
                    visitors=m.visitors,
                    confirmed_at=m.erased_at,
                )
            )
    session.flush()


FOLDERS["visitor.erasure_confirmed"] = fold_confirmed
