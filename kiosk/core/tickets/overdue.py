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

Must never: escalate a ticket that is resolved, confirmed or closed.
"""

from __future__ import annotations

from datetime import timedelta

from kiosk.core.alerts import raise_alert
from kiosk.core.config.clock import iso, parse_iso
from kiosk.core.store import tickets as table
from kiosk.core.store.database import Transaction
from kiosk.core.tickets.desk import TicketDesk
from kiosk.core.tickets.model import WAITING, Ticket
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

    def _next_at(self, ticket_due: str, escalation: int) -> str:
        due = parse_iso(ticket_due)
        return iso(due + self.desk_after) if escalation >= 1 else iso(due)

    def run_once(self) -> bool:
        now = self.clock.now()
        did = False
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

    def due_in(self) -> float | None:
        rows = self.desk.store.query(
            "SELECT due_at, escalation FROM tickets WHERE status IN ('open','assigned',"
            "'in_progress') AND due_at IS NOT NULL AND escalation < 2"
        )
        if not rows:
            return None
        soonest = min(self._next_at(r["due_at"], r["escalation"]) for r in rows)
        return max(0.0, (parse_iso(soonest) - self.clock.now()).total_seconds())
