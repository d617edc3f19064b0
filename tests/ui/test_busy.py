"""Use cases run on the command runner: a slow store never freezes the screen, and an error
in a command is the translated message on screen, never a crash of the Kivy loop."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest

from kiosk.core.config.errors import StorageError
from kiosk.core.models import VisitState

pytestmark = pytest.mark.ui


@pytest.fixture
def slow_store(kiosk, monkeypatch):
    """Every write transaction sleeps 1 s inside the lock, as behind a worker's long one."""
    store = kiosk.app.services.store
    real = store.transaction
    ui_thread_writes = []

    @contextmanager
    def slow_transaction():
        import threading

        if threading.current_thread() is threading.main_thread():
            ui_thread_writes.append(True)
        with real() as tx:
            time.sleep(1.0)
            yield tx

    monkeypatch.setattr(store, "transaction", slow_transaction)
    yield ui_thread_writes
    monkeypatch.undo()
    # a worker woken by the check-in may still sleep inside its slow transaction: wait for the
    # write lock, so the next test does not find the store slow
    time.sleep(1.1)
    with real():
        pass


@contextmanager
def drawn(screen):
    """Each frame the window draws, as (time, screen.busy, screen.busy_shown)."""
    from kivy.core.window import Window

    frames = []

    def on_draw(*_):
        frames.append((time.monotonic(), screen.busy, screen.busy_shown))

    Window.bind(on_draw=on_draw)
    try:
        yield frames
    finally:
        Window.unbind(on_draw=on_draw)


def test_a_slow_check_in_keeps_frames_coming_and_says_please_wait(kiosk, slow_store):
    app = kiosk.app
    kiosk.at_confirm("13912347701", name="慢慢来")
    screen = kiosk.current()
    started = time.monotonic()
    with drawn(screen) as frames:
        kiosk.tap(screen.ids.confirm, settle=False)
        ticks, last, gaps, saw_wait, tapped_again = 0, time.monotonic(), [], False, False
        while screen.busy and time.monotonic() - started < 10:
            kiosk.frames(1)
            now = time.monotonic()
            gaps.append(now - last)
            last, ticks = now, ticks + 1
            if screen.busy_shown and not tapped_again:
                kiosk.tap(screen.ids.confirm, settle=False)  # impatient: a second tap
                tapped_again = True
            saw_wait = saw_wait or (screen.busy_shown and "请稍候…" in kiosk.texts())
        elapsed = time.monotonic() - started
        kiosk.settle()
    assert kiosk.screen == "done", "the check-in completes"
    assert elapsed >= 1.0, "the write really was slow"
    assert saw_wait and any(shown for _t, _b, shown in frames), "'please wait' is drawn"
    # the store held the UI thread for none of that second: frames kept coming
    assert ticks >= 5 and max(gaps) < 0.8, f"{ticks} frames, longest gap {max(gaps):.2f} s"
    assert slow_store == [], "no write transaction ran on the UI thread"
    assert not screen.busy and not screen.busy_shown
    visitor = app.services.records.visitor_by_phone("13912347701")
    rows = app.services.store.query("SELECT id FROM visits WHERE visitor_id = ?", (visitor.id,))
    assert tapped_again and len(rows) == 1, "no second check-in while one runs"
    assert app.services.records.visit(rows[0]["id"]).state is VisitState.CHECKED_IN


def test_a_quick_command_never_flickers_the_busy_indicator(kiosk):
    kiosk.at_confirm("13912347702", name="慢慢来")
    screen = kiosk.current()
    with drawn(screen) as frames:
        kiosk.tap(screen.ids.confirm)
    assert kiosk.screen == "done"
    assert frames, "frames were drawn"
    assert not any(shown for _t, _b, shown in frames), "no frame shows 'please wait'"


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (StorageError("disk full"), "无法保存记录，请到前台办理"),
        (RuntimeError("a bug in a use case"), "出现了问题，请到前台咨询"),
    ],
)
def test_an_error_in_a_command_is_the_translated_message_on_screen(
    kiosk, monkeypatch, error, message
):
    app = kiosk.app
    store = app.services.store

    @contextmanager
    def failing_transaction():
        raise error
        yield  # pragma: no cover

    kiosk.at_confirm("13912347703", name="慢慢来")
    monkeypatch.setattr(store, "transaction", failing_transaction)
    screen = kiosk.current()
    kiosk.tap(screen.ids.confirm)
    assert kiosk.screen == "confirm"
    assert message in kiosk.texts()
    assert not screen.busy and not screen.ids.confirm.disabled, "the visitor may try again"
    monkeypatch.undo()
    app.toggle_language()
    kiosk.frames(2)
    assert app.t(screen.error_key, "en") in kiosk.texts(), "the message follows the language"
    kiosk.tap(screen.ids.confirm)
    assert kiosk.screen == "done"
