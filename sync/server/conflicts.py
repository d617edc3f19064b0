"""Conflicts between what a site's kiosks did while apart: recorded, alerted, never overwritten.

Three kinds, each found when the events that make it are folded, whatever their arrival order:

- ``invitation_reused``: a single-use invitation used for two visits. The use that stands is
  the earliest by hybrid logical clock (``invitations.used_hlc``): a use that arrives late but
  is earlier takes the invitation over and the one it displaces is the flagged one;
- ``two_open_visits``: one person (same phone blind index, ``identity.py``) with two visits
  checked in and not out at one site; the later check-in by stamp is flagged;
- ``watchlist_at_checkin``: a kiosk let in someone who was on head office's watchlist at the
  check-in's time (the kiosk's copy was old); head office re-screens every pushed check-in
  against its list as of ``checked_in_at`` (entries keep ``created_at`` / ``deleted_at``).

A conflict's id is derived from what clashed (kind, site, subject, visits), so folding the
same events in any order writes the same rows; a second sight of one is a no-op. Each new
conflict raises head office's alert (``server_alerts.py``) and feeds ``conflict.recorded`` to
the site's kiosks, whose desk keeps the same alert (its id) and can acknowledge it.

Must never: change the flagged visit or undo a check-in (the desk decides), or compare rows of
two sites.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.core.events import ConflictRecorded
from kiosk.core.events.site import ConflictKind
from kiosk.core.store.personal import normalise_name, normalise_phone

from . import feed
from .changes import NewChange, append_changes
from .db import one_of
from .folding import AFTER_FOLD, FOLDERS, VISITS, Accepted, latest_per_entity
from .models import Conflict, Invitation, Kiosk, Visitor, WatchlistEntry
from .server_alerts import raise_server_alert

SEVERITY = {
    "invitation_reused": "warning",
    "two_open_visits": "warning",
    "watchlist_at_checkin": "critical",
}


def conflict_id(kind: str, site_id: str, *parts: str) -> str:
    """The id of a conflict: the same clash gives the same id on any server, in any order."""
    text = "\x1f".join((kind, site_id, *parts))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def record_conflict(
    session: Session,
    kiosk: Kiosk,
    *,
    kind: ConflictKind,
    subject_id: str,
    visit_id: str,
    other_visit_id: str | None,
    hlc: str,
    key: tuple[str, ...],
) -> bool:
    """Record one conflict with its alert and its change, once; True when it is new."""
    cid = conflict_id(kind, kiosk.site_id, *key)
    if session.get(Conflict, cid) is not None:
        return False
    now = datetime.now(UTC)
    alert_id = "c-" + cid
    session.add(
        Conflict(
            id=cid,
            site_id=kiosk.site_id,
            kind=kind,
            subject_id=subject_id,
            visit_id=visit_id,
            other_visit_id=other_visit_id,
            hlc=hlc,
            alert_id=alert_id,
            created_at=now,
        )
    )
    details = {"conflict_id": cid, "subject_id": subject_id, "visit_id": visit_id}
    if other_visit_id:
        details["other_visit_id"] = other_visit_id
    raise_server_alert(
        session,
        site_id=kiosk.site_id,
        kiosk_id=kiosk.id,
        kind=f"conflict.{kind}",
        details=details,
        alert_id=alert_id,
        visit_id=visit_id,
        severity=SEVERITY[kind],
    )
    session.flush()
    event = ConflictRecorded(
        conflict_id=cid,
        site_id=kiosk.site_id,
        conflict=kind,
        subject_id=subject_id,
        visit_id=visit_id,
        other_visit_id=other_visit_id,
        alert_id=alert_id,
        severity=SEVERITY[kind],  # type: ignore[arg-type]
        message_key=f"alert.conflict.{kind}",
        raised_at=now,
    )
    append_changes(session, site_id=kiosk.site_id, changes=[NewChange.of(event, hlc)])
    return True


# -- invitations -----------------------------------------------------------------------------
def fold_invitation_used(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    """Mark the invitation used by its earliest use (by stamp); every other use is a conflict."""
    changes = []
    for a in sorted(items, key=lambda a: a.hlc):
        inv = session.scalar(
            select(Invitation).where(
                Invitation.id == a.model.invitation_id, Invitation.site_id == kiosk.site_id
            )
        )
        if inv is None or inv.visit_id == a.model.visit_id:
            continue
        flagged, flagged_hlc = a.model.visit_id, a.hlc
        if inv.visit_id is None or (inv.used_hlc and a.hlc < inv.used_hlc):
            flagged, flagged_hlc = inv.visit_id, inv.used_hlc
            inv.state, inv.visit_id, inv.used_hlc = "used", a.model.visit_id, a.hlc
            inv.updated_at = datetime.now(UTC)
            session.flush()
            changes.append(NewChange.of(feed.invitation_upserted(inv), a.hlc))
        if flagged is not None:
            record_conflict(
                session,
                kiosk,
                kind="invitation_reused",
                subject_id=inv.id,
                visit_id=flagged,
                other_visit_id=None,
                hlc=flagged_hlc,
                key=(inv.id, flagged),
            )
    append_changes(session, site_id=kiosk.site_id, changes=changes)


# -- open visits and the watchlist, after every batch ----------------------------------------
def _check_ins(items: list[Accepted]) -> list[Accepted]:
    return latest_per_entity([a for a in items if a.event.kind == "visit.checked_in"])


def check_open_visits(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    """A person (phone key) with two open visits at the site: one conflict per pair. Three
    queries per batch, whatever its size."""
    batch = {a.event.entity_id for a in _check_ins(items)}
    if not batch:
        return
    mine = session.execute(
        select(Visitor.phone_key)
        .join(VISITS, Visitor.id == VISITS.c.visitor_id)
        .where(VISITS.c.site_id == kiosk.site_id, one_of(session, VISITS.c.id, sorted(batch)))
        .where(VISITS.c.state == "checked_in", Visitor.phone_key != "")
    ).scalars()
    keys = sorted(set(mine))
    if not keys:
        return
    open_visits: dict[str, list[tuple[str, str, str]]] = {}
    # by the visitors' index first: the site's open visits may be many
    people = {
        r.id: r.phone_key
        for r in session.execute(
            select(Visitor.id, Visitor.phone_key).where(
                Visitor.site_id == kiosk.site_id, one_of(session, Visitor.phone_key, keys)
            )
        )
    }
    for row in session.execute(
        select(VISITS.c.id, VISITS.c.state_hlc, VISITS.c.visitor_id).where(
            one_of(session, VISITS.c.visitor_id, sorted(people)),
            VISITS.c.state == "checked_in",
            VISITS.c.site_id == kiosk.site_id,
        )
    ):
        key = people[row.visitor_id]
        open_visits.setdefault(key, []).append((row.state_hlc, row.id, row.visitor_id))
    for visits in open_visits.values():
        visits.sort()
        for i, (_, first, _) in enumerate(visits):
            for later_hlc, later, visitor_id in visits[i + 1 :]:
                if first not in batch and later not in batch:
                    continue  # an older pair: recorded when the later one arrived
                record_conflict(
                    session,
                    kiosk,
                    kind="two_open_visits",
                    subject_id=visitor_id,
                    visit_id=later,
                    other_visit_id=first,
                    hlc=later_hlc,
                    key=tuple(sorted((first, later))),
                )


def listed_at(entries: list[WatchlistEntry], at: datetime, *, name: str, phone: str) -> str | None:
    """The entry (of ``entries``, by id) that listed this name or phone at ``at``, if any."""
    name_key = normalise_name(name) if name else ""
    phone_key = normalise_phone(phone) if phone else ""
    for e in entries:
        if e.created_at is not None and e.created_at > at:
            continue
        if e.deleted_at is not None and e.deleted_at <= at:
            continue
        if e.expires_at is not None and e.expires_at <= at:
            continue
        if (name_key and e.name and normalise_name(e.name) == name_key) or (
            phone_key and e.phone and normalise_phone(e.phone) == phone_key
        ):
            return e.id
    return None


def rescreen_check_ins(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    """Every check-in a kiosk let in, screened again against head office's list of its time."""
    from .reception import VisitDecision  # reception.py imports folding, which loads this

    check_ins = _check_ins(items)
    if not check_ins:
        return
    entries = list(  # once per batch: the site's entries, removed ones too (their history)
        session.scalars(
            select(WatchlistEntry)
            .where(WatchlistEntry.site_id.in_([kiosk.site_id, "*"]))
            .order_by(WatchlistEntry.id)
        )
    )
    if not entries:
        return
    decided = set(  # one query per batch, not a look-up per check-in
        session.scalars(
            select(VisitDecision.visit_id).where(
                one_of(session, VisitDecision.visit_id, [a.model.visit.id for a in check_ins])
            )
        )
    )
    for a in check_ins:
        v, p = a.model.visit, a.model.visitor
        if v.id in decided:
            continue  # a held visit the desk let in: screened by a person, not a conflict
        at = v.checked_in_at or a.event.occurred_at
        entry = listed_at(entries, at, name=p.name, phone=p.phone)
        if entry is not None:
            record_conflict(
                session,
                kiosk,
                kind="watchlist_at_checkin",
                subject_id=entry,
                visit_id=a.event.entity_id,
                other_visit_id=None,
                hlc=a.hlc,
                key=(a.event.entity_id,),
            )


FOLDERS["invitation.used"] = fold_invitation_used
AFTER_FOLD.extend([check_open_visits, rescreen_check_ins])
