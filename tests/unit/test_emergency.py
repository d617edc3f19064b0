"""Emergency mode's core: the timeline fold, the use cases, the roll call, a restart."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from kiosk.core.alerts import open_alerts
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import DeniedError, ValidationError
from kiosk.core.emergency.timeline import Entry, fold
from kiosk.core.events import EmergencyEnded, EmergencyMarked, EmergencyStarted, parse_event
from kiosk.core.events.examples import EXAMPLES
from tests.unit.emergency_fixtures import form, kiosk

T = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _stamp(ms: int, node: str) -> str:
    return f"{1_764_000_000_000 + ms:013d}{0:06d}-{node}"


def _start(n: int, kiosk_id: str, ms: int, node: str) -> Entry:
    e = EmergencyStarted(
        entry_id=f"s{n}", site_id="demo", kiosk_id=kiosk_id, at=T, emergency="fire", by="st-1"
    )
    return Entry(_stamp(ms, node), e)


def _end(n: int, kiosk_id: str, ms: int, node: str) -> Entry:
    e = EmergencyEnded(
        entry_id=f"e{n}", site_id="demo", kiosk_id=kiosk_id, at=T, by="st-2", reason="all clear"
    )
    return Entry(_stamp(ms, node), e)


def _mark(n: int, ms: int, status: str) -> Entry:
    e = EmergencyMarked(
        entry_id=f"m{n}",
        site_id="demo",
        kiosk_id="kiosk-2",
        at=T,
        person_id="v1",
        status=status,  # type: ignore[arg-type]
        by="st-2",
    )
    return Entry(_stamp(ms, "b"), e)


def test_two_supervisors_starting_at_once_make_one_incident_whatever_the_order() -> None:
    entries = [
        _start(1, "kiosk-1", 10, "a"),
        _start(2, "kiosk-2", 10, "b"),  # the same millisecond on another kiosk
        _mark(1, 20, "missing"),
        _mark(2, 30, "accounted"),
        _end(1, "kiosk-1", 40, "a"),
        _end(2, "kiosk-2", 41, "b"),  # a second end: noted, changes nothing
    ]
    expected = fold(entries)
    assert len(expected) == 1
    incident = expected[0]
    assert incident.id == "s1" and incident.ended_by == "st-2" and not incident.active
    assert incident.marks["v1"].status == "accounted"
    assert len(incident.entries) == 6
    for seed in range(20):
        shuffled = entries[:]
        random.Random(seed).shuffle(shuffled)
        assert fold(shuffled) == expected


def test_a_start_stamped_after_an_end_opens_a_new_incident_and_late_marks_change_nothing() -> None:
    incidents = fold(
        [
            _start(1, "kiosk-1", 10, "a"),
            _end(1, "kiosk-2", 20, "b"),
            _mark(1, 25, "missing"),  # made before the end reached that kiosk
            _start(2, "kiosk-2", 30, "b"),
        ]
    )
    assert [i.id for i in incidents] == ["s1", "s2"]
    assert incidents[0].marks == {} and not incidents[0].active
    assert incidents[1].active


def test_every_emergency_kind_has_an_example_that_parses() -> None:
    for kind in (
        "emergency.started",
        "emergency.ended",
        "emergency.marked",
        "emergency.switched",
        "emergency.rollcall_printed",
    ):
        assert parse_event(kind, EXAMPLES[kind].payload()) == EXAMPLES[kind]


def test_start_mark_end_and_the_roll_call(tmp_path) -> None:
    clock = FakeClock(T)
    services = kiosk(tmp_path, clock=clock)
    try:
        result = services.checkin.check_in(form())
        mode = services.emergency.mode
        with pytest.raises(DeniedError):
            mode.start(by="st-r", role="receptionist", emergency="fire")
        with pytest.raises(ValidationError):
            mode.start(by="st-s", role="supervisor", emergency="flood")
        clock.advance(5)
        incident = mode.start(by="st-s", role="supervisor", emergency="fire", drill=True)
        assert incident.drill and incident.started_by == "st-s"
        assert "kiosk-1" in mode.current().switched  # this kiosk switched at once
        call = mode.roll_call()
        names = {line.person.name: line for line in call.lines}
        assert names["张伟"].status == "unknown" and names["张伟"].person.host
        assert mode.roll_call().all_accounted_after(mode.current()) is None
        clock.advance(95)
        mode.mark(by="st-s", person_id=result.visit.id, status="accounted")
        assert mode.roll_call().counts()["accounted"] == 1
        assert mode.roll_call().all_accounted_after(mode.current()) == 95.0  # a drill's figure
        with pytest.raises(ValidationError):
            mode.end(by="st-s", role="supervisor", reason=" ")
        kinds = [
            r["kind"]
            for r in services.store.query("SELECT kind FROM outbox WHERE kind LIKE 'emergency.%'")
        ]
        assert kinds == ["emergency.started", "emergency.switched", "emergency.marked"]
        (alert,) = [a for a in open_alerts(services.store) if a.kind == "emergency_started"]
        assert alert.severity == "critical" and alert.details["people"] == "1"
        assert alert.details["drill"] == "drill"
    finally:
        services.stop()


def test_a_kiosk_restarted_during_an_emergency_comes_back_in_it(tmp_path) -> None:
    clock = FakeClock(T)
    services = kiosk(tmp_path, clock=clock)
    services.emergency.mode.start(by="st-s", role="supervisor", emergency="earthquake")
    services.stop()
    again = kiosk(tmp_path, clock=clock)
    try:
        incident = again.emergency.mode.current()
        assert incident is not None and incident.emergency == "earthquake"
        clock.advance(60)
        again.emergency.mode.end(by="st-s", role="supervisor", reason="drill over")
        assert again.emergency.mode.current() is None
        assert again.emergency.mode.latest().ended_at == T + timedelta(seconds=60)
    finally:
        again.stop()


def test_a_checkout_during_the_emergency_counts_as_left_the_building(tmp_path) -> None:
    clock = FakeClock(T)
    services = kiosk(tmp_path, clock=clock)
    try:
        result = services.checkin.check_in(form())
        mode = services.emergency.mode
        mode.start(by="st-s", role="supervisor", emergency="evacuation")
        clock.advance(30)
        services.checkin.check_out(result.visit.id)
        (line,) = [x for x in mode.roll_call().lines if x.person.person_id == result.visit.id]
        assert line.status == "left"
    finally:
        services.stop()
