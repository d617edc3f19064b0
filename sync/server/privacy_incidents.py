"""Privacy incidents at head office: what leaked, whose, who was told and when, what was done.

An incident is recorded with the audit extract attached: every entry about the people
concerned (found by mobile number through the blind index, ``audit_log.who_saw``), as the
chain holds them (hashes included, so the extract can be checked against the chain later).
Recording one is itself an audit entry (``privacy.incident``). Shown by
``GET /api/v1/sites/{site}/privacy-incidents`` and ``kiosk-server incident list SITE``.

Must never: hold a person's name or number (the people are the visitor ids found).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field
from sqlalchemy import JSON, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kiosk.core.config.clock import iso
from kiosk.core.store.ids import new_id

from .api.admin_common import ADMIN_RESPONSES, NOT_FOUND, PathId, get_site
from .api.deps import CurrentAdmin, SessionDep
from .api.schemas import _In
from .audit_log import hashed, record_entry, who_saw
from .models import Base
from .person_requests import visitor_ids

router = APIRouter(tags=["admin"], responses=ADMIN_RESPONSES)


class PrivacyIncident(Base):
    __tablename__ = "privacy_incidents"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(64))
    #: what data (free text: "visitors' mobile numbers on a printed list")
    what: Mapped[str] = mapped_column(Text)
    #: whose: the visitor ids found (never names)
    visitor_ids: Mapped[list[str]] = mapped_column(JSON)
    #: who was told (the regulator, the people concerned …) and when
    told: Mapped[str] = mapped_column(Text, default="")
    told_at: Mapped[datetime | None]
    actions: Mapped[str] = mapped_column(Text, default="")
    audit_extract: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class IncidentIn(_In):
    what: Annotated[str, Field(min_length=1, max_length=2000)]
    mobiles: Annotated[list[Annotated[str, Field(max_length=32)]], Field(max_length=100)] = []
    told: Annotated[str, Field(max_length=2000)] = ""
    told_at: datetime | None = None
    actions: Annotated[str, Field(max_length=4000)] = ""


def record_incident(
    session: Session, site_id: str, body: IncidentIn, *, by: str, now: datetime
) -> PrivacyIncident:
    """Record the incident with its audit extract, and audit the record."""
    ids: list[str] = []
    extract: list[dict[str, Any]] = []
    for mobile in body.mobiles:
        ids += visitor_ids(session, site_id, mobile)
        extract += [dict(hashed(e)) for e in who_saw(session, site_id, mobile)]
    incident = PrivacyIncident(
        id="pi-" + new_id(),
        site_id=site_id,
        recorded_at=now,
        recorded_by=by,
        what=body.what,
        visitor_ids=sorted(set(ids)),
        told=body.told,
        told_at=body.told_at,
        actions=body.actions,
        audit_extract=extract,
    )
    session.add(incident)
    record_entry(
        session,
        site_id=site_id,
        now=now,
        action="privacy.incident",
        actor=by,
        subject_kind="incident",
        subject_id=incident.id,
        details={"visitors": str(len(incident.visitor_ids)), "entries": str(len(extract))},
    )
    return incident


def incident_view(i: PrivacyIncident) -> dict[str, Any]:
    return {
        "id": i.id,
        "site_id": i.site_id,
        "recorded_at": iso(i.recorded_at),
        "recorded_by": i.recorded_by,
        "what": i.what,
        "visitor_ids": i.visitor_ids,
        "told": i.told,
        "told_at": iso(i.told_at) if i.told_at else None,
        "actions": i.actions,
        "audit_extract": i.audit_extract,
    }


def site_incidents(session: Session, site_id: str) -> list[PrivacyIncident]:
    query = select(PrivacyIncident).where(PrivacyIncident.site_id == site_id)
    return list(session.scalars(query.order_by(PrivacyIncident.recorded_at)))


@router.post("/sites/{site_id}/privacy-incidents", responses=NOT_FOUND, status_code=201)
def post_incident(
    site_id: PathId, body: IncidentIn, admin: CurrentAdmin, session: SessionDep
) -> dict[str, Any]:
    """Record a privacy incident of the site, the audit extract of the people attached."""
    with session.begin():
        get_site(session, site_id)
        incident = record_incident(
            session, site_id, body, by=f"admin:{admin.id}", now=datetime.now(UTC)
        )
        return incident_view(incident)


@router.get("/sites/{site_id}/privacy-incidents", responses=NOT_FOUND)
def get_incidents(site_id: PathId, _: CurrentAdmin, session: SessionDep) -> list[dict[str, Any]]:
    """The site's privacy incidents, oldest first."""
    with session.begin():
        get_site(session, site_id)
        return [incident_view(i) for i in site_incidents(session, site_id)]


def add_parser(sub: Any) -> None:
    incident = sub.add_parser("incident", help="privacy incidents: record, list")
    incident_sub = incident.add_subparsers(dest="incident_command", required=True)
    record = incident_sub.add_parser("record", help="record an incident with its audit extract")
    record.add_argument("site")
    record.add_argument("--what", required=True, help="what data")
    record.add_argument("--mobile", action="append", default=[], help="a person concerned")
    record.add_argument("--told", default="", help="who was told")
    record.add_argument("--told-at", default=None, help="when (ISO 8601)")
    record.add_argument("--actions", default="", help="what was done")
    listing = incident_sub.add_parser("list", help="the site's incidents as JSON")
    listing.add_argument("site")


def incident_command(sessions: Any, args: argparse.Namespace) -> int:
    with sessions() as session, session.begin():
        get_site(session, args.site)
        if args.incident_command == "list":
            views = [incident_view(i) for i in site_incidents(session, args.site)]
            print(json.dumps(views, ensure_ascii=False, indent=2))
            return 0
        body = IncidentIn(
            what=args.what,
            mobiles=args.mobile,
            told=args.told,
            told_at=datetime.fromisoformat(args.told_at) if args.told_at else None,
            actions=args.actions,
        )
        incident = record_incident(session, args.site, body, by="cli", now=datetime.now(UTC))
        print(f"incident {incident.id}: {len(incident.audit_extract)} audit entries attached")
    return 0
