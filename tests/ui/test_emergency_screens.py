"""Emergency mode on the real app offscreen: a supervisor starts a drill from the console, the
kiosk shows the instructions (both languages, text at least 15 mm), check-in is paused while a
badge scan still checks out, marks on the roll call, and the end takes the kiosk home; then a
note on the record and the record saved as a PDF."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from kivy.metrics import mm

from kiosk.core.visits.checkin import CheckinForm
from kiosk.screens.emergency import TEXT_MM
from tests.ui.test_reception import PIN, _sign_in

GUEST = CheckinForm(
    name="王芳", phone="13812340077", purpose="meeting", host_id="h001", consent=True
)


@pytest.mark.slow
def test_a_supervisor_runs_a_drill_from_the_console(kiosk):
    app = kiosk.app
    app.services.reception.staff.add("Li Jing", "supervisor", PIN)
    visit = app.services.checkin.check_in(GUEST).visit
    _sign_in(kiosk)
    app.go("emergency_rollcall")
    kiosk.settle()
    console = kiosk.current()
    assert not console.active
    kiosk.tap(console.ids.start)
    kiosk.wait_for(lambda: console.active and console.counts_text)
    assert app.services.emergency.mode.current().drill  # the drill switch is on by default
    names = [row.name for row in console.ids.lines.children]
    assert "王芳" in names and any("Li Jing" in n for n in names)  # staff on duty too
    row = next(r for r in console.ids.lines.children if r.person_id == visit.id)
    kiosk.tap(row.ids.accounted)

    def marked() -> bool:  # rows are reused: the visitor's line moves below those to find
        rows = [r for r in console.ids.lines.children if r.person_id == visit.id]
        return bool(rows) and rows[0].status == "accounted"

    kiosk.wait_for(marked)
    shown = [r.status for r in reversed(console.ids.lines.children)]
    assert shown == sorted(shown, key=["missing", "unknown", "accounted", "left"].index)

    # check-in is paused: the visitor screens lead to the instructions, check-out stays open
    app.home()
    kiosk.settle()
    assert kiosk.screen == "emergency_instructions"
    screen = kiosk.current()
    kiosk.wait_for(lambda: screen.title_en and screen.assembly_en)
    assert "Drill" in screen.title_en and "演练" in screen.title_zh  # both languages at once
    assert "the square south of the building" in screen.assembly_en
    assert "正门" in screen.exits_zh
    for label_id in ("title_zh", "title_en", "assembly_en", "paused_zh", "paused_en"):
        assert screen.ids[label_id].font_size >= mm(TEXT_MM) - 0.5, label_id
    app.go("phone")
    assert kiosk.screen == "emergency_instructions"
    app.go("checkout")
    assert kiosk.screen == "checkout"

    # a supervisor ends it with a reason; the kiosk goes home
    _sign_in(kiosk)
    app.go("emergency_rollcall")
    kiosk.settle()
    console = kiosk.current()
    console.ids.reason.text = "drill over, all accounted for"
    kiosk.tap(console.ids.end)
    kiosk.wait_for(lambda: not console.active)
    incident = app.services.emergency.mode.latest()
    assert incident.reason == "drill over, all accounted for" and not incident.active
    assert incident.marks[visit.id].status == "accounted"

    # afterwards, the record: a supervisor's note, and the record saved as a PDF (audited)
    if not app.reception.signed_in():
        _sign_in(kiosk)
    app.go("emergency_rollcall")
    kiosk.settle()
    console = kiosk.current()
    kiosk.wait_for(lambda: console.show_last and console.ids.last.height > 0)
    assert "0 " in console.last_text or "0 条" in console.last_text  # no notes yet
    console.ids.note.text = "出口B被快递堵住"
    kiosk.tap(console.ids.add_note)
    kiosk.wait_for(lambda: [n.text for n in app.services.emergency.mode.latest().notes])
    assert app.services.emergency.mode.latest().notes[0].text == "出口B被快递堵住"
    kiosk.tap(console.ids.save_record)
    saved = Path(app.services.settings.data_dir) / "incidents" / f"incident-{incident.id}.pdf"
    kiosk.wait_for(saved.exists)
    text = subprocess.run(
        ["pdftotext", str(saved), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "王芳" in text and "出口B被快递堵住" in text
    actions = [r[0] for r in app.services.store.query("SELECT action FROM audit_log")]
    assert "incident.exported" in actions


def test_a_receptionist_cannot_start_it(kiosk):
    app = kiosk.app
    app.services.reception.staff.add("Wang Fang", "receptionist", PIN)
    _sign_in(kiosk)
    app.go("emergency_rollcall")
    kiosk.settle()
    console = kiosk.current()
    kiosk.tap(console.ids.start)
    kiosk.wait_for(lambda: console.error_key == "emergency.supervisor")
    assert app.services.emergency.mode.current() is None


def test_an_emergency_started_elsewhere_switches_the_kiosk_and_its_end_goes_home(kiosk):
    app = kiosk.app
    mode = app.services.emergency.mode
    app.go("phone")
    kiosk.settle()
    mode.start(by="st-s", role="supervisor", emergency="earthquake")  # as a peer's entry would
    kiosk.wait_for(lambda: kiosk.screen == "emergency_instructions")
    mode.end(by="st-s", role="supervisor", reason="all clear")
    kiosk.wait_for(lambda: kiosk.screen == "home")
