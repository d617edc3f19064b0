"""``kiosk tour``'s emergency screens: a supervisor's start, the instructions, the roll call.

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

    return [
        ("emergency_start", emergency_start),
        ("emergency_instructions", emergency_instructions),
        ("emergency_rollcall", emergency_rollcall),
    ]
