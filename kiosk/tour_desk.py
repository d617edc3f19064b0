"""``kiosk tour``'s steps for the desk's own work (issue 16): the console's parcels and
reports, then the courier's Delivery screens. They run after the console's steps, while a
staff member is still signed in; the visitor's screens come last (going home locks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Step = Callable[[], Callable[[], bool] | None]


def desk_steps(app: Any, zh: bool) -> list[tuple[str, Step]]:
    services = app.services

    def reception_deliveries() -> Callable[[], bool]:
        parcels = services.parcels
        logged: list[object] = []

        def receive() -> None:
            parcels.receive("sf_express", host_id="h001")
            parcels.receive("meituan")
            parcels.receive("documents", host_id="h004")

        app.commands.submit(receive, logged.append)
        screen = app.screen("reception_deliveries")

        def ready() -> bool:
            if not logged:
                return False
            if app.manager.current != "reception_deliveries":
                app.go("reception_deliveries")  # lists what is there once the three are in
                return False
            return len(screen.waiting) >= 3 and not screen.busy

        return ready

    def reception_reports() -> Callable[[], bool]:
        app.go("reception_reports")
        screen = app.screen("reception_reports")
        return lambda: screen.report is not None and screen.chart is not None and not screen.busy

    def delivery() -> Callable[[], bool]:
        app.home()
        app.go("delivery")
        screen = app.screen("delivery")
        return lambda: bool(screen.ids.couriers.children)

    def delivery_recipient() -> Callable[[], bool]:
        app.screen("delivery").choose("sf_express")
        screen = app.screen("delivery_recipient")
        screen.ids.field.text = "li"
        return lambda: bool(screen.ids.results.children)

    return [
        ("reception_deliveries", reception_deliveries),
        ("reception_reports", reception_reports),
        ("delivery", delivery),
        ("delivery_recipient", delivery_recipient),
    ]
