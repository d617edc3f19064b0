"""Head office's copies of the audit chains: verified, and searched for who saw a person.

Each kiosk's audit log arrives as ``audit.recorded`` events and is kept per kiosk in
``audit_entries`` (``reception.py``); head office's own entries (the retention purge, exports,
erasures, a department's steps through its ticket link) form one chain per site,
``head-office:<site>``. ``verify_chains`` walks every chain with the kiosks' own
check (``kiosk.core.reception.audit.verify_rows``), so an entry altered, removed or reordered
here or on the kiosk before it was pushed shows as a problem. ``who_saw`` answers the leak
question: every entry about a person (found by mobile number through the site's blind index)
and their visits, with who and when.

``kiosk-server audit verify [--site S]`` and ``kiosk-server audit who-saw SITE MOBILE``.
Must never: print a name or a number (entries hold pseudonymous ids only).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from kiosk.core.config.clock import iso
from kiosk.core.reception.audit import GENESIS, Verification, entry_hash, verify_rows
from kiosk.core.store.ids import new_id

from .identity import phone_indexer
from .models import Site, Visit, Visitor
from .reception import AuditEntry

#: the prefix of head office's own chain of a site (``kiosk_id`` column)
HEAD_OFFICE = "head-office:"


def hashed(entry: AuditEntry) -> Mapping[str, Any]:
    """The entry as the kiosk hashed it (times and details as their stored text)."""
    return {
        "seq": entry.seq,
        "id": entry.entry_id,
        "at": iso(entry.at),
        "site_id": entry.site_id,
        "kiosk_id": entry.kiosk_id,
        "actor": entry.actor,
        "role": entry.role,
        "action": entry.action,
        "subject_kind": entry.subject_kind,
        "subject_id": entry.subject_id,
        "fields": entry.fields,
        "reason": entry.reason,
        "details": json.dumps(entry.details, ensure_ascii=False, sort_keys=True),
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def record_entry(
    session: Session,
    *,
    site_id: str,
    now: datetime,
    action: str,
    subject_kind: str = "",
    subject_id: str = "",
    fields: str = "",
    reason: str = "",
    details: Mapping[str, str] | None = None,
    actor: str = "system",
) -> AuditEntry:
    """Append one entry to the site's head-office chain (``head-office:<site>``), hashed as a
    kiosk's entry is, in the session's transaction."""
    chain = f"{HEAD_OFFICE}{site_id}"
    # the site's row lock (the one the change feed's numbers take too) makes two writers of
    # one chain take turns; without it, on PostgreSQL both read the same last entry and the
    # second collided on the chain's next number (SQLite's writers already take turns)
    session.execute(select(Site.id).where(Site.id == site_id).with_for_update())
    last = session.scalars(
        select(AuditEntry).where(AuditEntry.kiosk_id == chain).order_by(AuditEntry.seq.desc())
    ).first()
    entry = AuditEntry(
        kiosk_id=chain,
        seq=(last.seq + 1) if last else 1,
        site_id=site_id,
        entry_id=new_id(),
        at=now,
        actor=actor,
        role="",
        action=action,
        subject_kind=subject_kind,
        subject_id=subject_id,
        fields=fields,
        reason=reason,
        details=dict(details or {}),
        prev_hash=last.hash if last else GENESIS,
        hash="",
    )
    entry.hash = entry_hash(hashed(entry))
    session.add(entry)
    session.flush()
    return entry


def verify_chains(session: Session, site_id: str | None = None) -> dict[str, Verification]:
    """Every chain (one per kiosk, one per site for head office), by its kiosk id."""
    query = select(AuditEntry).order_by(AuditEntry.kiosk_id, AuditEntry.seq)
    if site_id:
        query = query.where(AuditEntry.site_id == site_id)
    chains: dict[str, list[Mapping[str, Any]]] = {}
    for entry in session.scalars(query):
        chains.setdefault(entry.kiosk_id, []).append(hashed(entry))
    return {chain: verify_rows(rows) for chain, rows in chains.items()}


def who_saw(session: Session, site_id: str, mobile: str) -> list[AuditEntry]:
    """Every audit entry about the person with ``mobile`` at ``site_id`` or their visits, oldest
    first: reveals, corrections, decisions, exports."""
    key = phone_indexer(session, site_id)(mobile)
    if not key:
        return []
    people = set(
        session.scalars(
            select(Visitor.id).where(Visitor.site_id == site_id, Visitor.phone_key == key)
        )
    )
    people |= set(session.scalars(select(Visitor.id).where(Visitor.merged_into.in_(people))))
    if not people:
        return []
    visits = set(session.scalars(select(Visit.id).where(Visit.visitor_id.in_(people))))
    about = or_(
        and_(AuditEntry.subject_kind == "visitor", AuditEntry.subject_id.in_(people)),
        and_(AuditEntry.subject_kind == "visit", AuditEntry.subject_id.in_(visits)),
    )
    query = select(AuditEntry).where(AuditEntry.site_id == site_id, about)
    return list(session.scalars(query.order_by(AuditEntry.at, AuditEntry.kiosk_id)))


def add_parser(sub: Any) -> None:
    audit = sub.add_parser("audit", help="the audit chains of every kiosk and site")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="check every chain; exit 1 on any problem")
    verify.add_argument("--site", default="")
    saw = audit_sub.add_parser("who-saw", help="who saw, changed or exported a person's record")
    saw.add_argument("site")
    saw.add_argument("mobile")


def audit_command(sessions: Any, args: argparse.Namespace) -> int:
    with sessions() as session:
        if args.audit_command == "who-saw":
            for e in who_saw(session, args.site, args.mobile):
                print(
                    f"{iso(e.at)}  {e.kiosk_id}  {e.actor} ({e.role or '-'})  {e.action}  "
                    f"{e.subject_kind} {e.subject_id}  {e.fields}"
                )
            return 0
        results = verify_chains(session, args.site or None)
    bad = 0
    for chain, result in sorted(results.items()):
        if result.ok:
            print(f"{chain}: {result.entries} entries, chain intact")
            continue
        bad += 1
        print(f"{chain}: {result.entries} entries, {len(result.problems)} problems:")
        for problem in result.problems:
            print(f"  {problem}")
    return 1 if bad else 0
