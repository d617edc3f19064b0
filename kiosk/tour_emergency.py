"""``kiosk tour``'s emergency screens: a supervisor's start, the instructions, the roll call,
and the console after the drill ended (the record's note and PDF).

They come last: once the drill is started every visitor screen leads to the instructions.
The visitor screens before them lock the console, so each console step signs the tour's admin
in again (``tour_console.ADMIN_PIN``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def emergency_steps(app: Any, zh: bool) -> list[tuple[str, Callable[[], Any]]]:
    services = app.services
    mode = services.emergency.mode
    started: list[object] = []

    def console(ready: Callable[[Any], bool]) -> Callable[[], bool]:
        """Open the roll call with the tour's admin signed in; ``ready(screen)`` says when."""
        from kiosk.tour_console import ADMIN_PIN

        s = app.screen("emergency_rollcall")
        signed: list[object] = []

        def opened(session: object) -> None:
            app.reception.opened(session)
            app.go("emergency_rollcall")
            signed.append(session)

        if app.reception.session is None:
            app.commands.submit(lambda: services.reception.staff.enter(ADMIN_PIN), opened)
        else:
            app.go("emergency_rollcall")
            signed.append(app.reception.session)
        return lambda: bool(signed) and ready(s)

    def emergency_start() -> Callable[[], bool]:
        return console(lambda s: not s.busy and not s.active)

    def emergency_instructions() -> Callable[[], bool]:
        session = app.reception.session
        staff = session.staff if session is not None else None
        by, role = (staff.id, staff.role) if staff is not None else ("tour", "supervisor")
        app.commands.submit(
            lambda: mode.start(by=by, role=role, emergency="fire", drill=True), started.append
        )
        s = app.screen("emergency_instructions")

        def ready() -> bool:
            if started and app.manager.current != "emergency_instructions":
                app.go("emergency_instructions")
            return bool(started) and bool(s.title_zh) and not s.busy

        return ready

    def emergency_rollcall() -> Callable[[], bool]:
        return console(lambda s: s.active and not s.busy and bool(s.counts_text))

    def emergency_review() -> Callable[[], bool]:
        ended: list[object] = []

        def end_and_note() -> None:
            incident = mode.current()
            if incident is not None:
                mode.end(by="tour", role="supervisor", reason="drill over")
                note = "出口B被快递堵住 / exit B was blocked by deliveries"
                mode.note(by="tour", role="supervisor", incident_id=incident.id, text=note)

        app.commands.submit(end_and_note, ended.append)
        s = app.screen("emergency_rollcall")

        def ready() -> bool:
            if ended and not s.show_last and not s.busy:
                s.refresh()
            return bool(ended) and s.show_last and not s.busy

        return ready

    return [
        ("emergency_start", emergency_start),
        ("emergency_instructions", emergency_instructions),
        ("emergency_rollcall", emergency_rollcall),
        ("emergency_review", emergency_review),
    ]
