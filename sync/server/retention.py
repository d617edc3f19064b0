"""Retention at head office: each site's personal data kept its period, then anonymised.

The period is the site's ``checkin.retention_days`` (``PUT /api/v1/sites/{site}/settings``,
which also reaches the site's kiosks as ``site.settings``), 30 days when unset. ``purge_site``
empties visitors' names, numbers and companies (and their blind index) once their last visit is
older than the period, invitations whose validity ended, corrections, the payloads of events and
alerts from before it, and the personal fields of tickets raised before it and since resolved,
confirmed or closed (``kiosk/core/tickets/anonymise.py``, as on the kiosk); visits keep their
purpose, department, host, kiosk and times, so reports give the same totals afterwards;
pull-feed entries that name a visitor (``visitor.known``, ended invitations) are removed (the
pull route hands out the visitor directory for the same period, so nothing past it reaches a
kiosk between two purges: ``visitor_directory``). Each
purge that changed something is an entry (``privacy.purge``, with its counts) of the site's
head-office audit chain (``audit_entries`` under ``kiosk_id`` ``head-office:<site>``, hashed as
the kiosks' entries are).

``kiosk-server purge`` runs it for every site (a daily timer, ``deploy/``); ``now`` is injected.
Must never: delete a visit or an event row (their counts are the statistics).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from kiosk.core.config.clock import iso
from kiosk.core.tickets import anonymise
from kiosk.core.tickets.model import DONE

from .audit_log import record_entry
from .mail_models import InvitationMessage
from .models import Alert, Change, Event, Invitation, Site, Visitor
from .reception import VisitAnnotation
from .tickets import TicketEntryRow, TicketRow

DEFAULT_DAYS = 30


@dataclass(frozen=True, slots=True)
class SitePurge:
    visitors: int = 0
    invitations: int = 0
    corrections: int = 0
    events: int = 0
    changes: int = 0
    alerts: int = 0
    tickets: int = 0
    #: head office's messages to invited guests (their addresses), once done with
    invitation_mails: int = 0

    @property
    def total(self) -> int:
        return sum(asdict(self).values())


def site_retention_days(site: Site) -> int:
    return retention_days(site.settings)


def retention_days(settings: dict[str, Any] | None) -> int:
    """The period of a site's settings document (``DEFAULT_DAYS`` when it sets none)."""
    checkin = (settings or {}).get("checkin", {})
    days = checkin.get("retention_days") if isinstance(checkin, dict) else None
    return (
        days if isinstance(days, int) and not isinstance(days, bool) and days > 0 else DEFAULT_DAYS
    )


def purge_site(session: Session, site: Site, now: datetime) -> SitePurge:
    """Anonymise ``site``'s personal data older than its period, in the session's transaction."""
    cutoff = now - timedelta(days=site_retention_days(site))
    sid = site.id

    def changed(statement: Any) -> int:
        return _rowcount(session, statement)

    counts = SitePurge(
        visitors=changed(
            update(Visitor)
            .where(
                Visitor.site_id == sid,
                Visitor.last_visit_at < cutoff,
                or_(Visitor.name != "", Visitor.phone != "", Visitor.phone_key != ""),
            )
            .values(name="", phone="", company="", phone_key="")
        ),
        invitations=changed(
            update(Invitation)
            .where(
                Invitation.site_id == sid,
                or_(Invitation.valid_until < cutoff, Invitation.updated_at < cutoff),
                or_(Invitation.visitor_name != "", Invitation.phone != ""),
            )
            .values(visitor_name="", phone="", company="")
        ),
        corrections=changed(
            update(VisitAnnotation)
            .where(
                VisitAnnotation.site_id == sid,
                VisitAnnotation.at < cutoff,
                VisitAnnotation.reason != "",
            )
            .values(old_value="", new_value="", reason="")
        ),
        events=_empty_payloads(session, Event, sid, Event.occurred_at < cutoff),
        changes=_forget_changes(session, sid, cutoff),
        alerts=_empty_details(session, sid, cutoff),
        tickets=_anonymise_tickets(session, sid, cutoff),
        invitation_mails=_rowcount(
            session,
            delete(InvitationMessage).where(
                InvitationMessage.site_id == sid,
                InvitationMessage.created_at < cutoff,
                InvitationMessage.state != "queued",
            ),
        ),
    )
    if counts.total:
        record_entry(
            session,
            site_id=sid,
            now=now,
            action="privacy.purge",
            subject_kind="site",
            subject_id=sid,
            reason=f"retention: before {iso(cutoff)}",
            details={k: str(v) for k, v in asdict(counts).items()},
        )
    return counts


def purge_all(session: Session, now: datetime) -> dict[str, SitePurge]:
    """Every site's purge (one transaction each is the caller's choice: here, the session's)."""
    return {site.id: purge_site(session, site, now) for site in session.scalars(select(Site))}


def _empty_payloads(session: Session, model: Any, site_id: str, older: Any) -> int:
    # a sealed payload cannot be compared in SQL: the rows are read, and only non-empty ones
    # written back
    count = 0
    for row in session.scalars(select(model).where(model.site_id == site_id, older)):
        if row.payload:
            row.payload = {}
            count += 1
    session.flush()
    return count


def purge_command(sessions: Any) -> int:
    """``kiosk-server purge``: every site's purge now, one line of counts per site."""
    with sessions() as session, session.begin():
        done = purge_all(session, datetime.now(UTC))
    for site_id, counts in sorted(done.items()):
        print(f"{site_id}: " + ", ".join(f"{k} {v}" for k, v in asdict(counts).items()))
    return 0


def _forget_changes(session: Session, site_id: str, cutoff: datetime) -> int:
    """Feed entries that name a visitor from before ``cutoff``: ``visitor.known``, and
    ``invitation.upserted`` of invitations now anonymised. Removed, not emptied: a kiosk that
    pulls from an older cursor must not get a change it cannot read (a cursor skips gaps)."""
    ended = select(Invitation.id).where(Invitation.site_id == site_id, Invitation.phone == "")
    ended = ended.where(Invitation.visitor_name == "")
    statement = delete(Change).where(
        Change.site_id == site_id,
        Change.created_at < cutoff,
        or_(
            Change.kind == "visitor.known",
            (Change.kind == "invitation.upserted") & Change.entity_id.in_(ended),
        ),
    )
    return _rowcount(session, statement)


def _rowcount(session: Session, statement: Any) -> int:
    result: Any = session.execute(statement.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


def _empty_details(session: Session, site_id: str, cutoff: datetime) -> int:
    count = 0
    older = select(Alert).where(Alert.site_id == site_id, Alert.raised_at < cutoff)
    for row in session.scalars(older):
        if row.details:
            row.details = {}
            count += 1
    session.flush()
    return count


def _anonymise_tickets(session: Session, site_id: str, cutoff: datetime) -> int:
    """Done tickets raised before ``cutoff``: the raised record's and every entry's personal
    fields emptied (sealed: read, and only changed ones written back); how many held any."""
    count = 0
    done = select(TicketRow).where(
        TicketRow.site_id == site_id, TicketRow.raised_at < cutoff, TicketRow.status.in_(DONE)
    )
    for row in session.scalars(done):
        changed = False
        if (after := anonymise.raised(row.raised)) != row.raised:
            row.raised, changed = after, True
        entries = select(TicketEntryRow).where(
            TicketEntryRow.site_id == site_id, TicketEntryRow.ticket_id == row.id
        )
        for e in session.scalars(entries):
            if (cleared := anonymise.entry(e.entry)) != e.entry:
                e.entry, changed = cleared, True
        count += changed
    session.flush()
    return count
