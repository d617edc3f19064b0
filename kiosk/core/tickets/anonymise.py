"""What the retention purge leaves of a ticket: its personal fields emptied, the rest kept.

The raised record loses the client's name and contact, the details and the people involved;
each entry loses its note (what was done, what the client was told) and the same fields in an
edit. Ids, number, kind, category, priority, department, statuses, actions and every time
stay, so ``fold`` and ``figures.ticket_figures`` give the same counts and minutes afterwards.
Used by both purges (``kiosk/core/store/purge.py`` and ``sync/server/retention.py``).
Pure functions; no I/O. Must never: drop a key ``fold`` or the figures read.
"""

from __future__ import annotations

from typing import Any

#: the raised record's (and an edit's) fields that name or describe a person
PERSONAL = ("client_name", "contact", "details", "people")


def raised(record: dict[str, Any]) -> dict[str, Any]:
    """The raised record with its personal fields emptied."""
    return {k: ("" if k in PERSONAL else v) for k, v in record.items()}


def entry(record: dict[str, Any]) -> dict[str, Any]:
    """An entry with its note and its edit's personal fields emptied."""
    out = dict(record)
    if "note" in out:
        out["note"] = ""
    fields = out.get("fields")
    if isinstance(fields, dict):
        out["fields"] = {k: ("" if k in PERSONAL else v) for k, v in fields.items()}
    return out
