"""Head office's tickets: every ``ticket.raised`` and ``ticket.updated`` of a site folded into
one list, whichever kiosk raised or changed it.

``tickets`` keeps the raised record and the state folded from the entries (status,
department, kind, priority, due time) by the kiosk's own ``kiosk.core.tickets.model.fold``, so
head office and every kiosk agree on a ticket whatever order its entries arrived in; an entry
that arrives before its ticket is kept and counted once the ticket comes. ``ticket_entries``
keeps every entry once (its id is the key: "already have it" is success). Both kinds are fed
to the site's other kiosks (``folding.FED_KINDS``); a department's answer through its link is
an entry written here (``ticket_links.py``) and fed to every kiosk of the site.

Migration 0010 creates the tables. The raised record (the client's name and contact, the
details) and every entry (notes, edits, what the client was told) are sealed at rest
(``sealing.SealedJSON``; migration 0013 sealed what 0010-0012 had stored in clear).

Must never: fold an entry into another site's ticket.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from kiosk.core.tickets.model import Ticket, fold

from .folding import FOLDERS, Accepted
from .models import Base, Kiosk
from .sealing import SealedJSON


class TicketRow(Base):
    __tablename__ = "tickets"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    number: Mapped[str] = mapped_column(String(8), index=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open")
    department_id: Mapped[str] = mapped_column(String(64), default="")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    due_at: Mapped[datetime | None]
    raised_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    raised: Mapped[dict[str, Any]] = mapped_column(SealedJSON("tickets", "raised"))


class TicketEntryRow(Base):
    __tablename__ = "ticket_entries"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    ticket_id: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(32))
    by: Mapped[str] = mapped_column(String(80))
    entry: Mapped[dict[str, Any]] = mapped_column(SealedJSON("ticket_entries", "entry"))


def _insert(session: Session, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def ticket_of(session: Session, row: TicketRow) -> Ticket:
    """The folded ticket of a row, from its raised record and every entry head office has."""
    entries = session.scalars(
        select(TicketEntryRow.entry).where(
            TicketEntryRow.ticket_id == row.id, TicketEntryRow.site_id == row.site_id
        )
    )
    return fold(row.raised, list(entries))


def refresh(session: Session, site_id: str, ticket_ids: set[str]) -> None:
    """Fold each ticket's entries onto its row (a ticket not here yet waits for its raise)."""
    session.flush()
    for ticket_id in sorted(ticket_ids):
        row = session.get(TicketRow, ticket_id)
        if row is None or row.site_id != site_id:
            continue
        t = ticket_of(session, row)
        row.status, row.department_id, row.kind = t.status, t.department_id, t.kind
        row.priority, row.due_at, row.updated_at = t.priority, t.due_at, t.updated_at
    session.flush()


def fold_raised(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    rows = []
    for a in items:
        m = a.model
        rows.append(
            {
                "id": m.ticket_id,
                "site_id": kiosk.site_id,
                "number": m.number,
                "kiosk_id": m.kiosk_id or kiosk.id,
                "kind": m.ticket_kind,
                "status": "open",
                "department_id": m.department_id,
                "priority": m.priority,
                "due_at": m.due_at,
                "raised_at": m.raised_at,
                "updated_at": m.raised_at,
                "raised": m.payload(),
            }
        )
    session.execute(_insert(session, TicketRow.__table__).on_conflict_do_nothing(), rows)
    refresh(session, kiosk.site_id, {r["id"] for r in rows})


def add_entries(session: Session, site_id: str, models: list[Any]) -> None:
    """Keep entries once each (``ticket.updated`` models) and refresh their tickets."""
    rows = [
        {
            "id": m.entry_id,
            "site_id": site_id,
            "ticket_id": m.ticket_id,
            "at": m.at,
            "action": m.action,
            "by": m.by,
            "entry": m.payload(),
        }
        for m in models
    ]
    if rows:
        session.execute(_insert(session, TicketEntryRow.__table__).on_conflict_do_nothing(), rows)
    refresh(session, site_id, {m.ticket_id for m in models})


def fold_updated(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    add_entries(session, kiosk.site_id, [a.model for a in items])


def site_tickets(session: Session, site_id: str, *, limit: int = 500) -> list[TicketRow]:
    """The site's one list, newest first, whichever kiosk raised each."""
    return list(
        session.scalars(
            select(TicketRow)
            .where(TicketRow.site_id == site_id)
            .order_by(TicketRow.raised_at.desc())
            .limit(limit)
        )
    )


def register() -> None:
    FOLDERS.update({"ticket.raised": fold_raised, "ticket.updated": fold_updated})


register()
