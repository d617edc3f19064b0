"""An event payload with the personal fields emptied, for a person's erasure.

Used by the kiosk for outbox events not sent yet when the erasure arrives
(``privacy/erasure.py``), and by head office for events a kiosk pushes after an erasure that
were made before it (``sync/server/erasure_guard.py``). The payload keeps its shape, so the
event still parses and counts.

Must never: import Kivy or the store (head office uses it).
"""

from __future__ import annotations

from typing import Any

#: the keys of an event payload that name or reach a person (``VisitorRecord``, corrections,
#: notes); an alert's ``details`` (a watchlist match names the visitor) is emptied whole
PERSONAL_KEYS = frozenset({"name", "phone", "company", "note", "old_value", "new_value", "reason"})


def blank_personal(value: Any) -> Any:
    """``value`` (an event payload) with every personal field emptied, its shape kept."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k in PERSONAL_KEYS and isinstance(v, str):
                out[k] = ""
            elif k == "details" and isinstance(v, dict):
                out[k] = {}
            else:
                out[k] = blank_personal(v)
        return out
    if isinstance(value, list):
        return [blank_personal(v) for v in value]
    return value
