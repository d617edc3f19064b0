"""Compaction of a site's pull feed: a new kiosk reads a snapshot and the tail, not years.

``compact_site`` rewrites the site's changes up to its horizon (the newest change older than
``keep``) into a snapshot of the state at the horizon:

- of the full-state kinds (``FAMILY``: the directory, the watchlist, invitations, the site, its
  documents and building) only each entity's newest change up to the horizon stays, and none
  where that is a deletion (a tombstone: ``TOMBSTONES``);
- kiosk visit events (``folding.FED_KINDS``) and ``visitor.known`` that pull no longer sends
  (older than a day, and than the visitor directory's window) are removed;
- every other change stays, after the snapshot's, in its order;
- what stays is renumbered within the horizon, in the order a kiosk needs it (``ORDER``: the
  site, then departments before the hosts that name them, hosts before the invitations that
  name them), each family in the order its entities first appeared.

Renumbering is invisible: a kiosk whose cursor is at or past the horizon never reads below it,
and one whose cursor is below it (and above 0) is told to resync (``resync_change``: a
``feed.resync`` change naming the directory and watchlist rows still in the feed, then the
feed again from 0). A kiosk reading the snapshot is given cursors flagged as such
(``snapshot_cursor``), so it is never mistaken for one left behind. The site row's lock
(``UPDATE sites``) is held while compacting, so the site's pushes and admin changes wait for
it (``changes.append_changes`` takes the same lock).

``kiosk-server compact-feed`` runs it for every site (the daily timer, ``deploy/``).
Must never: touch a change above the horizon, or lower ``sites.compacted_seq``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from kiosk.core.events import FeedResync

from ..protocol import ChangeOut
from .folding import FED_KINDS
from .models import Change, Site
from .visitor_directory import directory_days

#: changes younger than this are never compacted (a kiosk offline less than this never resyncs)
KEEP_DAYS = 30
#: the full-state kinds: per (family, entity), the newest change is the entity's state
FAMILY: dict[str, str] = {
    "department.upserted": "department",
    "department.deleted": "department",
    "host.upserted": "host",
    "host.deleted": "host",
    "watchlist.upserted": "watchlist",
    "watchlist.deleted": "watchlist",
    "invitation.upserted": "invitation",
    "site.updated": "site",
    "site.settings": "site.settings",
    "site.map": "site.map",
    "building.updated": "building",
}
TOMBSTONES = frozenset({"department.deleted", "host.deleted", "watchlist.deleted"})
#: the snapshot's order: what others name first
ORDER: tuple[str, ...] = ("site", "site.settings", "site.map", "building")
ORDER += ("department", "host", "watchlist", "invitation")
#: the families a resync names the live rows of (those with tombstones)
RESYNC_FAMILIES = {"department": "departments", "host": "hosts", "watchlist": "watchlist"}
_CHUNK = 500
CHANGES: Any = Change.__table__
_MOVE = update(CHANGES).where(CHANGES.c.id == bindparam("b_id")).values(seq=bindparam("b_seq"))


@dataclass(frozen=True, slots=True)
class Compacted:
    horizon: int = 0
    #: changes read (up to the horizon), removed, renumbered, kept
    read: int = 0
    removed: int = 0
    moved: int = 0
    kept: int = 0


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def compact_site(
    session: Session, site_id: str, now: datetime, *, keep: timedelta = timedelta(days=KEEP_DAYS)
) -> Compacted:
    """Compact ``site_id``'s feed up to its horizon, in the session's transaction."""
    if keep < timedelta(days=1):
        raise ValueError("keep at least a day: pull still sends visit events of the last 24 h")
    locked = session.execute(
        update(Site)
        .where(Site.id == site_id)
        .values(compacted_seq=Site.compacted_seq)
        .returning(Site.compacted_seq)
    ).scalar_one_or_none()
    if locked is None:
        raise LookupError(site_id)
    cutoff = now - keep
    horizon = session.scalar(
        select(func.max(Change.seq)).where(Change.site_id == site_id, Change.created_at < cutoff)
    )
    if not horizon:
        return Compacted(horizon=locked)
    rows = session.execute(
        select(Change.id, Change.seq, Change.kind, Change.entity_id, Change.created_at)
        .where(Change.site_id == site_id, Change.seq <= horizon)
        .order_by(Change.seq)
    ).all()
    # the visitor directory's announcements live as long as the site's retention period
    settings = session.scalar(select(Site.settings).where(Site.id == site_id))
    known_cutoff = now - timedelta(days=directory_days(settings))
    newest: dict[tuple[str, str], Any] = {}
    first: dict[tuple[str, str], int] = {}
    drop: list[int] = []
    others: list[Any] = []
    for r in rows:
        family = FAMILY.get(r.kind)
        if family is None:
            at = _aware(r.created_at)
            if (r.kind in FED_KINDS and at < cutoff) or (
                r.kind == "visitor.known" and at < known_cutoff
            ):
                drop.append(r.id)
            else:
                others.append(r)
            continue
        key = (family, r.entity_id)
        first.setdefault(key, r.seq)
        if (old := newest.get(key)) is not None:
            drop.append(old.id)
        newest[key] = r
    live = [r for r in newest.values() if r.kind not in TOMBSTONES]
    drop += [r.id for r in newest.values() if r.kind in TOMBSTONES]
    depth = _delegate_depth(session, [r for r in live if r.kind == "host.upserted"])

    def rank(r: Any) -> tuple[int, int, int]:
        family = FAMILY.get(r.kind)
        if family is None:
            return (len(ORDER), 0, r.seq)
        return (ORDER.index(family), depth.get(r.id, 0), first[(family, r.entity_id)])

    kept = live + others
    slots = sorted(r.seq for r in kept)
    ordered = sorted(kept, key=rank)
    moves = [(r.id, slot) for r, slot in zip(ordered, slots, strict=True) if r.seq != slot]
    for chunk in _chunks(drop):
        session.execute(delete(Change).where(Change.id.in_(chunk)))
    # two steps: no moment where two rows hold one (site, seq) (the unique index)
    for chunk in _chunks([row_id for row_id, _ in moves]):
        session.execute(update(Change).where(Change.id.in_(chunk)).values(seq=-Change.seq))
    if moves:
        session.connection().execute(_MOVE, [{"b_id": i, "b_seq": s} for i, s in moves])
    session.execute(
        update(Site).where(Site.id == site_id).values(compacted_seq=max(locked, horizon))
    )
    return Compacted(horizon, len(rows), len(drop), len(moves), len(kept))


def _delegate_depth(session: Session, hosts: list[Any]) -> dict[int, int]:
    """Per ``host.upserted`` change: how long its chain of delegates is (a host goes after its
    delegate, whose row the kiosk must have to keep the link; a cycle is cut)."""
    delegate: dict[str, str] = {}
    change_of = {r.id: r.entity_id for r in hosts}
    for chunk in _chunks(list(change_of)):
        for row_id, payload in session.execute(
            select(Change.id, Change.payload).where(Change.id.in_(chunk))
        ):
            if target := (payload or {}).get("delegate"):
                delegate[change_of[row_id]] = target
    live_hosts = set(change_of.values())

    def chain(host: str) -> int:
        seen, n = {host}, 0
        while (host := delegate.get(host, "")) in live_hosts and host not in seen:
            seen.add(host)
            n += 1
        return n

    return {row_id: chain(host) for row_id, host in change_of.items()}


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def resync_change(conn: Connection, site_id: str, horizon: int, top: int) -> ChangeOut:
    """The ``feed.resync`` change for a kiosk whose cursor is below ``horizon``: the directory
    and watchlist ids whose newest change up to ``top`` is not a deletion."""
    kinds = [k for k, family in FAMILY.items() if family in RESYNC_FAMILIES]
    rows = conn.execute(
        select(Change.kind, Change.entity_id)
        .where(Change.site_id == site_id, Change.seq <= top, Change.kind.in_(kinds))
        .order_by(Change.seq)
    )
    state: dict[tuple[str, str], bool] = {}
    for kind, entity_id in rows:
        state[(FAMILY[kind], entity_id)] = kind not in TOMBSTONES
    named: dict[str, list[str]] = {name: [] for name in RESYNC_FAMILIES.values()}
    for (family, entity_id), alive in state.items():
        if alive and entity_id:
            named[RESYNC_FAMILIES[family]].append(entity_id)
    event = FeedResync(site_id=site_id, horizon=horizon, **{k: sorted(v) for k, v in named.items()})
    return ChangeOut(cursor=0, kind=event.kind, entity_id=site_id, hlc="", payload=event.payload())


# -- cursors while reading the snapshot --------------------------------------------------------
#: a cursor inside the snapshot carries this bit, the horizon's low 16 bits (which compaction
#: numbered it) and the position: a plain cursor below the horizon is then always one from
#: before the compaction (resync), and a snapshot cursor from an earlier compaction too
SNAPSHOT_BIT = 1 << 61
_GENERATION_SHIFT = 44
_POSITION = (1 << _GENERATION_SHIFT) - 1


def snapshot_cursor(position: int, horizon: int) -> int:
    """The cursor of a page that ends at ``position``: flagged while inside the snapshot."""
    if position >= horizon:
        return position
    return SNAPSHOT_BIT | (horizon & 0xFFFF) << _GENERATION_SHIFT | position


def reading_from(after: int, horizon: int) -> int | None:
    """Where a pull with cursor ``after`` reads from; None: resync (``resync_change``)."""
    if after & SNAPSHOT_BIT:
        if not horizon or (after >> _GENERATION_SHIFT) & 0xFFFF != horizon & 0xFFFF:
            return None  # compacted again since: the numbering moved
        return after & _POSITION
    if 0 < after < horizon:
        return None
    return after


def compact_command(sessions: Any, keep_days: int = KEEP_DAYS) -> int:
    """``kiosk-server compact-feed``: every site's feed compacted, one line of counts each."""
    now = datetime.now(UTC)
    with sessions() as session:
        site_ids = list(session.scalars(select(Site.id).order_by(Site.id)))
    for site_id in site_ids:
        with sessions() as session, session.begin():  # one site's lock at a time
            done = compact_site(session, site_id, now, keep=timedelta(days=keep_days))
        print(f"{site_id}: " + ", ".join(f"{k} {v}" for k, v in asdict(done).items()))
    return 0
