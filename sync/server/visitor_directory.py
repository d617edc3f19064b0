"""The site's one visitor per phone number, and the masked directory kiosks match returning
visitors against.

After every batch's folds (``folding.AFTER_FOLD``, first of the checks, so the conflict checks
see merged visitors):

- ``merge_visitors``: all visitor rows of the site with the phone key of a visitor just
  checked in are one person. The survivor is the row whose first visit is the earliest (ties:
  the smallest id), so any arrival order ends with the same survivor; the others' visits move
  to it, they keep no personal data and ``merged_into`` names it, and ``visitor.merged`` goes to
  the site's kiosks (``sync/apply.py`` moves their visits too). The survivor carries the
  details of the latest check-in.
- ``visitor.known`` for each visitor checked in: masked name and company and the phone's index
  under the site's current blind-index key, never the number. The pull route sends these
  whatever the kiosk's cursor, for the site's retention period (``directory_days``: visit
  events only for a day), so a new or long-offline kiosk recognises a returning visitor of any
  kiosk of the site, and never one past the period (``kiosk-server purge`` removes those
  entries; between two purges the pull route leaves them out).

Must never: send a phone number in ``visitor.known``, or merge across sites.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, func, select, type_coerce, update
from sqlalchemy.orm import Session

from kiosk.core.events import VisitorKnown, VisitorMerged
from kiosk.core.keys.hierarchy import KeyPurpose
from kiosk.core.masking import mask_name, mask_text

from .changes import NewChange, append_changes, append_later
from .db import one_of
from .folding import AFTER_FOLD, VISITS, Accepted, latest_per_entity
from .identity import index_with
from .models import Kiosk, Visitor
from .sealing import open_raw


def directory_days(settings: dict[str, Any] | None) -> int:
    """Days a visitor stays in the directory kiosks pull: the site's retention period."""
    from .retention import retention_days

    return retention_days(settings)


def _survivor(session: Session, rows: list[Visitor]) -> Visitor:
    first: dict[str, datetime] = {}
    for r in rows:
        at = session.scalar(
            select(func.min(VISITS.c.created_at)).where(VISITS.c.visitor_id == r.id)
        )
        first[r.id] = at or datetime.max.replace(tzinfo=UTC)
    return min(rows, key=lambda r: (first[r.id], r.id))


def merge_visitors(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    """One visitor per (site, phone key): merge the records of each number just checked in."""
    ids = sorted(
        {a.model.visitor.id for a in items if a.event.kind in ("visit.checked_in", "visit.denied")}
    )
    if not ids:
        return
    keys = select(Visitor.phone_key).where(
        Visitor.site_id == kiosk.site_id, one_of(session, Visitor.id, ids), Visitor.phone_key != ""
    )
    shared = session.scalars(  # one query per batch: only numbers with several records
        select(Visitor.phone_key)
        .where(Visitor.site_id == kiosk.site_id, Visitor.phone_key.in_(keys))
        .group_by(Visitor.phone_key)
        .having(func.count() > 1)
    ).all()
    changes = []
    for key in sorted(shared):
        rows = list(
            session.scalars(
                select(Visitor).where(Visitor.site_id == kiosk.site_id, Visitor.phone_key == key)
            )
        )
        survivor = _survivor(session, rows)
        latest = max(rows, key=lambda r: r.last_visit_at or datetime.min.replace(tzinfo=UTC))
        survivor.name, survivor.phone = latest.name, latest.phone
        survivor.company, survivor.category = latest.company, latest.category
        survivor.last_visit_at = latest.last_visit_at
        survivor.merged_into = None
        for r in rows:
            if r.id == survivor.id:
                continue
            session.execute(
                update(VISITS)
                .where(VISITS.c.site_id == kiosk.site_id, VISITS.c.visitor_id == r.id)
                .values(visitor_id=survivor.id)
            )
            r.name = r.phone = r.company = r.phone_key = ""
            r.merged_into = survivor.id
            event = VisitorMerged(visitor_id=survivor.id, merged_id=r.id, site_id=kiosk.site_id)
            changes.append(NewChange.of(event))
        session.flush()
    append_changes(session, site_id=kiosk.site_id, changes=changes)


#: a visitor's personal columns read raw (the sealed text, not opened): ``open_raw`` gives the
#: value this request just sealed without the cipher
_RAW = {c: type_coerce(getattr(Visitor, c), Text).label(c) for c in ("name", "phone", "company")}
_KNOWN_COLUMNS = (
    Visitor.id,
    *_RAW.values(),
    Visitor.category,
    Visitor.phone_key,
    Visitor.last_visit_at,
    Visitor.merged_into,
)


def announce_visitors(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
    """``visitor.known`` for each visitor checked in (not sent back to the kiosk that made it).

    The rows are read with their sealed columns raw: a value the fold just wrote is known in
    clear for this request (``sealing.remembering``), only another is opened; the phone's index
    is head office's own when the site's key is still version 1."""
    from .keys import current_key  # keys.py imports the API layer: loaded when used

    check_ins = latest_per_entity([a for a in items if a.event.kind == "visit.checked_in"])
    if not check_ins:
        return
    key = current_key(session, kiosk.site_id, KeyPurpose.BLIND_INDEX)
    if key is None:
        return  # no master secret: kiosks index with keys of their own, nothing to match
    ids = sorted({a.model.visitor.id for a in check_ins})
    rows = {  # one query per batch, plain rows (merged rows are rare: looked up one by one)
        r.id: r
        for r in session.execute(
            select(*_KNOWN_COLUMNS).where(
                Visitor.site_id == kiosk.site_id, one_of(session, Visitor.id, ids)
            )
        )
    }
    # head office's own ``phone_key`` is the index under version 1 of the same key: reused
    same_key = key.version == 1
    changes, seen = [], set()
    for a in check_ins:
        row = rows.get(a.model.visitor.id)
        while row is not None and row.merged_into:
            row = session.execute(
                select(*_KNOWN_COLUMNS).where(Visitor.id == row.merged_into)
            ).one_or_none()
        if row is None or row.id in seen or not row.phone or row.last_visit_at is None:
            continue
        seen.add(row.id)
        phone = "" if same_key and row.phone_key else open_raw(session, _PHONE, row.phone)
        event = VisitorKnown(
            visitor_id=row.id,
            site_id=kiosk.site_id,
            phone_key=row.phone_key if same_key and row.phone_key else index_with(key.key, phone),
            key_version=key.version,
            masked_name=mask_name(open_raw(session, _NAME, row.name)),
            masked_company=mask_text(open_raw(session, _COMPANY, row.company)),
            category=row.category[:64],
            last_visit_at=row.last_visit_at,
        )
        changes.append(
            NewChange(event.kind, event.entity_id, event.payload(), a.hlc, kiosk.id, None)
        )
    append_later(session, site_id=kiosk.site_id, changes=changes)  # with the batch's fed ones


_NAME, _PHONE, _COMPANY = (Visitor.__table__.c[c].type for c in ("name", "phone", "company"))


# first: the conflict checks (conflicts.py) then see one visitor per number
AFTER_FOLD[:0] = [merge_visitors, announce_visitors]
