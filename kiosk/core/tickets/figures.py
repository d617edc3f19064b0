"""The figures of the desk's tickets for an assessment period (seed §6), for the reports.

``ticket_figures(store, start, end)`` counts the tickets raised in ``[start, end)``:

- ``by_kind`` / ``by_department``: how many of each (a ticket counts under the department it
  is with at the end: ``""`` is the desk's own);
- ``first_response_minutes`` / ``resolution_minutes``: ``median`` and ``p90`` (nearest rank:
  the smallest value with at least 90 % of the values at or below it) of the minutes from
  raising to the first acknowledgement, progress or resolution, and to the first resolution;
  ``count`` says how many tickets had one by ``end``; both None when none had;
- ``complaints``: ``received``, ``resolved`` (reached resolved or beyond by ``end``) and
  ``confirmed`` (confirmed with the client by ``end``);
- ``calls_logged``: tickets of kind call;
- ``overdue``: ``total`` of those past their due time before being resolved (resolved late, or
  still waiting at ``end``) and ``open_at_end`` of them still waiting at ``end``.

Pure reading: one query of clear columns (only the few fields the figures need; no sealed
record opened, no JSON parsed), then arithmetic. Must never: name a client or staff member.
"""

from __future__ import annotations

import math
import statistics
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from kiosk.core.config.clock import iso, parse_iso
from kiosk.core.store import tickets as table
from kiosk.core.store.database import Store
from kiosk.core.tickets.model import KINDS

RESPONSES = ("acknowledged", "progress", "resolved")
_RESOLVED = ("resolved", "confirmed", "closed")


def nearest_rank(values: list[float], share: float) -> float:
    """The nearest-rank percentile ``share`` (0 < share <= 1) of non-empty ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _spread(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "median": None, "p90": None}
    return {
        "count": len(values),
        "median": round(statistics.median(values), 2),
        "p90": round(nearest_rank(values, 0.9), 2),
    }


def ticket_figures(store: Store, start: datetime, end: datetime) -> dict[str, Any]:
    """The period's ticket figures (see the module docstring for each key)."""
    by_kind = dict.fromkeys(KINDS, 0)
    by_department: dict[str, int] = {}
    first: list[float] = []
    resolved_in: list[float] = []
    complaints = {"received": 0, "resolved": 0, "confirmed": 0}
    overdue = {"total": 0, "open_at_end": 0}
    rows = table.timelines_between(store, iso(start), iso(end))
    for _, timeline in groupby(rows, key=itemgetter(0)):
        t = _Timeline(list(timeline), end)
        by_kind[t.kind] = by_kind.get(t.kind, 0) + 1
        by_department[t.department] = by_department.get(t.department, 0) + 1
        if t.responded is not None:
            first.append((t.responded - t.raised_at).total_seconds() / 60)
        if t.resolved is not None:
            resolved_in.append((t.resolved - t.raised_at).total_seconds() / 60)
        if t.kind == "complaint":
            complaints["received"] += 1
            complaints["resolved"] += t.status in _RESOLVED
            complaints["confirmed"] += t.status == "confirmed"
        due = parse_iso(t.due) if t.due else None
        if due is not None:
            waiting = t.status not in _RESOLVED
            late = (t.resolved is not None and t.resolved > due) or (waiting and end > due)
            overdue["total"] += late
            overdue["open_at_end"] += late and waiting
    return {
        "start": iso(start),
        "end": iso(end),
        "tickets": sum(by_kind.values()),
        "by_kind": by_kind,
        "by_department": dict(sorted(by_department.items())),
        "first_response_minutes": _spread(first),
        "resolution_minutes": _spread(resolved_in),
        "complaints": complaints,
        "calls_logged": by_kind["call"],
        "overdue": overdue,
    }


class _Timeline:
    """One ticket folded from its raised fields and its entries before ``end``, in (at, entry
    id) order: the status, department, kind and due time after the last of them, and the
    first response and resolution."""

    def __init__(self, rows: list[tuple[Any, ...]], end: datetime) -> None:
        _id, raised_at, self.kind, self.due, *_ = rows[0]
        self.raised_at = parse_iso(raised_at)
        self.status = "open"
        self.department = ""
        self.responded: datetime | None = None
        self.resolved: datetime | None = None
        for _id, _raised, _kind, _due, at_text, *entry in rows:
            # a ticket without entries: one row with a NULL ``at``
            at = None if at_text is None else parse_iso(at_text)
            if at is not None and at < end:
                self._add(entry, at)

    def _add(self, entry: list[Any], at: datetime) -> None:
        action, status, department_id, edited_kind, edited_due = entry
        self.status = status or self.status
        if action == "assigned":
            self.department = department_id or ""
        elif action == "edited":
            self.kind = edited_kind if edited_kind is not None else self.kind
            self.due = edited_due if edited_due is not None else self.due
        if action in RESPONSES and (self.responded is None or at < self.responded):
            self.responded = at
        if action == "resolved" and (self.resolved is None or at < self.resolved):
            self.resolved = at
