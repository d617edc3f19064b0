"""``kiosk tour``'s emergency screens: a supervisor's start, the instructions, the roll call,
and the console after the drill ended (the record's note and PDF).

They come last: once the drill is started every visitor screen leads to the instructions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def emergency_steps(app: Any, zh: bool) -> list[tuple[str, Callable[[], Any]]]:
    services = app.services
    mode = services.emergency.mode
    started: list[object] = []

    def emergency_start() -> Callable[[], bool]:
        app.go("emergency_rollcall")
        s = app.screen("emergency_rollcall")
        return lambda: not s.busy and not s.active

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
        app.go("emergency_rollcall")
        s = app.screen("emergency_rollcall")
        return lambda: s.active and not s.busy and bool(s.counts_text)

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
