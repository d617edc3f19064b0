"""The answers of the held pulls one move of their site's mark wakes, from one shared read.

A push at one kiosk wakes every held pull of its site (four of a site's five kiosks hold one).
Each used to read the same new changes on its own: the token check, the feed query, opening
every sealed payload, the page's models and JSON, once per kiosk. ``answers`` reads them once
for all the pulls the watcher woke (``held_pulls.py``): in one read transaction, made after the
wake, one statement checks every waiting token (a kiosk revoked while it waited finds nothing
and is left to its own read, which refuses it) and reads each site's mark and horizon, and one
feed query per site and cursor reads the new changes of all its kiosks; each change is opened
and written as JSON once, and each kiosk's page leaves out its own events (unless it asked for
them) by the rule the pull's own read applies in SQL (``pull_pages.read_page``: same page,
same bytes; a test compares them).

Left to the pull's own read (``None``): a token that finds no kiosk of that site, a cursor from
a snapshot or below the compaction horizon, a read that fills the page's ``limit`` (a kiosk's
page without its own events could then hold changes past it), a horizon that moved between the
statements.

Must never: answer a pull from anything but a read made after its wake, or send a kiosk its
own events unless it asked for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, bindparam, select

from .. import compaction, limits
from ..held_pulls import Ask
from ..models import Kiosk, Site
from ..pull_pages import FeedPage, PageChange, feed_query, row_payload
from ..visitor_directory import directory_days

_KIOSKS_AND_MARKS = (
    select(Kiosk.id, Kiosk.token_hash, Kiosk.site_id)
    .add_columns(Site.change_seq, Site.compacted_seq, Site.settings)
    .join(Site, Site.id == Kiosk.site_id)
    .where(Kiosk.token_hash.in_(bindparam("hashes", expanding=True)), Kiosk.revoked_at.is_(None))
)
_HORIZONS = select(Site.id, Site.compacted_seq).where(
    Site.id.in_(bindparam("sites", expanding=True))
)


def answers(engine: Engine, asks: Sequence[Ask]) -> list[bytes | None]:
    """Each ask's answer (a pull page's JSON), or None where its own read must answer."""
    out: list[bytes | None] = [None] * len(asks)
    groups: dict[tuple[str, int, int], list[int]] = {}
    for i, ask in enumerate(asks):
        groups.setdefault((ask.site_id, ask.after, ask.limit), []).append(i)
    with engine.connect() as conn, conn.begin():
        found = conn.execute(_KIOSKS_AND_MARKS, {"hashes": sorted({a.token_hash for a in asks})})
        kiosks = {r.token_hash: r for r in found}
        read: dict[tuple[str, int, int], tuple[list[Any], int, int]] = {}
        horizons: dict[str, int] = {}
        for (site_id, after, limit), members in groups.items():
            mine = [kiosks.get(asks[i].token_hash) for i in members]
            known = next((k for k in mine if k is not None and k.site_id == site_id), None)
            if known is None:
                continue  # revoked meanwhile, every one: their own reads refuse them
            top, horizon = int(known.change_seq or 0), int(known.compacted_seq or 0)
            if compaction.reading_from(after, horizon) != after or after >= top:
                continue
            horizons[site_id] = horizon
            query = feed_query("", site_id, after, top, limit, True, directory_days(known.settings))
            read[(site_id, after, limit)] = (list(conn.execute(query)), top, horizon)
        # compacted between the statements (PostgreSQL reads each afresh): their own reads
        now: Any = conn.execute(_HORIZONS, {"sites": sorted(horizons)}) if horizons else []
        moved = {r.id for r in now if int(r.compacted_seq or 0) != horizons[r.id]}
    for key, (rows, top, horizon) in read.items():
        site_id, after, limit = key
        if site_id in moved or len(rows) >= limit:
            continue
        changes = [_change(engine.dialect, r) for r in rows]
        for i in groups[key]:
            kiosk = kiosks.get(asks[i].token_hash)
            if kiosk is None or kiosk.site_id != site_id:
                continue
            sent = [c for r, c in zip(rows, changes, strict=True) if _sent(r, kiosk.id, asks[i])]
            out[i] = _page(sent, after, top, horizon)
    return out


def _sent(row: Any, kiosk_id: str, ask: Ask) -> bool:
    """The pull's own rule (``feed_query``): a kiosk's own events only when it asks for them."""
    return ask.own or row.origin_kiosk_id is None or row.origin_kiosk_id != kiosk_id


def _change(dialect: Any, row: Any) -> PageChange:
    """A row's change as the pull's own page holds it, opened once for all the site's pulls."""
    return PageChange(row.seq, row.kind, row.entity_id, row.hlc, row_payload(dialect, row))


def _page(sent: list[PageChange], after: int, top: int, horizon: int) -> bytes:
    """The page as JSON, bounded by bytes as the pull's own page (``MAX_PULL_BYTES``)."""
    taken: list[PageChange] = []
    size = 0
    for change in sent:
        size += len(change.payload)
        if taken and size > limits.MAX_PULL_BYTES:
            last = compaction.snapshot_cursor(taken[-1].cursor, horizon)
            return FeedPage(changes=taken, cursor=last, more=True).json()
        taken.append(change)
    return FeedPage(changes=taken, cursor=max(after, top), more=False).json()
