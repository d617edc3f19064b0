"""Push: store each event once, fold it into the site's tables, feed the site's other kiosks.

The fold is order-free: a visit's state is set by the event with the highest hybrid logical
clock stamp (ties impossible: stamps carry the kiosk's node), details from a check-in fill the
row whenever they arrive. So a check-out that arrives before its check-in, or a re-sent batch,
gives the same row as the tidy order. Every upsert is guarded by ``site_id``: a kiosk can never
touch another site's rows even by guessing an id.

Events of kinds this server does not know are stored and acknowledged (kiosks newer than the
server must not jam), but not folded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kiosk.core.config.errors import ValidationError
from kiosk.core.events import Event as TypedEvent
from kiosk.core.events import event_class, parse_event
from kiosk.core.store.hlc import is_stamp

from ..protocol import EventIn, PushOut, RejectedEvent
from . import identity, push_guards, server_clock
from .changes import SERVER_HLC, NewChange, append_changes, holding, take_held
from .db import bulk_insert, executemany, is_postgresql, one_of
from .erasure_guard import erased_before
from .models import Event, Kiosk, Visit, Visitor
from .sealing import remembering
from .server_alerts import raise_server_alert
from .visit_upserts import checked_in_upsert, checked_out_upsert, insert_for, visitor_upsert

# Core tables, not ORM entities: bulk statements skip the ORM's per-row bookkeeping
EVENTS: Any = Event.__table__
VISITS: Any = Visit.__table__
VISITORS: Any = Visitor.__table__

#: a stamp's physical part has 13 digits (kiosk/core/store/hlc.py)
_STAMP_MS_LIMIT = 10**13
#: visit event kinds the site's other kiosks receive through pull (``visit.decided``: a held
#: visit's decision, so the kiosk that decided second sees the first one; ``badge.*``: the
#: desk console's board shows the badge status of the lobby kiosks' visitors; ``ticket.*``:
#: a site's tickets are one list on every kiosk)
FED_KINDS = frozenset(
    {
        *("visit.checked_in", "visit.denied", "visit.checked_out", "visit.decided"),
        *("badge.printed", "badge.failed"),
        *("ticket.raised", "ticket.updated"),
        # the desk's console may be another kiosk than the one the courier used (desk_work.py)
        *("parcel.received", "parcel.collected", "visit.rated"),
    }
)


@dataclass(frozen=True, slots=True)
class Accepted:
    event: EventIn
    hlc: str
    #: the typed payload (None for a kind this server does not know: stored, not folded)
    model: Any = None


Folder = Callable[[Session, Kiosk, list[Accepted]], None]
#: run after every batch's folds with all its new events: checks across kinds and rows
#: (``conflicts.py``, ``identity.py`` add theirs)
AFTER_FOLD: list[Folder] = []


def claimed_site(event: EventIn) -> str | None:
    """The site an event says it belongs to (None when it names none)."""
    p = event.payload
    visit = p.get("visit")
    if isinstance(visit, dict) and "site_id" in visit:
        return str(visit["site_id"])
    if "site_id" in p:
        return str(p["site_id"])
    return None


def _parsed(event: EventIn, kiosk: Kiosk) -> tuple[str | None, TypedEvent | None]:
    """(problem, typed event): a known kind must parse (kiosk.core.events), name its entity
    and, when it names a site, this kiosk's; an unknown kind is stored unparsed."""
    if event.hlc and not is_stamp(event.hlc):
        return "malformed hlc stamp", None
    if not event.hlc and event.occurred_at.timestamp() * 1000 >= _STAMP_MS_LIMIT:
        return "occurred_at is later than a stamp can represent", None
    if event_class(event.kind) is None:
        site = claimed_site(event)
        if site is not None and site != kiosk.site_id:
            return _other_site(site, kiosk), None
        return None, None
    try:
        model = parse_event(event.kind, event.payload)
    except ValidationError as e:
        return str(e.detail or e), None
    site = model.claimed_site
    if site is not None and site != kiosk.site_id:
        return _other_site(site, kiosk), None
    if model.entity_id != event.entity_id:
        return "payload names another entity than entity_id", None
    return None, model


