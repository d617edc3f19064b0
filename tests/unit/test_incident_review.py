"""The incident review: notes, how long each person stayed unaccounted for, who marked them,
the end and why; the record as an A4 PDF in both languages, read back with pdftotext."""

from __future__ import annotations

import random
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import DeniedError, NotFoundError, ValidationError
from kiosk.core.emergency.record import incident_pdf, incident_review
from kiosk.core.emergency.review import duration_text
from kiosk.core.emergency.timeline import Entry, fold
from kiosk.core.events import EmergencyNoted, EmergencyStarted, parse_event
from kiosk.core.events.examples import EXAMPLES
from tests.unit.emergency_fixtures import form, kiosk

T = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _stamp(ms: int) -> str:
    return f"{1_764_000_000_000 + ms:013d}{0:06d}-a"


def _start(n: int, ms: int) -> Entry:
    e = EmergencyStarted(
        entry_id=f"s{n}", site_id="demo", kiosk_id="kiosk-1", at=T, emergency="fire", by="st-1"
    )
    return Entry(_stamp(ms), e)


def _note(n: int, ms: int, incident: str) -> Entry:
    e = EmergencyNoted(
        entry_id=f"n{n}",
        site_id="demo",
        kiosk_id="head-office",
        at=T + timedelta(days=n),
        incident_id=incident,
        by="security",
        note=f"note {n}",
    )
    return Entry(_stamp(ms), e)


def test_a_note_joins_its_incident_even_written_after_the_next_one_started() -> None:
    entries = [_start(1, 10), _start(2, 30), _note(1, 40, "s1"), _note(2, 50, "s1")]
    from kiosk.core.events import EmergencyEnded

    end = EmergencyEnded(
        entry_id="e1", site_id="demo", kiosk_id="kiosk-1", at=T, by="st-1", reason="clear"
    )
    entries.append(Entry(_stamp(20), end))
    expected = fold(entries)
    assert [i.id for i in expected] == ["s1", "s2"]
    assert [n.text for n in expected[0].notes] == ["note 1", "note 2"]
    assert expected[1].notes == () and expected[1].active
    for seed in range(10):
        shuffled = entries[:]
        random.Random(seed).shuffle(shuffled)
        assert fold(shuffled) == expected
    example = EXAMPLES["emergency.noted"]
    assert parse_event("emergency.noted", example.payload()) == example


def test_durations_read_the_same_in_both_languages() -> None:
    assert [duration_text(s) for s in (0, 95, 3599.6, 3725)] == [
        "0:00",
        "1:35",
        "1:00:00",
        "1:02:05",
    ]


def test_the_review_and_its_pdf(tmp_path) -> None:
    clock = FakeClock(T)
    services = kiosk(tmp_path, clock=clock)
    try:
        mode = services.emergency.mode
        found = services.checkin.check_in(form("张伟", "13812345678"))
        missing = services.checkin.check_in(form("Emma Müller", "13900001111"))
        gone = services.checkin.check_in(form("欧阳娜娜", "13700002222"))
        never = services.checkin.check_in(form("李小龙", "13600003333"))
        clock.advance(5)
        incident = mode.start(by="st-s", role="supervisor", emergency="fire", drill=True)
        clock.advance(55)
        services.checkin.check_out(gone.visit.id)  # left after 55 s
        clock.advance(40)
        mode.mark(by="st-s", person_id=missing.visit.id, status="accounted")
        clock.advance(5)  # 100 s after the start
        mode.mark(by="st-r", person_id=missing.visit.id, status="missing")  # a correction
        mode.mark(by="st-r", person_id=found.visit.id, status="accounted")
        clock.advance(20)
        services.checkin.check_out(never.visit.id)
        services.checkin.check_in(form("赵六", "13500004444"))  # after the start: not listed
        clock.advance(180)  # 300 s after the start
        mode.end(by="st-s", role="supervisor", reason="fire brigade: all clear")
        with pytest.raises(DeniedError):
            mode.note(by="st-r", role="receptionist", incident_id=incident.id, text="x")
        with pytest.raises(ValidationError):
            mode.note(by="st-s", role="supervisor", incident_id=incident.id, text="  ")
        with pytest.raises(NotFoundError):
            mode.note(by="st-s", role="supervisor", incident_id="nope", text="x")
        clock.advance(3600)
        mode.note(by="st-s", role="supervisor", incident_id=incident.id, text="出口B被快递堵住")
        kinds = [r[0] for r in services.store.query("SELECT kind FROM outbox ORDER BY rowid")]
        assert kinds[-1] == "emergency.noted"  # head office gets it through the outbox

        review = incident_review(mode, incident.id)
        by_name = {r.person.name: r for r in review.people}
        assert "赵六" not in by_name
        assert by_name["张伟"].status == "accounted" and by_name["张伟"].unaccounted == 100
        assert by_name["张伟"].by == "st-r" and not by_name["张伟"].open
        assert by_name["欧阳娜娜"].status == "left" and by_name["欧阳娜娜"].unaccounted == 55
        assert by_name["Emma Müller"].status == "missing" and by_name["Emma Müller"].open
        assert by_name["Emma Müller"].unaccounted == 300 == review.duration
        # checked out 120 s after the start, without a mark: left
        assert by_name["李小龙"].status == "left" and by_name["李小龙"].unaccounted == 120
        assert review.all_accounted_after is None
        assert [p.person.name for p in review.unaccounted()] == ["Emma Müller"]
        assert [n.text for n in review.notes] == ["出口B被快递堵住"]

        pdf = incident_pdf(mode, incident.id, site_name="演示大楼 / Demo Tower")
    finally:
        services.stop()
    path = tmp_path / "incident.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "张伟", "Emma Müller", "欧阳娜娜", "李小龙",  # every name
        "1:40", "0:55", "5:00", "2:00",  # every duration
        "事件记录 / Incident record", "演练 / Drill", "火警 / Fire",
        "fire brigade: all clear", "出口B被快递堵住", "st-r", "结束时仍有 1 人未确认",
    ):  # fmt: skip
        assert expected in text, expected
    assert "赵六" not in text
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "595.28 x 841.89 pts (A4)" in info


def test_a_drill_where_everyone_was_found_gives_its_figure(tmp_path) -> None:
    clock = FakeClock(T)
    services = kiosk(tmp_path, clock=clock)
    try:
        mode = services.emergency.mode
        a = services.checkin.check_in(form("张伟", "13812345678"))
        b = services.checkin.check_in(form("王芳", "13900001111"))
        incident = mode.start(by="st-s", role="supervisor", emergency="evacuation", drill=True)
        clock.advance(70)
        mode.mark(by="st-s", person_id=a.visit.id, status="accounted")
        clock.advance(205)
        mode.mark(by="st-s", person_id=b.visit.id, status="accounted")
        review = incident_review(mode, incident.id)
        assert review.all_accounted_after == 275.0 and review.incident.active
    finally:
        services.stop()
