"""Each site's pull feed: append changes here, kiosks of the site pull them in order.

``append_change(session, site_id=…, change=…)`` is the one way to tell a site's kiosks about
something (a new host, a cancelled invitation, a host's reply). A change is a typed feed event
(``kiosk.core.events.feed``: its own wire model, never an admin-API response model), so the
wire cannot change by accident. Call it inside the same transaction as the change it reports;
the kiosk parses it through the same registry and applies it in ``sync/apply.py``.

Ordering with several server processes: ``seq`` comes from ``sites.change_seq``, incremented
with ``UPDATE … RETURNING``, which holds the site row's lock until commit. A second writer for
the same site waits, so changes of one site commit in ``seq`` order and a reader that has seen
``seq`` n will never later find a committed n-1 it skipped. Call it last in a transaction to
hold that lock briefly.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from kiosk.core.events import Event as TypedEvent

from .db import executemany
from .models import Change, Site
from .server_clock import SERVER_HLC

CHANGES: Any = Change.__table__
#: built once: ``executemany`` keeps the compiled SQL per statement
INSERT_CHANGES: Any = insert(CHANGES)


class UnknownSiteError(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class NewChange:
    kind: str
    entity_id: str
    payload: dict[str, Any]
    hlc: str = ""
    origin_kiosk_id: str | None = None
    #: a pushed event whose payload this change sends (then ``payload`` is not stored again)
    event_uuid: str | None = None

    @classmethod
    def of(cls, event: TypedEvent, hlc: str = "") -> NewChange:
        """The change that sends a typed feed event (kind, entity and payload from the model)."""
        return cls(event.kind, event.entity_id, event.payload(), hlc)


def append_change(session: Session, *, site_id: str, change: TypedEvent, hlc: str = "") -> int:
    """Append one typed change to ``site_id``'s feed in the session's transaction; returns its
    seq."""
    return append_changes(session, site_id=site_id, changes=[NewChange.of(change, hlc)])[0]


def append_changes(session: Session, *, site_id: str, changes: Sequence[NewChange]) -> list[int]:
    """Append several changes at once (one lock, one insert); returns their seqs."""
    if not changes:
        return []
    last = session.execute(
        update(Site)
        .where(Site.id == site_id)
        .values(change_seq=Site.change_seq + len(changes))
        .returning(Site.change_seq)
    ).scalar_one_or_none()
    if last is None:
        raise UnknownSiteError(site_id)
    first = last - len(changes) + 1
    now = datetime.now(UTC)
    rows = []
    for offset, c in enumerate(changes):
        hlc = c.hlc or SERVER_HLC.tick()
        rows.append(
            {
                "site_id": site_id,
                "seq": first + offset,
                "kind": c.kind,
                "entity_id": c.entity_id,
                "hlc": hlc,
                "payload": {} if c.event_uuid else c.payload,
                "origin_kiosk_id": c.origin_kiosk_id,
                "event_uuid": c.event_uuid,
                "created_at": now,
            }
        )
    executemany(session, INSERT_CHANGES, rows)
    return [first + i for i in range(len(changes))]


#: ``session.info`` key: site → changes held by ``holding`` for the push's one append
_HELD = "kiosk_changes_held"


@contextmanager
def holding(session: Session) -> Iterator[None]:
    """Within the block (a push), ``append_later`` holds its changes until ``take_held``."""
    session.info[_HELD] = {}
    try:
        yield
    finally:
        session.info.pop(_HELD, None)


def append_later(session: Session, *, site_id: str, changes: Sequence[NewChange]) -> None:
    """Append ``changes`` with the push's own fed changes, ahead of them (``folding.push``:
    one lock of the site's counter and one insert for the batch); outside a push, at once."""
    held = session.info.get(_HELD)
    if held is None:
        append_changes(session, site_id=site_id, changes=changes)
        return
    held.setdefault(site_id, []).extend(changes)


def take_held(session: Session, site_id: str) -> list[NewChange]:
    """The changes held for ``site_id`` (for the caller to append); any other site's are
    appended now (a push writes one site, but none is ever dropped)."""
    held = session.info.get(_HELD) or {}
    mine = held.pop(site_id, [])
    for other in sorted(held):
        append_changes(session, site_id=other, changes=held.pop(other))
    return mine


def all_site_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Site.id).order_by(Site.id)))
