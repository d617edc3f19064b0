"""Head office's side of receptionist mode: staff accounts, and the folds of the desk's events.

Staff are managed here (``kiosk-server staff add``, ``POST /api/v1/sites/{site}/staff``) or on
a kiosk (``staff.changed``); either way the row lands in ``staff`` and the site's feed gets
``staff.upserted`` (PIN hash only: the PIN is hashed here with the site's ``staff-pin`` key,
``kiosk.core.reception.pins``), so a receptionist's PIN works at every entrance. A kiosk's own
change is not fed back to it.

Folds (registered in ``folding.FOLDERS``; order-free like the visit folds): ``audit.recorded``
into ``audit_entries`` (one row per kiosk and seq, so head office holds each kiosk's chain and
can verify it), ``visit.annotated`` into ``visit_annotations`` (and the corrected value onto
the visit or visitor), ``visit.decided`` into ``visit_decisions`` (the first decision by
hybrid logical clock stands; a denial that stands keeps the visit denied whatever approval
folds after it), ``visit.cancelled`` onto ``visits.state`` (newest stamp wins),
``badge.reprinted`` into ``badge_reprints``, ``desk.status_changed`` into ``desk_status``.
``alert.acknowledged`` folds into head office's alerts table (w-evsrv's module).

Must never: store or log a PIN; fold an event into another site's rows.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, get_args

from sqlalchemy import Boolean, Integer, String, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from kiosk.core.config.errors import ConfigError, NotFoundError, ValidationError
from kiosk.core.events import StaffUpserted
from kiosk.core.events.reception import Role
from kiosk.core.keys.hierarchy import KeyPurpose
from kiosk.core.reception.pins import hash_pin

from .changes import NewChange, append_changes
from .db import one_of
from .folding import FOLDERS, Accepted, fold_checked_in
from .keys import current_key
from .models import Base, Kiosk, Site, Visit, Visitor
from .sealing import SealedText

ROLES: tuple[str, ...] = get_args(Role)


class StaffAccount(Base):
    __tablename__ = "staff"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    pin_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(64), default="")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]
    hlc: Mapped[str] = mapped_column(String(64), default="")


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    entry_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32), default="")
    action: Mapped[str] = mapped_column(String(64))
    subject_kind: Mapped[str] = mapped_column(String(64), default="")
    subject_id: Mapped[str] = mapped_column(String(64), default="")
    fields: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    details: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class VisitAnnotation(Base):
    __tablename__ = "visit_annotations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    visit_id: Mapped[str] = mapped_column(String(64), index=True)
    field: Mapped[str] = mapped_column(String(16))
    old_value: Mapped[str] = mapped_column(SealedText("visit_annotations", "old_value"))
    new_value: Mapped[str] = mapped_column(SealedText("visit_annotations", "new_value"))
    reason: Mapped[str] = mapped_column(SealedText("visit_annotations", "reason"))
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    hlc: Mapped[str] = mapped_column(String(64), default="")


class VisitDecision(Base):
    __tablename__ = "visit_decisions"
    visit_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), default="")
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))
    by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime]
    hlc: Mapped[str] = mapped_column(String(64), default="")


class BadgeReprint(Base):
    __tablename__ = "badge_reprints"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    visit_id: Mapped[str] = mapped_column(String(64), index=True)
    copy: Mapped[int] = mapped_column(Integer)
    by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime]


class DeskStatus(Base):
    __tablename__ = "desk_status"
    site_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), default="")
    unattended: Mapped[bool] = mapped_column(Boolean, default=False)
    return_at: Mapped[datetime | None]
    backup_contact: Mapped[str] = mapped_column(String(200), default="")
    by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime]
    hlc: Mapped[str] = mapped_column(String(64), default="")


def _insert(session: Session, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _add_new(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert rows whose key is not there yet ("already have it" is success)."""
    if rows:
        session.execute(_insert(session, model.__table__).on_conflict_do_nothing(), rows)


# -- staff ----------------------------------------------------------------------------------
def _feed_staff(session: Session, row: StaffAccount, *, origin: str | None = None) -> None:
    change = StaffUpserted(
        staff_id=row.id,
        site_id=row.site_id,
        name=row.name,
        role=row.role,  # type: ignore[arg-type]
        pin_hash=row.pin_hash,
        language=row.language,
        disabled=row.disabled,
        updated_at=row.updated_at,
    )
    append_changes(
        session,
        site_id=row.site_id,
        changes=[NewChange(change.kind, row.id, change.payload(), origin_kiosk_id=origin)],
    )


