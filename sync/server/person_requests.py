"""Requests from a person at head office: find by mobile number, export, erase.

A person is found by their mobile number through the site's blind index (``phone_key``;
``identity.phone_indexer``), never by a search of clear values: every visitor record of that
number at the site (and the records merged into it), their visits, corrections and the
invitations sent to that number. ``export_person`` gives it as JSON-ready values and
``export_csv`` one line per visit; each export is an audit entry (``personal.exported``).

``erase_person`` empties the same fields here as the retention purge does (visits stay, for
the counts), removes the feed's ``visitor.known`` entries of those records, appends
``visitor.erased`` to the site's feed and records the request (``erasures``). Each kiosk of the
site applies it at its next pull and answers ``visitor.erasure_confirmed`` (folded into
``erasure_confirmations``, ``erasure_fold.py``), so ``erasure_status`` says which kiosks have
done it.

Must never: log or print a name or a number; erase by anything but the blind index.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kiosk.core.config.clock import iso
from kiosk.core.events import VisitorErased
from kiosk.core.store.ids import new_id
from kiosk.core.store.personal import normalise_phone

from .audit_log import record_entry
from .changes import append_change
from .erasure_fold import Erasure, ErasureConfirmation
from .identity import phone_indexer
from .mail_models import InvitationMessage
from .models import Change, Event, Invitation, Kiosk, Site, Visit, Visitor
from .reception import VisitAnnotation


def visitor_ids(session: Session, site_id: str, mobile: str) -> list[str]:
    """The site's visitor records of ``mobile`` (and those merged into them), by blind index."""
    key = phone_indexer(session, site_id)(mobile)
    if not key:
        return []
    found = set(
        session.scalars(
            select(Visitor.id).where(Visitor.site_id == site_id, Visitor.phone_key == key)
        )
    )
    if found:
        found |= set(session.scalars(select(Visitor.id).where(Visitor.merged_into.in_(found))))
    return sorted(found)


def _invitations(session: Session, site_id: str, mobile: str) -> list[Invitation]:
    # invitations keep no index of their number: opened one by one (a site's handful)
    wanted = normalise_phone(mobile)
    rows = session.scalars(select(Invitation).where(Invitation.site_id == site_id))
    return [i for i in rows if i.phone and normalise_phone(i.phone) == wanted]


def export_person(
    session: Session, site: Site, mobile: str, *, by: str, now: datetime
) -> dict[str, Any]:
    """Everything held about the person at ``site``; audited as an export."""
    ids = visitor_ids(session, site.id, mobile)
    people = [session.get(Visitor, i) for i in ids]
    visits = list(session.scalars(select(Visit).where(Visit.visitor_id.in_(ids))))
    visit_ids = [v.id for v in visits]
    corrections = list(
        session.scalars(select(VisitAnnotation).where(VisitAnnotation.visit_id.in_(visit_ids)))
    )
    invitations = _invitations(session, site.id, mobile)
    record_entry(
        session,
        site_id=site.id,
        now=now,
        action="personal.exported",
        actor=by,
        subject_kind="visitor",
        subject_id=ids[0] if ids else "",
        fields="all",
        details={"visitors": str(len(ids)), "visits": str(len(visits))},
    )
    return {
        "site_id": site.id,
        "exported_at": iso(now),
        "visitors": [
            {
                "id": p.id,
                "name": p.name,
                "phone": p.phone,
                "company": p.company,
                "category": p.category,
            }
            for p in people
            if p is not None and p.merged_into is None  # a merged record holds nothing
        ],
        "visits": [
            {
                "id": v.id,
                "visitor_id": v.visitor_id,
                "purpose": v.purpose,
                "department_id": v.department_id,
                "host_id": v.host_id,
                "state": v.state,
                "checked_in_at": iso(v.checked_in_at) if v.checked_in_at else None,
                "checked_out_at": iso(v.checked_out_at) if v.checked_out_at else None,
                "kiosk_id": v.kiosk_id,
                "consent_version": v.consent_version,
            }
            for v in visits
        ],
        "corrections": [
            {
                "visit_id": c.visit_id,
                "field": c.field,
                "old_value": c.old_value,
                "new_value": c.new_value,
                "reason": c.reason,
                "at": iso(c.at),
            }
            for c in corrections
        ],
        "invitations": [
            {
                "id": i.id,
                "visitor_name": i.visitor_name,
                "phone": i.phone,
                "company": i.company,
                "valid_from": iso(i.valid_from) if i.valid_from else None,
                "state": i.state,
            }
            for i in invitations
        ],
    }


