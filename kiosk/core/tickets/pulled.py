"""Pull handlers of tickets, registered in ``sync/apply.py``: the site's other kiosks' tickets
and every department's answer through its link join this kiosk's list.

``ticket.raised`` adds the ticket, ``ticket.updated`` adds the entry; either refolds the
ticket from everything this kiosk has of it (``model.fold``), so the order they arrive in
does not matter and one already here is "already had it". A ticket of another site is
ignored. Audit entries for these are the writer's (the other kiosk's chain, or head office's
record of the department's step), not this kiosk's.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.core.events import TicketRaised, TicketUpdated
from kiosk.core.store import tickets as table
from kiosk.core.store.database import Transaction
from kiosk.core.tickets.desk import refresh_row
from kiosk.core.tickets.model import fold

log = logging.getLogger(__name__)


def _ours(records: Any, site_id: str) -> bool:
    sites = {s.id for s in records.sites()}
    if sites and site_id not in sites:
        log.warning("a ticket change for site %s, not this kiosk's", site_id)
        return False
    return True


def _refold(records: Any, tx: Transaction, ticket_id: str) -> None:
    raised = table.raised_of(records.store, ticket_id)
    if raised is not None:
        refresh_row(tx, fold(raised, table.entries_of(records.store, ticket_id)))


def ticket_raised_change(records: Any, tx: Transaction, event: TicketRaised) -> None:
    if _ours(records, event.site_id) and table.add_ticket(tx, event.payload()):
        _refold(records, tx, event.ticket_id)


def ticket_updated_change(records: Any, tx: Transaction, event: TicketUpdated) -> None:
    if _ours(records, event.site_id) and table.add_entry(tx, event.payload()):
        _refold(records, tx, event.ticket_id)