def add_staff(
    session: Session, *, site_id: str, name: str, role: str, pin: str, language: str = ""
) -> StaffAccount:
    """A staff account for every kiosk of ``site_id``; ``ValidationError`` for a bad role or
    PIN, ``NotFoundError`` for an unknown site, ``ConfigError`` without a master secret."""
    if session.get(Site, site_id) is None:
        raise NotFoundError(f"no site {site_id!r}")
    if role not in ROLES:
        raise ValidationError(f"role is one of {', '.join(ROLES)}", field="role")
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationError("a name of 1 to 200 characters", field="name")
    key = current_key(session, site_id, KeyPurpose.STAFF_PIN)
    if key is None:
        raise ConfigError("no master secret: run kiosk-server migrate first")
    row = StaffAccount(
        id=f"st-{uuid.uuid4().hex[:16]}",
        site_id=site_id,
        name=name,
        role=role,
        pin_hash=hash_pin(pin, key.key),
        language=language,
        disabled=False,
        updated_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    _feed_staff(session, row)
    return row


def site_staff(session: Session, site_id: str) -> list[StaffAccount]:
    return list(
        session.scalars(
            select(StaffAccount).where(StaffAccount.site_id == site_id).order_by(StaffAccount.name)
        )
    )


def fold_staff_changed(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    for a in sorted(items, key=lambda a: a.hlc):
        m = a.model
        row = session.get(StaffAccount, m.staff_id)
        if row is not None and (row.site_id != kiosk.site_id or row.hlc >= a.hlc):
            continue  # another site's id, or an older change than the one kept
        if row is None:
            row = StaffAccount(id=m.staff_id, site_id=kiosk.site_id)
            session.add(row)
        row.name, row.role, row.pin_hash = m.name, m.role, m.pin_hash
        row.language, row.disabled = m.language, m.disabled
        row.updated_at, row.hlc = m.changed_at, a.hlc
        session.flush()
        _feed_staff(session, row, origin=kiosk.id)


# -- the desk's records ---------------------------------------------------------------------
def fold_audit(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    rows = [
        {
            "kiosk_id": kiosk.id,
            "seq": m.seq,
            "site_id": kiosk.site_id,
            "entry_id": m.entry_id,
            "at": m.at,
            "actor": m.actor,
            "role": m.role,
            "action": m.action,
            "subject_kind": m.subject_kind,
            "subject_id": m.subject_id,
            "fields": m.fields,
            "reason": m.reason,
            "details": dict(m.details),
            "prev_hash": m.prev_hash,
            "hash": m.hash,
        }
        for m in (a.model for a in items)
    ]
    _add_new(session, AuditEntry, rows)


def fold_annotated(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    for a in sorted(items, key=lambda a: a.hlc):
        m = a.model
        if session.get(VisitAnnotation, m.annotation_id) is not None:
            continue
        session.add(
            VisitAnnotation(
                id=m.annotation_id,
                site_id=kiosk.site_id,
                visit_id=m.visit_id,
                field=m.field,
                old_value=m.old_value,
                new_value=m.new_value,
                reason=m.reason,
                by=m.by,
                at=m.at,
                hlc=a.hlc,
            )
        )
        visit = session.get(Visit, m.visit_id)
        if visit is None or visit.site_id != kiosk.site_id:
            continue  # the annotation is kept; the visit's check-in has not arrived yet
        if m.field in ("name", "company") and visit.visitor_id:
            session.execute(
                update(Visitor)
                .where(Visitor.id == visit.visitor_id, Visitor.site_id == kiosk.site_id)
                .values({m.field: m.new_value})
            )
        elif m.field == "purpose":
            visit.purpose = m.new_value
        elif m.field == "host_id":
            visit.host_id = m.new_value
    session.flush()


def fold_decided(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    for a in items:
        m = a.model
        row = session.get(VisitDecision, m.visit_id)
        if row is not None and (row.site_id != kiosk.site_id or row.hlc <= a.hlc):
            continue  # the first decision stands
        if row is None:
            row = VisitDecision(visit_id=m.visit_id, site_id=kiosk.site_id)
            session.add(row)
        row.kiosk_id, row.decision, row.reason = m.kiosk_id or kiosk.id, m.decision, m.reason
        row.by, row.decided_at, row.hlc = m.by, m.decided_at, a.hlc
    session.flush()
    _deny_where_denial_stands(session, kiosk, [a.model.visit_id for a in items])


def fold_checked_in_held(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    """``visit.checked_in``, then a held visit whose denial came first stays denied (a second
    kiosk's approval checks it in at head office only if no earlier denial stands)."""
    fold_checked_in(session, kiosk, items)
    _deny_where_denial_stands(session, kiosk, [a.event.entity_id for a in items])


def _deny_where_denial_stands(session: Session, kiosk: Kiosk, visit_ids: list[str]) -> None:
    denied = select(VisitDecision.visit_id).where(
        one_of(session, VisitDecision.visit_id, visit_ids),
        VisitDecision.site_id == kiosk.site_id,
        VisitDecision.decision == "denied",
    )
    session.execute(
        update(Visit)
        .where(Visit.id.in_(denied), Visit.site_id == kiosk.site_id, Visit.state == "checked_in")
        .values(state="denied")
    )


def fold_cancelled(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    for a in items:
        session.execute(
            update(Visit)
            .where(
                Visit.id == a.model.visit_id,
                Visit.site_id == kiosk.site_id,
                Visit.state_hlc < a.hlc,
            )
            .values(state="cancelled", state_hlc=a.hlc)
        )


def fold_reprinted(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    rows = [
        {
            "id": m.reprint_id,
            "site_id": kiosk.site_id,
            "visit_id": m.visit_id,
            "copy": m.copy_number,
            "by": m.by,
            "requested_at": m.requested_at,
        }
        for m in (a.model for a in items)
    ]
    _add_new(session, BadgeReprint, rows)


def fold_desk(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    latest = max(items, key=lambda a: a.hlc)
    m = latest.model
    row = session.get(DeskStatus, kiosk.site_id)
    if row is not None and row.hlc >= latest.hlc:
        return
    if row is None:
        row = DeskStatus(site_id=kiosk.site_id)
        session.add(row)
    row.kiosk_id, row.unattended, row.return_at = kiosk.id, m.unattended, m.return_at
    row.backup_contact, row.by, row.changed_at, row.hlc = (
        m.backup_contact,
        m.by,
        m.changed_at,
        latest.hlc,
    )
    session.flush()


def register() -> None:
    FOLDERS.update(
        {
            "staff.changed": fold_staff_changed,
            "audit.recorded": fold_audit,
            "visit.annotated": fold_annotated,
            "visit.decided": fold_decided,
            "visit.checked_in": fold_checked_in_held,
            "visit.cancelled": fold_cancelled,
            "badge.reprinted": fold_reprinted,
            "desk.status_changed": fold_desk,
        }
    )


register()