def export_csv(exported: dict[str, Any]) -> str:
    """One line per visit with the visitor's details (UTF-8 with BOM: spreadsheets)."""
    people = {p["id"]: p for p in exported["visitors"]}
    out = io.StringIO()
    out.write("\ufeff")
    columns = [
        "visit_id",
        "name",
        "phone",
        "company",
        "purpose",
        "department_id",
        "host_id",
        "state",
        "checked_in_at",
        "checked_out_at",
        "kiosk_id",
        "consent_version",
    ]
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for v in exported["visits"]:
        person = people.get(v["visitor_id"], {})
        writer.writerow(
            {
                **v,
                "visit_id": v["id"],
                **{k: person.get(k, "") for k in ("name", "phone", "company")},
            }
        )
    return out.getvalue()


def erase_person(
    session: Session, site: Site, mobile: str, *, by: str, now: datetime
) -> Erasure | None:
    """Erase the person at head office and tell the site's kiosks; None when none is held."""
    ids = visitor_ids(session, site.id, mobile)
    invitations = _invitations(session, site.id, mobile)
    if not ids and not invitations:
        return None
    for invitation in invitations:
        invitation.visitor_name = invitation.phone = invitation.company = ""
    session.execute(  # head office's messages to them: their address or number (issue 19)
        delete(InvitationMessage)
        .where(InvitationMessage.invitation_id.in_([i.id for i in invitations]))
        .execution_options(synchronize_session=False)
    )
    visits = [v.id for v in session.scalars(select(Visit).where(Visit.visitor_id.in_(ids)))]
    for person in session.scalars(select(Visitor).where(Visitor.id.in_(ids))):
        person.name = person.phone = person.company = person.phone_key = ""
    for c in session.scalars(select(VisitAnnotation).where(VisitAnnotation.visit_id.in_(visits))):
        c.old_value = c.new_value = c.reason = ""
    for event in session.scalars(select(Event).where(Event.entity_id.in_(visits))):
        event.payload = {}
    session.execute(
        delete(Change)
        .where(Change.site_id == site.id, Change.kind == "visitor.known", Change.entity_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    erasure = Erasure(
        id="er-" + new_id(), site_id=site.id, visitor_ids=ids, requested_at=now, requested_by=by
    )
    session.add(erasure)
    if ids:
        append_change(
            session,
            site_id=site.id,
            change=VisitorErased(
                erasure_id=erasure.id, site_id=site.id, visitor_ids=ids, requested_at=now
            ),
        )
    record_entry(
        session,
        site_id=site.id,
        now=now,
        action="personal.erased",
        actor=by,
        subject_kind="visitor",
        subject_id=ids[0] if ids else "",
        reason=erasure.id,
        details={"visitors": str(len(ids)), "invitations": str(len(invitations))},
    )
    return erasure


def erasure_status(session: Session, erasure_id: str) -> dict[str, Any] | None:
    """The erasure and which of its site's kiosks have confirmed it."""
    erasure = session.get(Erasure, erasure_id)
    if erasure is None:
        return None
    kiosks = session.scalars(
        select(Kiosk.id).where(
            Kiosk.site_id == erasure.site_id,
            Kiosk.revoked_at.is_(None),
            Kiosk.enrolled_at.is_not(None),
        )
    )
    done = {
        c.kiosk_id: c
        for c in session.scalars(
            select(ErasureConfirmation).where(ErasureConfirmation.erasure_id == erasure_id)
        )
    }
    return {
        "id": erasure.id,
        "site_id": erasure.site_id,
        "requested_at": iso(erasure.requested_at),
        "visitors": len(erasure.visitor_ids),
        "kiosks": {k: (iso(done[k].confirmed_at) if k in done else None) for k in kiosks},
    }
