"""The desk's "unattended" switch: who to ask while nobody is at the desk, and until when.

The seed: never leave the desk without telling someone. While it is on, the visitor Help
screen's "ask a person" and watchlist alerts are for the backup contact; the state is kept in
``kv`` ``reception.desk`` and reported as ``desk.status_changed``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from kiosk.core.config.clock import iso, parse_iso
from kiosk.core.config.errors import ValidationError
from kiosk.core.events import DeskStatusChanged
from kiosk.core.reception import audit
from kiosk.core.store import kv
from kiosk.core.store.database import Store

DESK_KEY = "reception.desk"


@dataclass(frozen=True, slots=True)
class DeskStatus:
    unattended: bool = False
    return_at: datetime | None = None
    backup_contact: str = ""
    by: str = ""


def desk_status(store: Store) -> DeskStatus:
    text = kv.get(store, DESK_KEY)
    if not text:
        return DeskStatus()
    data = json.loads(text)
    return DeskStatus(
        bool(data["unattended"]),
        parse_iso(data["return_at"]) if data.get("return_at") else None,
        data.get("backup_contact", ""),
        data.get("by", ""),
    )


def set_desk_status(
    store: Store,
    actor: audit.Actor,
    *,
    unattended: bool,
    site_id: str,
    kiosk_id: str,
    return_at: datetime | None = None,
    backup_contact: str = "",
) -> DeskStatus:
    """Mark the desk unattended (a backup contact is required then) or staffed again."""
    contact = backup_contact.strip()
    if unattended and not contact:
        raise ValidationError(
            "who to ask while the desk is unattended?",
            field="backup_contact",
            key="reception.backup_required",
        )
    if not unattended:
        contact, return_at = "", None
    with store.transaction() as tx:
        now = tx.clock.now()
        if return_at is not None and return_at <= now:
            raise ValidationError(
                "the return time has passed", field="return_at", key="reception.return_past"
            )
        event = DeskStatusChanged(
            site_id=site_id,
            kiosk_id=kiosk_id,
            unattended=unattended,
            return_at=return_at,
            backup_contact=contact,
            by=actor.id,
            changed_at=now,
        )
        kv.put(
            tx,
            DESK_KEY,
            json.dumps(
                {
                    "unattended": unattended,
                    "return_at": iso(return_at) if return_at else "",
                    "backup_contact": contact,
                    "by": actor.id,
                }
            ),
        )
        tx.emit(event)
        audit.record(
            tx,
            actor,
            "desk.unattended" if unattended else "desk.attended",
            site_id=site_id,
            kiosk_id=kiosk_id,
            details={"return_at": iso(return_at) if return_at else ""},
        )
    return desk_status(store)


def leave_desk(
    store: Store,
    actor: audit.Actor,
    *,
    backup_contact: str,
    backup_channels: tuple[str, ...],
    site_id: str,
    kiosk_id: str,
    return_at: datetime | None = None,
) -> DeskStatus:
    """The console's "leave desk" switch: unattended, covered by the configured backup
    contact (``[reception] backup_contact``/``backup_channels``, both required: a desk left
    without anyone to tell is what the switch exists to prevent)."""
    if not backup_contact.strip() or not backup_channels:
        raise ValidationError(
            "no backup contact configured ([reception] backup_contact and backup_channels)",
            field="backup_contact",
            key="reception.no_backup_channel",
        )
    return set_desk_status(
        store,
        actor,
        unattended=True,
        site_id=site_id,
        kiosk_id=kiosk_id,
        return_at=return_at,
        backup_contact=backup_contact,
    )
