"""A visitor's check-in through the real app offscreen, and what the process holds after it.

Shared by the soak test (``tests/ui/test_soak.py``: descriptors and connections must stay
flat) and the soak benchmark (``bench/bench_soak.py``: growth per 100 visitors).
"""

from __future__ import annotations

import os
import time
from typing import Any

from tests.support.kiosk_driver import Driver


def phone_of(n: int) -> str:
    """A different valid mainland mobile number for each visitor ``n``."""
    return f"1391{n:07d}"


def walk_in(kiosk: Driver, n: int) -> dict[str, float]:
    """Visitor ``n`` checks in as a new walk-in, with a pinyin name, a host found by its
    initials and the badge preview shown; back home at the end. Returns each step's
    milliseconds (the step's taps and what they started, until the next screen is ready)."""
    steps: dict[str, float] = {}
    started = time.perf_counter()

    def step(name: str) -> None:
        nonlocal started
        now = time.perf_counter()
        steps[name] = (now - started) * 1000
        started = now

    kiosk.tap(kiosk.current().ids.checkin)
    kiosk.keys(phone_of(n))
    kiosk.wait_for(lambda: kiosk.screen == "name")  # 11 digits move on by themselves
    step("phone")
    kiosk.keys("zhangwei")
    kiosk.candidate("张伟")
    kiosk.tap_text("下一步")
    assert kiosk.screen == "company", kiosk.screen
    step("name")
    kiosk.tap_text("跳过")
    kiosk.tap_text("会议")
    assert kiosk.screen == "host", kiosk.screen
    step("company_purpose")
    kiosk.keys("ln")
    step("host_keystrokes")
    kiosk.tap_text("李娜")
    kiosk.tap(kiosk.current().ids.agree)
    assert kiosk.screen == "confirm", kiosk.screen
    step("host_consent")
    kiosk.tap(kiosk.current().ids.confirm)
    assert kiosk.screen == "done", kiosk.screen
    step("confirm")
    kiosk.wait_for(lambda: kiosk.current().badge_texture is not None)
    step("badge_preview")
    kiosk.app.home()
    kiosk.wait_for(lambda: kiosk.screen == "home")
    step("done_home")
    return steps


def quiet(kiosk: Driver, timeout: float = 30.0) -> None:
    """Until every badge is taken in and printed and the app's runners are idle."""
    from kiosk.core.store import print_jobs

    services = kiosk.app.services
    queue = services.print_queue

    def idle() -> bool:
        store = services.store
        return (
            queue.intake.pending() == 0
            and print_jobs.next_due(store, services.clock.now()) is None
            and not print_jobs.any_at_printer(store)
        )

    kiosk.wait_for(idle, timeout)
    kiosk.settle()


def open_fds() -> int:
    """File descriptors this process has open now."""
    return len(os.listdir("/proc/self/fd"))


def holdings(app: Any) -> dict[str, int]:
    """What must not grow per visitor: open descriptors, the store's connections, threads."""
    import threading

    return {
        "fds": open_fds(),
        "connections": app.services.store.connection_count(),
        "threads": threading.active_count(),
    }
