"""The pull's full read: one page of a site's feed for the kiosk holding a token, as JSON.

``read_page`` reads the calling kiosk, its site's mark and horizon, and the page in one read
transaction, and keeps each change's payload as the JSON text head office stored: a sealed
payload is opened (``sealing.open_json``) but never parsed, so a page of a thousand changes
costs one decryption each and no decoding, validation or encoding of what they carry
(``FeedPage.json`` writes the answer around those texts). The answer is exactly
``protocol.PullOut``'s shape; the kiosk validates it when it reads it.

Must never: write, or send a change the kiosk may not have (its own events unless ``own``,
visit events older than ``VISIT_FEED_HOURS``, ``visitor.known`` past the site's retention).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pydantic_core
from sqlalchemy import Engine, Text, bindparam, or_, select, true, type_coerce

from . import compaction, folding, limits
from .models import Change, Event, Kiosk, Site
from .sealing import open_json
from .visitor_directory import directory_days

#: other kiosks' visit events older than this are not replayed to a kiosk catching up
VISIT_FEED_HOURS = 24


@dataclass(frozen=True, slots=True)
class PageChange:
    """One change of a page, its payload the stored JSON text (UTF-8)."""

    cursor: int
    kind: str
    entity_id: str
    hlc: str
    payload: bytes

    def json(self) -> bytes:
        head = pydantic_core.to_json(
            {"cursor": self.cursor, "kind": self.kind, "entity_id": self.entity_id, "hlc": self.hlc}
        )
        return b'%s,"payload":%s}' % (head[:-1], self.payload)


@dataclass(frozen=True, slots=True)
class FeedPage:
    """A pull's answer: ``protocol.PullOut`` with its changes' payloads still as JSON text."""

    changes: list[PageChange]
    cursor: int
    more: bool

    def json(self) -> bytes:
        changes = b",".join(c.json() for c in self.changes)
        more = b"true" if self.more else b"false"
        return b'{"changes":[%s],"cursor":%d,"more":%s}' % (changes, self.cursor, more)


#: the calling kiosk and its site's mark in one indexed read (a revoked token finds nothing)
_KIOSK_AND_MARK = (
    select(Kiosk.id, Kiosk.site_id, Site.change_seq, Site.compacted_seq, Site.settings)
    .join(Site, Site.id == Kiosk.site_id)
    .where(Kiosk.token_hash == bindparam("token_hash"), Kiosk.revoked_at.is_(None))
)

_HORIZON = select(Site.compacted_seq).where(Site.id == bindparam("site_id"))


def read_page(
    engine: Engine, token_hash: str, after: int, limit: int, own: bool
) -> tuple[FeedPage, str] | None:
    """The page and site of the kiosk holding the token (None: no such kiosk), in one read
    transaction (``db.reading``: no write lock on SQLite)."""
    with engine.connect() as conn, conn.begin():
        found = conn.execute(_KIOSK_AND_MARK, {"token_hash": token_hash}).one_or_none()
        if found is None:
            return None
        kiosk_id, site_id, top = found.id, found.site_id, found.change_seq or 0
        horizon = found.compacted_seq or 0
        sent = after
        if (at := compaction.reading_from(after, horizon)) is None:
            # compacted past this cursor: resync, then the feed from 0
            resync = compaction.resync_change(conn, site_id, horizon, top)
            change = PageChange(
                0, resync.kind, resync.entity_id, "", pydantic_core.to_json(resync.payload)
            )
            return FeedPage(changes=[change], cursor=0, more=True), site_id
        after = at
        if after >= top:
            return FeedPage(changes=[], cursor=sent if sent == after else top, more=False), site_id
        days = directory_days(found.settings)
        rows = conn.execute(feed_query(kiosk_id, site_id, after, top, limit, own, days)).all()
        # compacted between the two reads (PostgreSQL reads each statement afresh): again
        compacted = bool(rows) and conn.scalar(_HORIZON, {"site_id": site_id}) != horizon
    if compacted:
        return read_page(engine, token_hash, sent, limit, own)
    dialect = engine.dialect
    changes: list[PageChange] = []
    size = 0
    for r in rows:
        payload = row_payload(dialect, r)
        size += len(payload)
        if changes and size > limits.MAX_PULL_BYTES:
            break  # bounded by bytes too: the rest comes with the next page
        changes.append(PageChange(r.seq, r.kind, r.entity_id, r.hlc, payload))
    if len(changes) < len(rows):
        cursor = compaction.snapshot_cursor(changes[-1].cursor, horizon)
        return FeedPage(changes=changes, cursor=cursor, more=True), site_id
    more = len(rows) == limit
    cursor = compaction.snapshot_cursor(rows[-1].seq, horizon) if more else max(after, top)
    return FeedPage(changes=changes, cursor=cursor, more=more), site_id


def row_payload(dialect: Any, row: Any) -> bytes:
    """A feed row's payload as the JSON text head office stored (opened, never parsed)."""
    if row.event_uuid:
        return open_json(dialect, row.event_payload, "events", "payload")
    return open_json(dialect, row.payload, "changes", "payload")


def feed_query(
    kiosk_id: str, site_id: str, after: int, top: int, limit: int, own: bool, known_days: int
) -> Any:
    """The feed rows a kiosk's page may hold (``api/held_answers.py`` reads them with ``own``
    for all of a site's woken kiosks at once, and leaves each one's own events out by
    ``origin_kiosk_id``)."""
    # every change numbered up to the site's counter is committed (the counter and its
    # changes commit together), so the cursor may move to it even past filtered rows
    cutoff = datetime.now(UTC) - timedelta(hours=VISIT_FEED_HOURS)
    known_cutoff = datetime.now(UTC) - timedelta(days=known_days)
    return (
        select(
            Change.seq,
            Change.kind,
            Change.entity_id,
            Change.hlc,
            # the stored texts, as they are: opened, never parsed (``open_json``)
            type_coerce(Change.payload, Text).label("payload"),
            Change.event_uuid,
            Change.origin_kiosk_id,
            type_coerce(Event.payload, Text).label("event_payload"),
        )
        .outerjoin(Event, Event.uuid == Change.event_uuid)
        .where(
            Change.site_id == site_id,
            Change.seq > after,
            Change.seq <= top,
            true()
            if own
            else or_(Change.origin_kiosk_id.is_(None), Change.origin_kiosk_id != kiosk_id),
            or_(Change.kind.not_in(sorted(folding.FED_KINDS)), Change.created_at >= cutoff),
            or_(Change.kind != "visitor.known", Change.created_at >= known_cutoff),
        )
        .order_by(Change.seq)
        .limit(limit)
    )
