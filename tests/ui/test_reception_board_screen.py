"""The desk's board on the real app offscreen: search, a visit's record (reveal the phone,
correct, cancel), reprint once, deny with a reason, and a check-in on a visitor's behalf."""

from __future__ import annotations

from kiosk.core.models import VisitState
from kiosk.core.visits.checkin import CheckinForm
from tests.ui.test_reception import _sign_in, _staff


def _visit(app, name, phone, *, company="星河科技", host="h004"):
    form = CheckinForm(
        name=name, phone=phone, company=company, purpose="meeting", host_id=host, consent=True
    )
    return app.services.checkin.check_in(form).visit.id


def _row(board, visit_id):
    return next(r for r in board.ids.rows.children if r.entry.visit_id == visit_id)


def _search(kiosk, board, text):
    board.ids.search.text = text
    kiosk.wait_for(lambda: board.view is not None and board.view.search == text.strip())
    kiosk.settle()
    return [r.entry.name for r in reversed(board.ids.rows.children)]


def _audit(app):
    return [r["action"] for r in app.services.store.query("SELECT action FROM audit_log")]


def _open_record(kiosk, board, visit_id):
    kiosk.tap(_row(board, visit_id))
    kiosk.tap(board.ids.details)
    kiosk.wait_for(lambda: kiosk.screen == "reception_record")
    kiosk.settle()
    return kiosk.current()


def test_search_by_name_company_host_and_phone_with_phones_masked(kiosk):
    app = kiosk.app
    _staff(app)
    _visit(app, "赵云", "13912340006", company="星河科技", host="h004")
    _visit(app, "Mary Smith", "13855550123", company="Acme Ltd", host="h001")
    _sign_in(kiosk)
    board = kiosk.current()
    assert board.counts["on_site"] == 2
    texts = " ".join(r.text for r in board.ids.rows.children)
    assert "139****0006" in texts and "13912340006" not in texts
    assert _search(kiosk, board, "赵") == ["赵云"]
    assert _search(kiosk, board, "acme") == ["Mary Smith"]
    assert _search(kiosk, board, "Li Na") == ["Mary Smith"]  # h001's name in English
    assert _search(kiosk, board, "0006") == ["赵云"]
    assert _search(kiosk, board, "nobody") == []
    assert board.counts["on_site"] == 0
    assert app.t("reception.list_empty") in kiosk.texts()
    assert _search(kiosk, board, "") == ["赵云", "Mary Smith"]


def test_the_phone_is_shown_only_after_reveal_and_the_reveal_is_audited(kiosk):
    app = kiosk.app
    _staff(app)
    visit_id = _visit(app, "赵云", "13912340006")
    _sign_in(kiosk)
    record = _open_record(kiosk, kiosk.current(), visit_id)
    assert record.ids.phone.text == app.t("desk.phone", phone="139****0006")
    assert "personal.revealed" not in _audit(app)
    kiosk.tap(record.ids.reveal)
    assert record.ids.phone.text == app.t("desk.phone", phone="13912340006")
    assert _audit(app).count("personal.revealed") == 1
    assert record.ids.reveal.disabled  # nothing more to reveal: no second audit entry


def test_a_correction_needs_a_reason_keeps_the_original_and_shows_who_and_why(kiosk):
    app = kiosk.app
    staff = _staff(app)
    visit_id = _visit(app, "赵云", "13912340006", company="星河科枝")
    _sign_in(kiosk)
    record = _open_record(kiosk, kiosk.current(), visit_id)
    kiosk.tap(record.ids.field_company)
    record.ids.value.text = "星河科技"
    kiosk.tap(record.ids.save)
    assert kiosk.screen == "reception_record"  # still on the record, the reason asked for
    assert app.t("reception.reason_required") in kiosk.texts()
    assert app.services.records.visitor(
        app.services.records.visit(visit_id).visitor_id
    ).company == ("星河科枝")
    record.ids.reason.text = "typo at check-in"
    kiosk.tap(record.ids.save)
    kiosk.settle()
    visitor = app.services.records.visitor(app.services.records.visit(visit_id).visitor_id)
    assert visitor.company == "星河科技"
    [note] = record.ids.annotations.children
    for part in ("星河科枝", "星河科技", staff.name, "typo at check-in"):
        assert part in note.text
    [row] = app.services.reception.actions.annotations(visit_id)
    assert (row["old_value"], row["new_value"], row["by_staff"]) == (
        "星河科枝",
        "星河科技",
        staff.id,
    )
    assert "visit.corrected" in _audit(app)
    assert app.t("desk.corrected") in kiosk.texts()


def test_correct_the_purpose_and_the_host_with_the_pickers(kiosk):
    app = kiosk.app
    _staff(app)
    visit_id = _visit(app, "赵云", "13912340006", host="h004")
    _sign_in(kiosk)
    record = _open_record(kiosk, kiosk.current(), visit_id)
    kiosk.tap(record.ids.field_purpose)
    kiosk.tap_text(app.t("purpose.interview"), record.ids.choices)
    record.ids.reason.text = "came for an interview"
    kiosk.tap(record.ids.save)
    assert app.services.records.visit(visit_id).purpose == "interview"
    kiosk.tap(record.ids.field_host)
    record.ids.value.text = "li na"
    kiosk.wait_for(lambda: any("李娜" in c.text for c in record.ids.choices.children))
    kiosk.tap_text("李娜", record.ids.choices)
    record.ids.reason.text = "asked for Li Na"
    kiosk.tap(record.ids.save)
    assert app.services.records.visit(visit_id).host_id == "h001"
    assert len(record.ids.annotations.children) == 2
    assert any("刘洋" in n.text and "李娜" in n.text for n in record.ids.annotations.children)


