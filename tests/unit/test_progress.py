"""The done screen's view model (kiosk.core.visits.progress), on the app's own wiring, no Kivy.

The progress of the visit on show is computed when one of its inputs changes (an outbox event
of that visit, a print-job change, a pulled reply), never by polling; where to go and the route
are computed once per visit and language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kiosk.core.config.settings import load_settings
from kiosk.core.notify.channels import FakeNotifier
from kiosk.core.printing.fake import FakePrinter
from kiosk.core.visits.checkin import CheckinForm
from kiosk.core.visits.progress import ProgressWatch, VisitProgress
from kiosk.services import Services, build_services


class Submitted:
    """A stand-in for the shell's query runner that records each piece of work it was given;
    ``run()`` does them (on the test's thread) and delivers, as the runner would."""

    def __init__(self) -> None:
        self.work: list[tuple[Callable[[], Any], Callable[[Any], None]]] = []

    def __call__(self, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        self.work.append((fn, on_done))

    def run(self) -> int:
        done = 0
        while self.work:
            fn, on_done = self.work.pop(0)
            on_done(fn())
            done += 1
        return done


@pytest.fixture
def services(tmp_path) -> Any:
    settings = load_settings(environ={"KIOSK_KIOSK_DATA_DIR": str(tmp_path)})
    settings = settings.replace("notify", front_desk_urls=("fake://front",))
    services = build_services(
        settings,
        demo=True,
        start_workers=False,
        printer=FakePrinter(),
        notifier=FakeNotifier(),
    )
    yield services
    services.stop()


def _check_in(services: Services, phone: str = "13812345678") -> Any:
    form = CheckinForm(name="张伟", phone=phone, purpose="meeting", host_id="h001", consent=True)
    return services.checkin.check_in(form)


def _watch(services: Services) -> tuple[ProgressWatch, Submitted, list[VisitProgress]]:
    submit = Submitted()
    watch = ProgressWatch(model=services.progress, store=services.store, submit=submit)
    assert services.print_queue is not None
    services.print_queue.subscribe(watch.print_changed)
    return watch, submit, []


def test_progress_follows_the_badge_and_notification_events_of_the_visit(services):
    watch, submit, shown = _watch(services)
    visit = _check_in(services).visit
    watch.watch(visit, "zh_CN", shown.append)
    assert submit.run() == 1
    first = shown[-1]
    assert (first.place.target, first.place.floor, first.place.room) == ("李娜", "5", "503")
    assert first.place.route.startswith("5楼 503室")
    assert (first.print_state, first.print_key) == ("queued", "badge.status.printing")
    assert first.notify_state == "pending" and "李娜" in first.notify_text

    assert submit.run() == 0, "nothing changed: nothing is computed again (no polling)"
    services.print_queue.run_once()  # the badge prints: a job change and badge.printed
    assert submit.run() >= 1
    assert (shown[-1].print_state, shown[-1].print_key) == ("printed", "badge.status.printed")

    before = len(shown)
    assert services.notifier.wait_idle()  # the host has no channel: the front desk is told
    assert submit.run() >= 1 and len(shown) > before
    assert shown[-1].notify_state != "pending"
    kinds = {r["kind"] for r in services.store.query("SELECT kind FROM outbox")}
    assert kinds & {"notify.sent", "notify.failed"}, "the change came with a notify.* event"
    assert shown[-1].place is first.place, "the placement and route are computed once"


def test_other_visits_events_and_other_pulled_kinds_change_nothing(services):
    watch, submit, shown = _watch(services)
    visit = _check_in(services).visit
    services.print_queue.run_once()
    watch.watch(visit, "en", shown.append)
    submit.run()
    assert shown[-1].place.target == "Li Na" and shown[-1].print_state == "printed"
    _check_in(services, phone="13812345679")  # another visitor's check-in event
    services.print_queue.run_once()  # ... and their badge
    assert submit.run() == 0 and len(shown) == 1
    watch.pulled({"host.upserted"})
    assert submit.run() == 0
    watch.pulled({"host.replied", "host.upserted"})  # a reply may be about this visit
    assert submit.run() == 1 and len(shown) == 2


def test_a_language_switch_computes_the_placement_once_more_and_unwatch_stops(services):
    watch, submit, shown = _watch(services)
    visit = _check_in(services).visit
    watch.watch(visit, "zh_CN", shown.append)
    watch.watch(visit, "en", shown.append)  # the visitor switched language before it came
    submit.run()
    assert [p.lang for p in shown] == ["en"], "a stale value is never delivered"
    model = services.progress
    assert model.placement(visit, "en") is model.placement(visit, "en")
    watch.unwatch()
    services.print_queue.run_once()
    assert submit.run() == 0 and len(shown) == 1


def test_the_first_value_comes_with_the_check_in_command(services):
    watch, submit, shown = _watch(services)
    opened = watch.opening(lambda: _check_in(services), "zh_CN")()  # on the command thread
    first = opened.progress
    assert first is not None and first.visit_id == opened.result.visit.id
    assert (first.place.target, first.place.room) == ("李娜", "503") and first.place.steps
    assert (first.print_state, first.notify_state) == ("queued", "pending")
    assert submit.run() == 0, "no query was needed for it"
    watch.watch(opened.result.visit, "zh_CN", shown.append)  # Done: and a refresh
    assert submit.run() == 1 and shown == [first], "nothing changed in between"


def test_a_failed_first_read_does_not_fail_the_stored_check_in(services, monkeypatch):
    from kiosk.core.config.errors import StorageIOError

    watch, _submit, _shown = _watch(services)

    def broken(visit, lang):
        raise StorageIOError("disk I/O error")

    monkeypatch.setattr(services.progress, "progress", broken)
    opened = watch.opening(lambda: _check_in(services, phone="13812345670"), "zh_CN")()
    assert opened.progress is None, "Done computes it itself then"
    stored = services.records.visit(opened.result.visit.id)
    assert stored is not None and stored.state.value == "checked_in"


def test_nobody_to_tell_is_failed_before_the_notifier_takes_the_visit_in(tmp_path):
    settings = load_settings(environ={"KIOSK_KIOSK_DATA_DIR": str(tmp_path)})
    services = build_services(
        settings, demo=True, start_workers=False, printer=FakePrinter(), notifier=FakeNotifier()
    )
    try:
        assert services.notifier is not None
        visit = _check_in(services).visit
        before = services.notifier.status_for(visit.id, "zh_CN")
        assert before.state == "failed" and "前台" in before.text()
        assert services.notifier.wait_idle()  # the notifier plans it: nobody has a channel
        after = services.notifier.status_for(visit.id, "zh_CN")
        assert (after.state, after.text()) == (before.state, before.text())
    finally:
        services.stop()


def test_a_visit_with_somebody_to_tell_is_pending_until_the_notifier_says_more(services):
    visit = _check_in(services).visit  # the front desk has a channel here
    assert services.notifier.status_for(visit.id, "zh_CN").state == "pending"
