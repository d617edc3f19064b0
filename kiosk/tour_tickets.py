"""``kiosk tour`` steps of the desk's tickets (issue 16): the console's call log, ticket list
and ticket detail, then the visitor's Help ticket screens. Runs after the console steps, while
their staff member is signed in (``kiosk.tour.tour_steps`` adds these last)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Step = Callable[[], Callable[[], bool] | None]


def ticket_steps(app: Any, zh: bool) -> list[tuple[str, Step]]:
    services = app.services
    desk = services.tickets
    made: list[Any] = []

    def seed() -> None:
        """A few tickets a desk would have by mid-morning (raised off the UI thread)."""
        from kiosk.core.tickets.desk import VISITOR, TicketForm

        session = app.reception.session
        actor = session.staff.actor if session is not None else VISITOR
        forms = [
            TicketForm(
                kind="call",
                subject="问会议室预订" if zh else "Meeting room booking",
                client_name="王先生" if zh else "Mr Wang",
                wait_minutes=5,
            ),
            TicketForm(
                kind="complaint",
                subject="前台等候太久" if zh else "Waited too long",
                cause="高峰期只有一人值班" if zh else "One person on duty at peak",
                contact="liu@example.com",
                consent=True,
                source="help",
            ),
            TicketForm(
                kind="service_request",
                subject="大堂地面湿滑" if zh else "Lobby floor wet",
                category="cleaning",
                priority="high",
                source="help",
            ),
        ]
        for form in forms:
            made.append(desk.raise_ticket(actor if form.source != "help" else VISITOR, form))
        t = made[-1]
        t = desk.act(actor, t.id, "acknowledged", seen=t.last_entry_id)
        desk.act(
            actor,
            t.id,
            "progress",
            seen=t.last_entry_id,
            note="保洁已在路上" if zh else "Cleaner on the way",
        )

    def reception_calls() -> Callable[[], bool]:
        app.commands.submit(seed)
        app.go("reception_calls")
        s = app.screen("reception_calls")
        s.ids.asked.text = "询问快递放在哪里" if zh else "Where are parcels left?"
        s.ids.caller.text = "陈女士" if zh else "Ms Chen"
        s.wait = 5
        return lambda: bool(s.ids.departments.children) and not s.busy

    def reception_tickets() -> Callable[[], bool]:
        app.go("reception_tickets")
        s = app.screen("reception_tickets")
        return lambda: len(s.ids.rows.children) >= 3 and not s.busy

    def reception_tickets_detail() -> Callable[[], bool]:
        s = app.screen("reception_tickets_detail")
        s.show(made[-1].id)
        app.go("reception_tickets_detail")
        return lambda: s.ticket is not None and bool(s.ids.timeline.children)

    def help_ticket() -> Callable[[], bool]:
        app.reception.lock()
        form = app.screen("help_ticket")
        form.start("service_request")
        app.go("help_ticket")
        form.pick("engineering")
        form.ids.details.text = "二楼洗手间水龙头漏水" if zh else "Tap leaking in 2F toilet"
        form.ids.contact.text = "13812345678"
        return lambda: bool(form.ids.categories.children)

    def help_ticket_done() -> None:
        done = app.screen("help_ticket_done")
        done.show(made[1].number, "complaint")
        app.go("help_ticket_done")

    def help_lookup() -> Callable[[], bool]:
        app.go("help_lookup")
        s = app.screen("help_lookup")
        s.ids.field.text = made[-1].number
        s.find()
        return lambda: bool(s.result)

    return [
        ("reception_calls", reception_calls),
        ("reception_tickets", reception_tickets),
        ("reception_tickets_detail", reception_tickets_detail),
        ("help_ticket", help_ticket),
        ("help_ticket_done", help_ticket_done),
        ("help_lookup", help_lookup),
    ]
