"""Head office's own audit chain: every dashboard login (and failed one), logout, view and
export of personal data, and change made in the browser.

The entries go into ``audit_entries`` beside the kiosks' chains, under the chain id
``head-office``, hashed exactly as a kiosk hashes its own (``kiosk.core.reception.audit``):
``verify`` walks it with the kiosk's ``verify_rows``. Actors are pseudonymous (``hq-<id>``;
``anonymous`` for a failed login, whose tried name is never written).

Must never: update or delete an entry, or write personal data into one (ids and counts only).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from kiosk.core.config.clock import iso
from kiosk.core.reception.audit import GENESIS, Verification, entry_hash, verify_rows

from ..db import is_postgresql
from ..reception import AuditEntry

if TYPE_CHECKING:
    from .accounts import Viewer

CHAIN = "head-office"
#: the advisory lock that orders appends on PostgreSQL (any constant of our own)
_LOCK_KEY = 0x4C4F42_4259


def record(
    session: Session,
    *,
    actor: str,
    role: str,
    action: str,
    now: datetime,
    site_id: str = "",
    subject_kind: str = "",
    subject_id: str = "",
    fields: str = "",
    details: Mapping[str, str] | None = None,
) -> None:
    """Append one entry in the session's transaction. Appends are serialised: on SQLite by
    the write transaction itself, on PostgreSQL by a transaction-scoped advisory lock, so two
    requests never take the same ``seq``."""
    if is_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    last = session.scalar(
        select(AuditEntry).where(AuditEntry.kiosk_id == CHAIN).order_by(AuditEntry.seq.desc())
    )
    values: dict[str, Any] = {
        "seq": (last.seq + 1) if last else 1,
        "id": uuid.uuid4().hex,
        "at": iso(now),
        "site_id": site_id,
        "kiosk_id": CHAIN,
        "actor": actor,
        "role": role,
        "action": action,
        "subject_kind": subject_kind,
        "subject_id": subject_id[:64],
        "fields": fields,
        "reason": "",
        "details": _details_text(details or {}),
        "prev_hash": last.hash if last else GENESIS,
    }
    values["hash"] = entry_hash(values)
    session.add(
        AuditEntry(
            kiosk_id=CHAIN,
            seq=values["seq"],
            site_id=site_id,
            entry_id=values["id"],
            at=now,
            actor=actor,
            role=role,
            action=action,
            subject_kind=subject_kind,
            subject_id=values["subject_id"],
            fields=fields,
            reason="",
            details=dict(details or {}),
            prev_hash=values["prev_hash"],
            hash=values["hash"],
        )
    )
    session.flush()


def by(
    session: Session,
    viewer: Viewer,
    action: str,
    *,
    now: datetime | None = None,
    site_id: str = "",
    subject_kind: str = "",
    subject_id: str = "",
    fields: str = "",
    details: Mapping[str, str] | None = None,
) -> None:
    """``record`` what a signed-in dashboard user did: the entry names the viewer's
    pseudonymous actor and role; ``now`` defaults to the present (pass it where the page uses
    the same moment for its own rows)."""
    record(
        session,
        actor=viewer.actor,
        role=viewer.role,
        action=action,
        now=now or datetime.now(UTC),
        site_id=site_id,
        subject_kind=subject_kind,
        subject_id=subject_id,
        fields=fields,
        details=details,
    )


def _details_text(details: Mapping[str, Any]) -> str:
    return json.dumps(dict(details), ensure_ascii=False, sort_keys=True)


def _as_hashed(row: AuditEntry) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "id": row.entry_id,
        "at": iso(row.at),
        "site_id": row.site_id,
        "kiosk_id": row.kiosk_id,
        "actor": row.actor,
        "role": row.role,
        "action": row.action,
        "subject_kind": row.subject_kind,
        "subject_id": row.subject_id,
        "fields": row.fields,
        "reason": row.reason,
        "details": _details_text(row.details or {}),
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


def verify(session: Session, chain: str = CHAIN) -> Verification:
    """Walk one chain held at head office (this one, or a kiosk's copy)."""
    rows = session.scalars(
        select(AuditEntry).where(AuditEntry.kiosk_id == chain).order_by(AuditEntry.seq)
    )
    return verify_rows([_as_hashed(r) for r in rows])


def chains(session: Session) -> list[tuple[str, int]]:
    """Every chain head office holds, with its length."""
    query = (
        select(AuditEntry.kiosk_id, func.count())
        .group_by(AuditEntry.kiosk_id)
        .order_by(AuditEntry.kiosk_id)
    )
    return [(str(k), int(n)) for k, n in session.execute(query)]


def entries(
    session: Session, *, chain: str = "", action: str = "", before: int = 0, limit: int = 100
) -> list[AuditEntry]:
    """Newest first; ``before`` a seq, for the next page of one chain."""
    query = select(AuditEntry)
    if chain:
        query = query.where(AuditEntry.kiosk_id == chain)
        if before:
            query = query.where(AuditEntry.seq < before)
    if action:
        query = query.where(AuditEntry.action == action)
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.seq.desc()).limit(limit)
    return list(session.scalars(query))
