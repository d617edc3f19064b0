"""The visit folds' upsert statements (``folding.fold_checked_in`` / ``fold_checked_out``),
one per dialect: the event with the newer hybrid-clock stamp sets a visit's state and details,
an older one only fills what is still missing, and every upsert is guarded by ``site_id``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import Visit, Visitor

VISITS: Any = Visit.__table__
VISITORS: Any = Visitor.__table__


def insert_for(session: Session, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _newer(stmt: Any) -> Any:
    return stmt.excluded.state_hlc > VISITS.c.state_hlc


def visitor_upsert(session: Session) -> Any:
    vstmt = insert_for(session, VISITORS)
    set_: dict[str, Any] = {
        k: vstmt.excluded[k] for k in ("name", "phone", "company", "category", "phone_key")
    }
    later = VISITORS.c.last_visit_at.is_(None) | (
        vstmt.excluded.last_visit_at > VISITORS.c.last_visit_at
    )
    set_["last_visit_at"] = case(
        (later, vstmt.excluded.last_visit_at), else_=VISITORS.c.last_visit_at
    )
    return vstmt.on_conflict_do_update(
        index_elements=["id"], set_=set_, where=VISITORS.c.site_id == vstmt.excluded.site_id
    )


def checked_in_upsert(session: Session) -> Any:
    stmt = insert_for(session, VISITS)
    details = (
        "kiosk_id",
        "visitor_id",
        "host_id",
        "department_id",
        "purpose",
        "badge_code",
        "consent_version",
        "invitation_id",
        "created_at",
        "checked_in_at",
    )
    # the newer event's details stand; an older one (a watchlist match's ``visit.denied``
    # folded after the approval's ``visit.checked_in``) only fills what is still missing
    texts = {"kiosk_id", "purpose", "badge_code", "consent_version"}

    def kept(k: str) -> Any:
        have = func.nullif(VISITS.c[k], literal_column("''")) if k in texts else VISITS.c[k]
        return func.coalesce(have, stmt.excluded[k])

    set_: dict[str, Any] = {
        k: case((_newer(stmt), stmt.excluded[k]), else_=kept(k)) for k in details
    }
    set_["state"] = case((_newer(stmt), stmt.excluded.state), else_=VISITS.c.state)
    set_["state_hlc"] = case((_newer(stmt), stmt.excluded.state_hlc), else_=VISITS.c.state_hlc)
    return stmt.on_conflict_do_update(
        index_elements=["id"], set_=set_, where=VISITS.c.site_id == stmt.excluded.site_id
    )


def checked_out_upsert(session: Session) -> Any:
    stmt = insert_for(session, VISITS)
    set_: dict[str, Any] = {
        k: case((_newer(stmt), stmt.excluded[k]), else_=VISITS.c[k])
        for k in (
            "state",
            "checked_out_at",
            "auto_checked_out",
            "checkout_kiosk_id",
            "checkout_method",
            "state_hlc",
        )
    }
    return stmt.on_conflict_do_update(
        index_elements=["id"], set_=set_, where=VISITS.c.site_id == stmt.excluded.site_id
    )
