"""``kiosk-server repair-clock``: re-stamp what was stamped in the future.

Before head office bounded its clock (``server_clock.py``), one kiosk's far-future stamp could
move the server's clock years ahead; every change head office made then carries that future
stamp, stays in the feed after a restart and drags every kiosk that pulls it. This finds every
stamp further ahead of now than the skew bound, or one that cannot be parsed (an overflowed
clock's 20 digits), and gives each a stamp of now, in their old order, keeping its node. The
same old stamp gets the same new stamp in every table, so a visit's ``state_hlc`` still names
the event that set it. Stamps already in the past are not touched, so the order of everything
else is kept: the re-stamped ones were after it and stay after it.

Must never: touch a stamp within the bound, or run while kiosks push (stop the servers first;
the command says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, not_, or_, select, update
from sqlalchemy.orm import Session

from kiosk.core.store.hlc import Stamp

from .models import Change, Event, Visit

#: every column holding a hybrid logical clock stamp (add new ones here)
STAMP_COLUMNS: tuple[Any, ...] = (Change.hlc, Event.hlc, Visit.state_hlc)
_WELL_FORMED = "_" * 19 + "-%"  # 19 digits, a dash, the node


@dataclass(frozen=True, slots=True)
class Repair:
    #: old stamp → new stamp
    restamped: dict[str, str]
    #: rows changed per ``table.column``
    rows: dict[str, int]


def _bad(text: str, limit_ms: int) -> bool:
    try:
        return Stamp.parse(text).physical_ms > limit_ms
    except ValueError:
        return True


def _order(text: str) -> tuple[int, str]:
    head = text.partition("-")[0]
    return len(head), text


def _node(text: str) -> str:
    node = text.partition("-")[2]
    return node if node and "-" not in node else "repair"


def repair_clock(
    session: Session, *, skew: timedelta, now: datetime | None = None, dry_run: bool = False
) -> Repair:
    """Re-stamp every stamp more than ``skew`` ahead of ``now`` (the caller commits)."""
    now = now or datetime.now(UTC)
    now_ms = int(now.timestamp() * 1000)
    limit_ms = now_ms + int(skew / timedelta(milliseconds=1))
    threshold = str(Stamp(limit_ms, 999_999, "~"))
    found: set[str] = set()
    for column in STAMP_COLUMNS:
        rows = session.scalars(
            select(column)
            .where(column != "", or_(column > threshold, not_(column.like(_WELL_FORMED))))
            .distinct()
        )
        found.update(s for s in rows if _bad(s, limit_ms))
    restamped: dict[str, str] = {}
    ms, counter = now_ms, 0
    for old in sorted(found, key=_order):
        restamped[old] = str(Stamp(ms, counter, _node(old)))
        counter += 1
        if counter > 999_999:
            ms, counter = ms + 1, 0
    counts: dict[str, int] = {}
    for column in STAMP_COLUMNS:
        name = f"{column.class_.__tablename__}.{column.key}"
        counts[name] = 0
        if dry_run:
            continue
        for old, new in restamped.items():
            result: Any = session.execute(
                update(column.class_).where(and_(column == old)).values({column.key: new})
            )
            counts[name] += result.rowcount or 0
    return Repair(restamped, counts)
