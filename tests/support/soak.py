"""Visitors through the real app offscreen, and what the process holds after them.

``walk_in`` is one new check-in; ``visitor`` is the soak's realistic mix around it (the
check-in, then in turn a check-out by phone of an earlier visitor, a directions trip and a
check-in abandoned to the idle reset). Shared by the soak test (``tests/ui/test_soak.py``:
descriptors, connections, widgets and threads must stay flat) and the soak benchmark
(``bench/bench_soak.py``: growth per 100 visitors).

Step times are milliseconds, most of them with the driver's extra frames. Five are what a
visitor waits for, with a budget of 100 ms: ``done_home``, ``goodbye_home``,
``directions_keystroke``, ``directions_home`` and ``idle_reset``, each the handler (home(),
the key's release) and the app's next frame until it is handed to OpenGL; ``_cpu`` is the UI
thread's CPU time for the same (what a busy shared machine does not inflate) and ``_drawn``
also waits until OpenGL has drawn the frame (``glFinish``). Offscreen that is Mesa's software
rasterizer, whose share is about ``full_redraw_ms`` (the window drawn again with nothing
changed) and which a kiosk's GPU does in a few milliseconds.
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
    steps.update(_handled_and_drawn(kiosk, "done_home", kiosk.app.home))
    assert kiosk.screen == "home", kiosk.screen
    kiosk.frames(2)
    return steps


#: the soak's mix: visitor n checks out the visitor checked in CHECK_OUT_LAG before (by phone),
#: every DIRECTIONS_EVERY-th looks up the way, every IDLE_EVERY-th walks away mid check-in
CHECK_OUT_LAG = 3
DIRECTIONS_EVERY = 2
IDLE_EVERY = 5


#: the parts of the mix that can be left out (``visitor(skip=…)``, the benchmark's
#: ``BENCH_SOAK_SKIP``) to find which one a growth comes with; the check-in always runs
PARTS = frozenset({"checkout", "directions", "idle"})


def visitor(kiosk: Driver, n: int, skip: frozenset[str] = frozenset()) -> dict[str, float]:
    """Visitor ``n`` of the soak's realistic mix, less the ``skip`` parts (of ``PARTS``);
    every step's milliseconds."""
    unknown = skip - PARTS
    if unknown:
        raise ValueError(f"soak: no part {sorted(unknown)} (parts: {sorted(PARTS)})")
    steps = walk_in(kiosk, n)
    if n >= CHECK_OUT_LAG and "checkout" not in skip:
        steps.update(check_out_by_phone(kiosk, n - CHECK_OUT_LAG))
    if n % DIRECTIONS_EVERY == 1 and "directions" not in skip:
        steps.update(directions_trip(kiosk))
    if n % IDLE_EVERY == 4 and "idle" not in skip:
        steps.update(idle_reset(kiosk, n))
    return steps


def _handled_and_drawn(kiosk: Driver, name: str, action: Any) -> dict[str, float]:
    """Milliseconds of ``action()`` and the app's next frame (``name``), the UI thread's CPU
    time for them (``name_cpu``: what a busy shared machine does not inflate), and until
    OpenGL has drawn that frame (``name_drawn``); what OpenGL had still to draw from before
    is not counted."""
    from kivy.graphics.opengl import glFinish

    glFinish()
    started, cpu = time.perf_counter(), time.thread_time()
    action()
    kiosk.frames(1)
    handed, cpu = time.perf_counter(), time.thread_time() - cpu
    glFinish()
    drawn = time.perf_counter()
    return {
        name: (handed - started) * 1000,
        f"{name}_cpu": cpu * 1000,
        f"{name}_drawn": (drawn - started) * 1000,
    }


def full_redraw_ms(kiosk: Driver) -> float:
    """Milliseconds for OpenGL to draw the whole window again with nothing changed."""
    from kivy.core.window import Window
    from kivy.graphics.opengl import glFinish

    glFinish()
    started = time.perf_counter()
    Window.canvas.ask_update()
    kiosk.frames(1)
    glFinish()
    return (time.perf_counter() - started) * 1000


def _timed_key(kiosk: Driver, letter: str) -> dict[str, float]:
    """An on-screen key pressed; milliseconds from its release to the frame showing it."""
    from kivy.tests.common import UnitTestTouch

    keyboard = kiosk.current().ids.keyboard
    key = next(w for w in keyboard.walk() if w.__class__.__name__ == "Key" and w.text == letter)
    touch = UnitTestTouch(*key.to_window(*key.center))
    touch.touch_down()
    kiosk.frames(1)
    ms = _handled_and_drawn(kiosk, "directions_keystroke", touch.touch_up)
    kiosk.frames(1)
    kiosk.settle()
    return ms


def check_out_by_phone(kiosk: Driver, n: int) -> dict[str, float]:
    """Visitor ``n`` checks out by typing their mobile number; home from the goodbye."""
    started = time.perf_counter()
    kiosk.tap(kiosk.current().ids.checkout)
    assert kiosk.screen == "checkout", f"the check-out button led to {kiosk.screen}"
    kiosk.keys(phone_of(n))
    # 11 digits look themselves up after a moment (as on check-in): Find only if they have not
    if kiosk.screen == "checkout" and not kiosk.current().busy:
        kiosk.tap(kiosk.current().ids.find)
    try:
        kiosk.wait_for(lambda: kiosk.screen == "goodbye", timeout=60)
    except AssertionError:
        screen = kiosk.current()
        raise AssertionError(
            f"no goodbye for {phone_of(n)}: {kiosk.screen} {screen.error_key!r}"
        ) from None
    checkout = (time.perf_counter() - started) * 1000
    home = _handled_and_drawn(kiosk, "goodbye_home", kiosk.app.home)
    kiosk.frames(2)
    return {"checkout_phone": checkout, **home}


def directions_trip(kiosk: Driver) -> dict[str, float]:
    """A person's room by their initials, the map floor by floor, then home."""
    kiosk.tap(kiosk.current().ids.directions)
    assert kiosk.screen == "directions", kiosk.screen
    screen = kiosk.current()
    keystrokes = [_timed_key(kiosk, letter) for letter in "ln"]  # the slower one counts
    kiosk.wait_for(lambda: len(screen.ids.results.children) > 0)
    started = time.perf_counter()
    kiosk.tap(screen.ids.results.children[-1])  # the first listed
    kiosk.wait_for(lambda: screen.ids.map.image is not None)
    shown = screen.ids.map.image
    kiosk.tap(screen.ids.next_floor)
    kiosk.wait_for(lambda: screen.ids.map.image is not None and screen.ids.map.image is not shown)
    trip = (time.perf_counter() - started) * 1000
    home = _handled_and_drawn(kiosk, "directions_home", kiosk.app.home)
    kiosk.frames(2)
    return {
        **max(keystrokes, key=lambda k: k["directions_keystroke"]),
        "directions_map": trip,
        **home,
    }


def idle_reset(kiosk: Driver, n: int) -> dict[str, float]:
    """A visitor types part of a number and walks away: the prompt, then home by itself."""
    app = kiosk.app
    kiosk.tap(kiosk.current().ids.checkin)
    kiosk.keys(phone_of(n)[:5])
    settings = app.settings.kiosk
    app.idle.idle_for(settings.idle_timeout + 0.5)
    kiosk.frames(1)
    assert app.idle.overlay is not None, "no idle prompt"
    gone = _handled_and_drawn(
        kiosk, "idle_reset", lambda: app.idle.idle_for(settings.idle_countdown + 1)
    )
    assert kiosk.screen == "home", kiosk.screen
    kiosk.frames(2)
    return gone


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