def _observe(session: Session, kiosk: Kiosk, stamp: str) -> None:
    """Observe the batch's latest stamp, within the skew bound (``server_clock.py``)."""
    ahead = server_clock.observe_pushed(stamp)
    if ahead is not None and server_clock.should_alert(kiosk.id):
        raise_server_alert(
            session,
            site_id=kiosk.site_id,
            kiosk_id=kiosk.id,
            kind="kiosk.clock_ahead",
            details={"ahead_seconds": ahead // 1000, "stamp": stamp},
        )


def _other_site(site: str, kiosk: Kiosk) -> str:
    return f"event belongs to site {site!r}; this kiosk may only write site {kiosk.site_id!r}"


def _text(value: Any, limit: int) -> str:
    """A string column value from kiosk JSON: text, no NUL (PostgreSQL refuses it), bounded."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return text.replace("\x00", "")[:limit]


def _fallback_hlc(event: EventIn) -> str:
    """A stamp for events from kiosks that sent none: their wall clock, node ``legacy``."""
    ms = max(0, int(event.occurred_at.timestamp() * 1000))
    return f"{ms:013d}000000-legacy"


def push(session: Session, *, kiosk: Kiosk, events: list[EventIn]) -> PushOut:
    """Store, fold and feed one batch in the session's transaction (the caller commits).

    The personal values the batch seals stay known in clear for the length of this call only
    (``sealing.remembering``), so the steps after the folds need not open them again; the
    visitor directory's changes wait for the batch's fed ones (``changes.holding``), so the
    site's counter is locked and the feed written once per batch."""
    with remembering(session), holding(session):
        return _push(session, kiosk, events)


def _push(session: Session, kiosk: Kiosk, events: list[EventIn]) -> PushOut:
    rejected: list[RejectedEvent] = []
    duplicate: list[str] = []
    accepted: dict[str, Accepted] = {}
    for event in events:
        if event.uuid in accepted:
            duplicate.append(event.uuid)
            continue
        problem, model = _parsed(event, kiosk)
        if problem:
            rejected.append(RejectedEvent(uuid=event.uuid, reason=problem[:500]))
            continue
        accepted[event.uuid] = Accepted(event, event.hlc or _fallback_hlc(event), model)
    for uuid, reason in push_guards.foreign_visitors(
        session, kiosk.site_id, accepted.values()
    ).items():
        rejected.append(RejectedEvent(uuid=uuid, reason=reason))
        del accepted[uuid]
    erased_before(session, kiosk.site_id, accepted)  # made before the person's erasure
    if accepted:
        # the latest stamp of the batch moves the clock as far as observing each one would
        _observe(session, kiosk, max(a.hlc for a in accepted.values()))

    stored: set[str] = set()
    if accepted:
        now = datetime.now(UTC)
        site_id, kiosk_id = kiosk.site_id, kiosk.id  # plain strings, not ORM attribute reads
        rows = [
            {
                "uuid": a.event.uuid,
                "site_id": site_id,
                "kiosk_id": kiosk_id,
                "kind": a.event.kind,
                "entity_id": a.event.entity_id,
                "occurred_at": a.event.occurred_at,
                "hlc": a.hlc,
                "payload": a.event.payload,
                "received_at": now,
            }
            for a in accepted.values()
        ]
        stmt = statement(session, "event", _event_insert)
        if is_postgresql(session):
            # concurrent pushes of the same events: the database says which insert won
            stored = set(bulk_insert(session, stmt, rows, returning=EVENTS.c.uuid))
        else:
            # SQLite writers hold the database lock (BEGIN IMMEDIATE): a look first is exact
            have = set(
                session.scalars(
                    select(EVENTS.c.uuid).where(one_of(session, EVENTS.c.uuid, accepted))
                )
            )
            rows = [r for r in rows if r["uuid"] not in have]
            executemany(session, stmt, rows)
            stored = {str(r["uuid"]) for r in rows}
    not_stored = [u for u in accepted if u not in stored]
    clashes = push_guards.reused_uuids(session, kiosk.site_id, accepted, not_stored)
    rejected.extend(RejectedEvent(uuid=u, reason=why) for u, why in clashes.items())
    duplicate.extend(u for u in not_stored if u not in clashes)

    new = [a for u, a in accepted.items() if u in stored]
    by_kind: dict[str, list[Accepted]] = {}
    for a in new:
        by_kind.setdefault(a.event.kind, []).append(a)
    for kind, items in by_kind.items():
        folder = FOLDERS.get(kind)
        if folder is not None:
            folder(session, kiosk, items)
    if new:
        for check in AFTER_FOLD:
            check(session, kiosk, new)

    fed = [
        NewChange(a.event.kind, a.event.entity_id, {}, a.hlc, kiosk.id, a.event.uuid)
        for a in sorted(new, key=lambda a: a.hlc)
        if a.event.kind in FED_KINDS
    ]
    # the visitor directory's changes of the batch (``append_later``) and its fed visits: one
    # lock of the site's counter, one insert
    append_changes(session, site_id=kiosk.site_id, changes=take_held(session, kiosk.site_id) + fed)
    session.execute(
        update(Kiosk).where(Kiosk.id == kiosk.id).values(last_seen_at=datetime.now(UTC))
    )
    return PushOut(
        stored=[u for u in accepted if u in stored],
        duplicate=duplicate,
        rejected=rejected,
        hlc=SERVER_HLC.tick(),
    )


_STATEMENTS: dict[tuple[str, str], Any] = {}


def _event_insert(session: Session) -> Any:
    return insert_for(session, EVENTS).on_conflict_do_nothing(index_elements=["uuid"])


def statement(session: Session, name: str, build: Callable[[Session], Any]) -> Any:
    """A statement built once per dialect (building upserts costs more than running them)."""
    key = (name, session.get_bind().dialect.name)
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        stmt = _STATEMENTS[key] = build(session)
    return stmt


def latest_per_entity(items: list[Accepted]) -> list[Accepted]:
    best: dict[str, Accepted] = {}
    for a in items:
        current = best.get(a.event.entity_id)
        if current is None or a.hlc > current.hlc:
            best[a.event.entity_id] = a
    return list(best.values())


def fold_checked_in(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    visitors: dict[str, dict[str, Any]] = {}
    visits = []
    site_id, kiosk_id = kiosk.site_id, kiosk.id
    index = identity.phone_indexer(session, site_id)
    for a in latest_per_entity(items):
        v, p = a.model.visit, a.model.visitor
        phone = _text(p.phone, 64)
        seen = v.checked_in_at or v.created_at or a.event.occurred_at
        earlier = visitors.get(p.id)
        if earlier is not None and earlier["last_visit_at"] > seen:
            seen = earlier["last_visit_at"]
        visitors[p.id] = {
            "id": p.id,
            "site_id": site_id,
            "name": _text(p.name, 200),
            "phone": phone,
            "company": _text(p.company, 200),
            "category": _text(p.category, 64),
            "phone_key": index(phone),
            "last_visit_at": seen,
        }
        visits.append(
            {
                "id": a.event.entity_id,
                "site_id": site_id,
                "kiosk_id": v.kiosk_id or kiosk_id,
                "visitor_id": p.id,
                "host_id": v.host_id,
                "department_id": v.department_id,
                "state": "denied" if a.event.kind == "visit.denied" else "checked_in",
                "purpose": _text(v.purpose, 64),
                "badge_code": _text(v.badge_code, 200),
                "consent_version": _text(v.consent_version, 32),
                "invitation_id": v.invitation_id,
                "created_at": v.created_at or a.event.occurred_at,
                "checked_in_at": v.checked_in_at,
                "auto_checked_out": False,
                "state_hlc": a.hlc,
            }
        )
    # one row per visitor and per visit: one statement each on PostgreSQL
    upsert = statement(session, "visitor", visitor_upsert)
    executemany(session, upsert, list(visitors.values()), distinct=True)
    executemany(session, statement(session, "visit.in", checked_in_upsert), visits, distinct=True)


def fold_checked_out(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    rows = []
    site_id, kiosk_id = kiosk.site_id, kiosk.id
    for a in latest_per_entity(items):
        p = a.model
        rows.append(
            {
                "id": a.event.entity_id,
                "site_id": site_id,
                "state": "checked_out",
                "checked_out_at": p.checked_out_at,
                "auto_checked_out": p.auto,
                "checkout_kiosk_id": p.kiosk_id or kiosk_id,
                "checkout_method": p.method,
                "state_hlc": a.hlc,
            }
        )
    executemany(session, statement(session, "visit.out", checked_out_upsert), rows, distinct=True)


#: kind → folder; other features add theirs with ``FOLDERS[kind] = fn``
FOLDERS: dict[str, Folder] = {
    "visit.checked_in": fold_checked_in,
    "visit.denied": fold_checked_in,
    "visit.checked_out": fold_checked_out,
}


# the folds of other tables register themselves in FOLDERS (imported last: they use this module)
from . import (  # noqa: E402, F401
    alerts,
    conflicts,
    desk_work,
    erasure_fold,
    incidents,
    reception,
    tickets,
    visit_status,
    visitor_directory,
)
