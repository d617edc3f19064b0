"""The visit's badge and notify status at head office, folded from ``badge.*`` / ``notify.*``.

Order-free like the visit fold (``folding.py``): each status has its own hybrid logical clock
stamp (``badge_hlc``, ``notify_hlc``) and an event only replaces the status when its stamp is
newer, so a late, older ``badge.failed`` never hides the ``badge.printed`` after it. An event
that arrives before its visit's check-in makes a placeholder row (``state`` "", not listed)
that the check-in fills. Guarded by ``site_id`` like every fold.

Must never: touch ``state`` or the check-in/out columns (those are the visit fold's).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case
from sqlalchemy.orm import Session

from kiosk.core.events import BadgeFailed, BadgePrinted, NotifyFailed, NotifySent

from .db import executemany
from .folding import FOLDERS, VISITS, Accepted, insert_for, latest_per_entity, statement
from .models import Kiosk


def _badge(a: Accepted) -> tuple[str, Any]:
    model = a.model
    if isinstance(model, BadgePrinted):
        return "printed", a.event.occurred_at
    assert isinstance(model, BadgeFailed)
    return ("retrying" if model.retrying else "failed"), a.event.occurred_at


def _notify(a: Accepted) -> tuple[str, Any]:
    model = a.model
    if isinstance(model, NotifySent):
        return "sent", model.sent_at
    assert isinstance(model, NotifyFailed)
    return "failed", model.failed_at


def _fold(prefix: str, status_of: Any) -> Any:
    def fold(session: Session, kiosk: Kiosk, items: list[Accepted]) -> None:
        rows = []
        for a in latest_per_entity(items):
            status, at = status_of(a)
            rows.append(
                {
                    "id": a.event.entity_id,
                    "site_id": kiosk.site_id,
                    "state": "",
                    "state_hlc": "",
                    f"{prefix}_status": status,
                    f"{prefix}_status_at": at,
                    f"{prefix}_hlc": a.hlc,
                }
            )
        executemany(session, statement(session, f"visit.{prefix}", _upsert(prefix)), rows)

    return fold


def _upsert(prefix: str) -> Any:
    def build(session: Session) -> Any:
        stmt = insert_for(session, VISITS)
        hlc = f"{prefix}_hlc"
        newer = stmt.excluded[hlc] > VISITS.c[hlc]
        set_ = {
            k: case((newer, stmt.excluded[k]), else_=VISITS.c[k])
            for k in (f"{prefix}_status", f"{prefix}_status_at", hlc)
        }
        return stmt.on_conflict_do_update(
            index_elements=["id"], set_=set_, where=VISITS.c.site_id == stmt.excluded.site_id
        )

    return build


#: both kinds of a family share one fold: whichever runs second still compares stamps
fold_badge = _fold("badge", _badge)
fold_notify = _fold("notify", _notify)

for _kind in ("badge.printed", "badge.failed"):
    FOLDERS[_kind] = fold_badge
for _kind in ("notify.sent", "notify.failed"):
    FOLDERS[_kind] = fold_notify
