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

Pure reading: one query, then arithmetic. Must never: name a client or staff member.
"""

from __future__ import annotations

import json
import math
import statistics
from datetime import datetime
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
    for row in table.raised_between(store, iso(start), iso(end)):
        raised = json.loads(row["raised"])
        raised_at = parse_iso(raised["raised_at"])
        entries = [e for e in json.loads(row["entries"]) if parse_iso(e["at"]) < end]
        kind = _kind_at(raised["ticket_kind"], entries)
        by_kind[kind] = by_kind.get(kind, 0) + 1
        department = _department_at(entries)
        by_department[department] = by_department.get(department, 0) + 1
        responded = _first(entries, RESPONSES)
        if responded is not None:
            first.append((responded - raised_at).total_seconds() / 60)
        resolved = _first(entries, ("resolved",))
        if resolved is not None:
            resolved_in.append((resolved - raised_at).total_seconds() / 60)
        status = _status_at(entries)
        if kind == "complaint":
            complaints["received"] += 1
            complaints["resolved"] += status in _RESOLVED
            complaints["confirmed"] += status == "confirmed"
        due = _due_at(raised, entries)
        if due is not None:
            waiting = status not in _RESOLVED
            late = (resolved is not None and resolved > due) or (waiting and end > due)
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


def _first(entries: list[dict[str, Any]], actions: tuple[str, ...]) -> datetime | None:
    times = [parse_iso(e["at"]) for e in entries if e["action"] in actions]
    return min(times) if times else None


def _ordered(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entries, key=lambda e: (e["at"], e["entry_id"]))


def _status_at(entries: list[dict[str, Any]]) -> str:
    status = "open"
    for e in _ordered(entries):
        status = e.get("status") or status
    return status


def _department_at(entries: list[dict[str, Any]]) -> str:
    department = ""
    for e in _ordered(entries):
        if e["action"] == "assigned":
            department = e.get("department_id", "")
    return department


def _kind_at(kind: str, entries: list[dict[str, Any]]) -> str:
    for e in _ordered(entries):
        kind = (e.get("fields") or {}).get("kind", kind) if e["action"] == "edited" else kind
    return kind


def _due_at(raised: dict[str, Any], entries: list[dict[str, Any]]) -> datetime | None:
    due = raised.get("due_at")
    for e in _ordered(entries):
        if e["action"] == "edited" and "due_at" in (e.get("fields") or {}):
            due = e["fields"]["due_at"]
    return parse_iso(due) if due else None
