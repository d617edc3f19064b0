"""A ticket folds to the same state whatever order its entries arrive in (kiosks and head
office apply them as they come)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core.config.clock import iso
from kiosk.core.tickets.model import fold

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
RAISED = {
    "ticket_id": "t1",
    "number": "12345678",
    "site_id": "demo",
    "kiosk_id": "kiosk-1",
    "ticket_kind": "complaint",
    "subject": "x",
    "raised_at": iso(T0),
    "due_at": iso(T0 + timedelta(hours=8)),
}
STEPS = [
    ("assigned", "assigned", {"department_id": "property"}),
    ("acknowledged", "in_progress", {}),
    ("edited", "", {"fields": {"place": "2F", "priority": "high"}}),
    ("progress", "", {"note": "on the way"}),
    ("edited", "", {"fields": {"place": "3F"}}),
    ("resolved", "resolved", {"note": "done"}),
    ("told", "", {"note": "told"}),
    ("confirmed", "confirmed", {}),
]


def _entries(gaps: list[int]) -> list[dict]:
    out, at, seen = [], T0, ""
    for n, ((action, status, extra), gap) in enumerate(zip(STEPS, gaps, strict=False)):
        at = at + timedelta(microseconds=gap)  # 0: two entries in the same instant
        entry_id = f"e{n:02d}"
        out.append(
            {
                "entry_id": entry_id,
                "ticket_id": "t1",
                "action": action,
                "status": status,
                "by": "st-1",
                "at": iso(at),
                "seen": seen,
                **extra,
            }
        )
        seen = entry_id
    return out


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.integers(0, 3), min_size=len(STEPS), max_size=len(STEPS)),
    data=st.data(),
)
def test_the_fold_does_not_depend_on_arrival_order(gaps, data) -> None:
    entries = _entries(gaps)
    shuffled = data.draw(st.permutations(entries))
    a, b = fold(RAISED, entries), fold(RAISED, list(shuffled))
    assert a == b
    assert (a.status, a.place, a.priority, a.outcome) == ("confirmed", "3F", "high", "done")
    assert not any(e.concurrent for e in a.entries)  # each entry saw the one before
