"""``kiosk tour``'s steps for the admin's console screens: settings and staff accounts. They
sign an admin in, so the desk's and the emergency's console steps run after them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Step = Callable[[], Callable[[], bool] | None]
#: the tour's admin (``reception_settings`` adds it; the emergency's steps sign it in again)
ADMIN_PIN = "246813"


def console_steps(app: Any, zh: bool) -> list[tuple[str, Step]]:
    """The admin's screens: settings (a test print on its way) and staff accounts."""
    services = app.services
    admin_pin = ADMIN_PIN
    signed: list[object] = []

    def reception_settings() -> Callable[[], bool]:
        staff = services.reception.staff
        name = "李静" if zh else "Li Jing"

        def sign_in() -> object:
            staff.add(name, "admin", admin_pin)
            return staff.enter(admin_pin)

        def opened(session: object) -> None:
            app.reception.opened(session)
            app.go("reception_settings")
            signed.append(session)

        app.commands.submit(sign_in, opened)
        settings = app.screen("reception_settings")
        return lambda: bool(signed) and settings.view is not None and not settings.busy

    def reception_staff() -> Callable[[], bool]:
        app.go("reception_staff")
        s = app.screen("reception_staff")
        s.ids.name.text = "陈晨" if zh else "Chen Chen"
        return lambda: len(s.members) >= 2 and not s.busy

    return [("reception_settings", reception_settings), ("reception_staff", reception_staff)]
