"""Host replies ("I'm coming" / "please wait"), from head office's pull feed.

The first reply to a visit's messages is recorded (it stops the escalation); a later one,
or one with another visit's reply id, changes nothing.

Must never: trust a reply's payload unparsed (``host.replied`` goes through the registry).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kiosk.core.config.clock import iso
from kiosk.core.config.errors import NotifyError, ValidationError
from kiosk.core.events import HostReplied, parse_event
from kiosk.core.store import notify_deliveries as db
from kiosk.core.store.database import Store, Transaction
from kiosk.core.store.records import Records

log = logging.getLogger(__name__)


def apply_reply(
    store: Store,
    *,
    visit_id: str,
    reply_id: str,
    reply: str,
    minutes: int,
    recipient: str,
    replied_at: datetime,
    tx: Transaction | None = None,
) -> bool:
    """Record the first reply to a visit's message; later ones and strangers are ignored."""
    if tx is None:
        with store.transaction() as t:
            return _apply(t, visit_id, reply_id, reply, minutes, recipient, iso(replied_at))
    return _apply(tx, visit_id, reply_id, reply, minutes, recipient, iso(replied_at))


def handle_host_replied(tx: Transaction, payload: Mapping[str, Any]) -> None:
    """Sync pull handler for ``host.replied`` changes (registered in the kiosk's dispatch).

    Payload: ``visit_id``, ``reply_id``, ``reply`` (coming / wait), ``minutes``,
    ``recipient`` (who answered: host:<id> / department:<id>), ``replied_at``.
    """
    try:
        reply = parse_event("host.replied", dict(payload))
        assert isinstance(reply, HostReplied)
        _apply(
            tx,
            reply.visit_id,
            reply.reply_id,
            reply.reply,
            reply.minutes,
            reply.recipient,
            iso(reply.replied_at),
        )
    except (ValidationError, NotifyError) as e:
        # one odd change must not stop the pull: log it and move on
        log.warning("ignoring a host.replied change: %s", e)


def host_replied_change(records: Records, tx: Transaction, change: Any) -> None:
    """The ``sync.apply`` handler for pulled ``host.replied`` changes (``change.payload``)."""
    handle_host_replied(tx, change.payload)


def _apply(
    tx: Transaction,
    visit_id: str,
    reply_id: str,
    reply: str,
    minutes: int,
    recipient: str,
    replied_at: str,
) -> bool:
    if reply not in ("coming", "wait"):
        raise NotifyError(f"unknown reply {reply!r}")
    return db.set_reply(
        tx,
        visit_id=visit_id,
        reply_id=reply_id,
        reply=reply,
        minutes=minutes,
        recipient=recipient,
        replied_at=replied_at,
    )