def test_cancel_a_visit_with_a_reason(kiosk):
    app = kiosk.app
    _staff(app)
    visit_id = _visit(app, "赵云", "13912340006")
    _sign_in(kiosk)
    record = _open_record(kiosk, kiosk.current(), visit_id)
    kiosk.tap(record.ids.cancel_visit)
    assert app.t("reception.reason_required") in kiosk.texts()
    assert app.services.records.visit(visit_id).state is VisitState.CHECKED_IN
    record.ids.reason.text = "checked in twice by mistake"
    kiosk.tap(record.ids.cancel_visit)
    kiosk.wait_for(lambda: kiosk.screen == "reception_board")
    kiosk.settle()
    assert app.services.records.visit(visit_id).state is VisitState.CANCELLED
    assert kiosk.current().counts["on_site"] == 0
    assert app.t("desk.cancelled", name="赵云") in kiosk.texts()
    assert "visit.cancelled" in _audit(app)


def test_reprint_prints_one_copy_never_a_second_by_accident(kiosk):
    app = kiosk.app
    _staff(app)
    visit_id = _visit(app, "赵云", "13912340006")
    queue = app.services.print_queue
    kiosk.wait_for(lambda: queue.status_for(visit_id).state == "printed")
    _sign_in(kiosk)
    board = kiosk.current()
    stale = board.view  # what a second tap on a board not yet refreshed would go by
    kiosk.tap(_row(board, visit_id))
    kiosk.tap(board.ids.reprint)
    assert app.t("reception.done_reprint", name="赵云") in kiosk.texts()
    assert queue.status_for(visit_id).copy == stale.copies[visit_id] + 1
    board.view = stale  # the line stays selected
    kiosk.tap(board.ids.reprint)
    assert app.t("reception.reprint_already", name="赵云") in kiosk.texts()
    reprints = app.services.store.query(
        "SELECT * FROM badge_reprints WHERE visit_id = ?", (visit_id,)
    )
    assert len(reprints) == 1
    kiosk.wait_for(lambda: queue.status_for(visit_id).state == "printed")
    assert _audit(app).count("badge.reprinted") == 1


def test_a_denial_needs_a_typed_reason(kiosk):
    app = kiosk.app
    _staff(app)
    visit_id = _visit(app, "黑名单测试", "13000000000", host="h001")
    _sign_in(kiosk)
    board = kiosk.current()
    kiosk.tap(board.ids.tab_held)
    kiosk.tap(_row(board, visit_id))
    kiosk.tap(board.ids.deny)
    assert app.t("reception.reason_required") in kiosk.texts()
    assert board.counts["held"] == 1
    board.ids.reason.text = "on the list for a reason"
    kiosk.tap(board.ids.deny)
    assert board.counts["held"] == 0
    row = app.services.store.query("SELECT * FROM visit_decisions WHERE visit_id = ?", (visit_id,))
    assert (row[0]["decision"], row[0]["reason"]) == ("denied", "on the list for a reason")


def test_check_a_visitor_in_on_their_behalf(kiosk):
    app = kiosk.app
    _staff(app)
    _sign_in(kiosk)
    kiosk.tap(kiosk.current().ids.new_checkin)
    assert kiosk.screen == "reception_checkin"
    form = kiosk.current()
    kiosk.tap(form.ids.submit)
    assert app.t("checkin.required.name") in kiosk.texts()
    form.ids.name.text = "孙丽"
    form.ids.phone.text = "13700001111"
    form.ids.company.text = "远航物流"
    kiosk.tap_text(app.t("purpose.delivery"), form.ids.purposes)
    form.ids.host_search.text = "liu yang"
    kiosk.wait_for(lambda: any("刘洋" in c.text for c in form.ids.hosts.children))
    kiosk.tap_text("刘洋", form.ids.hosts)
    kiosk.tap(form.ids.submit)
    assert app.t("checkin.required.consent") in kiosk.texts()
    kiosk.tap(form.ids.consent)
    kiosk.tap(form.ids.submit)
    kiosk.wait_for(lambda: kiosk.screen == "reception_board")
    kiosk.settle()
    board = kiosk.current()
    assert app.t("desk.checked_in", name="孙丽") in kiosk.texts()
    [entry] = board.view.lists["on_site"]
    visit = app.services.records.visit(entry.visit_id)
    assert (visit.host_id, visit.purpose, visit.state) == (
        "h004",
        "delivery",
        VisitState.CHECKED_IN,
    )
    assert "visit.checked_in_for" in _audit(app)
    kinds = [r["kind"] for r in app.services.store.query("SELECT kind FROM outbox")]
    assert "visit.checked_in" in kinds
    queue = app.services.print_queue
    kiosk.wait_for(lambda: queue.status_for(visit.id).state == "printed")
    # the form is empty for the next one
    kiosk.tap(board.ids.new_checkin)
    assert kiosk.current().ids.name.text == "" and kiosk.current().host is None
