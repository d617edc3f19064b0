"""Overdue tickets escalate: first to the department head, then to the desk with an alert.

A ticket still waiting (open, assigned, in progress) past its due time gets, once each:

1. level 1: a message to its department's head (``[tickets] head_urls``) with the link; a
   department without a head goes straight to level 2;
2. level 2, ``desk_after_minutes`` past the due time (or at once without a head): a
   ``ticket_overdue`` alert, which shows on the console and goes to the desk's channels.

Each is a ``ticket.updated`` entry ``escalated`` (``fields.level``) written in the same
transaction as its message or alert, so a restart never escalates twice. Reassigning a ticket
starts its escalation again. Runs on the ``Worker`` base with the injected clock: ``due_in``
says when the next ticket falls due.

It also tells the clients of this kiosk's tickets that a department resolved one through its
link (``tell_pulled``: the entry came by pull, so no listener ran; woken after a pull, and once
at start), planned once per entry (its key), also across restarts.

Must never: escalate a ticket that is resolved, confirmed or closed.
"""

from __future__ import annotations

from datetime import timedelta

from kiosk.core.alerts import raise_alert
from kiosk.core.config.clock import iso, parse_iso
from kiosk.core.events import TicketUpdated
from kiosk.core.store import alert_deliveries
from kiosk.core.store import tickets as table
from kiosk.core.store.database import Transaction
from kiosk.core.tickets.desk import TicketDesk
from kiosk.core.tickets.model import WAITING, Entry, Ticket
from kiosk.core.tickets.routing import TicketRouter
from kiosk.core.workers.worker import Worker

OVERDUE = "ticket_overdue"


class OverdueWatch(Worker):
    def __init__(self, *, desk: TicketDesk, router: TicketRouter) -> None:
        super().__init__(name="ticket-overdue", clock=desk.store.clock)
        self.desk = desk
        self.router = router
        self.desk_after = timedelta(minutes=desk.settings.tickets.desk_after_minutes)
        # a new ticket (or a change) may fall due sooner than the wait under way
        desk.store.on_emit(self.wake)
        self._pulled = True

    def _next_at(self, ticket_due: str, escalation: int) -> str:
        due = parse_iso(ticket_due)
        return iso(due + self.desk_after) if escalation >= 1 else iso(due)

    def pulled(self) -> None:
        """Tickets came by pull: look for departments' resolutions (on the worker's thread)."""
        self._pulled = True
        self.wake()

    def run_once(self) -> bool:
        now = self.clock.now()
        did = False
        if self._pulled:
            self._pulled = False
            did = self.tell_pulled() > 0
        for row in table.rows(self.desk.store, status=WAITING, overdue_at=iso(now), limit=100):
            if row["escalation"] >= 2 or self._next_at(row["due_at"], row["escalation"]) > iso(now):
                continue
            with self.desk.store.transaction() as tx:
                ticket = self.desk.ticket(row["id"])
                if ticket.status not in WAITING or not ticket.overdue(now):
                    continue
                self.escalate(tx, ticket)
                did = True
        return did

    def escalate(self, tx: Transaction, ticket: Ticket) -> None:
        """The next level for an overdue ticket (see the module docstring)."""
        if ticket.escalation == 0 and self.router.heads.get(ticket.department_id):
            updated = self.desk.escalate(tx, ticket, 1, "department head")
            self.router.escalate_to_head(tx, updated, updated.last_entry_id)
            return
        raise_alert(
            tx,
            OVERDUE,
            severity="warning",
            message_key="alert.ticket_overdue",
            details={"number": ticket.number, "department": ticket.department_id or "-"},
            site_id=ticket.site_id,
            kiosk_id=self.desk.kiosk_id,
        )
        self.desk.escalate(tx, ticket, 2, "desk")

    def tell_pulled(self, *, days: int = 2) -> int:
        """Plan the client's message of each department's resolution of a ticket raised here
        in the last ``days``; returns how many were planned."""
        store = self.desk.store
        since = iso(self.clock.now() - timedelta(days=days))
        planned = 0
        for ticket_id in table.done_since(store, kiosk_id=self.desk.kiosk_id, since=since):
            ticket = self.desk.ticket(ticket_id)
            if not self.router.client_channel(ticket)[0]:
                continue
            for entry in ticket.entries:
                if entry.action != "resolved" or not entry.by.startswith("department:"):
                    continue
                with store.transaction() as tx:
                    if not alert_deliveries.planned(tx, f"tk-{entry.id}"):
                        self.router.tell_client(tx, ticket, _as_event(ticket, entry))
                        planned += 1
        return planned

    def due_in(self) -> float | None:
        rows = self.desk.store.query(
            "SELECT due_at, escalation FROM tickets WHERE status IN ('open','assigned',"
            "'in_progress') AND due_at IS NOT NULL AND escalation < 2"
        )
        if not rows:
            return None
        soonest = min(self._next_at(r["due_at"], r["escalation"]) for r in rows)
        return max(0.0, (parse_iso(soonest) - self.clock.now()).total_seconds())


def _as_event(ticket: Ticket, entry: Entry) -> TicketUpdated:
    """A pulled entry as the event its writer emitted (what ``tell_client`` reads)."""
    return TicketUpdated(
        entry_id=entry.id,
        ticket_id=ticket.id,
        site_id=ticket.site_id,
        kiosk_id=entry.kiosk_id,
        action="resolved",
        status=entry.status or "resolved",  # type: ignore[arg-type]
        note=entry.note,
        by=entry.by,
        at=entry.at,
    )
