"""Tickets on the real app offscreen: the call log in under six taps plus typing (physical
keyboard), the visitor's Help screen raising a ticket and looking it up by number, and the
console's list and detail moving it along."""

from __future__ import annotations

import pytest

from tests.ui.test_reception import _sign_in, _staff

pytestmark = pytest.mark.slow


class Counting:
    """The driver's taps, counted."""

    def __init__(self, kiosk) -> None:
        self.kiosk, self.taps = kiosk, 0

    def tap(self, widget) -> None:
        self.taps += 1
        self.kiosk.tap(widget)


def test_a_call_is_logged_in_under_six_taps_plus_typing(kiosk) -> None:
    app = kiosk.app
    _staff(app)
    _sign_in(kiosk)
    count = Counting(kiosk)
    count.tap(kiosk.current().ids.calls)
    assert kiosk.screen == "reception_calls"
    calls = kiosk.current()
    kiosk.wait_for(lambda: bool(calls.ids.departments.children))
    count.tap(calls.ids.asked)
    kiosk.type_slowly("问停车场几点关门", gap=0.005)
    count.tap(next(b for b in calls.ids.departments.children if b.key == "property"))
    count.tap(calls.ids.wait_5)
    count.tap(calls.ids.save)
    assert count.taps < 6
    kiosk.wait_for(lambda: calls.note_key == "tickets.call_logged")
    [ticket] = app.services.tickets.tickets()
    assert (ticket.kind, ticket.subject, ticket.wait_minutes) == ("call", "问停车场几点关门", 5)
    assert (ticket.status, ticket.department_id) == ("assigned", "property")
    assert calls.ids.asked.text == ""  # ready for the next call
    # the list shows it; the detail turns the call into a request without re-typing
    kiosk.tap(calls.ids.list)
    tickets = kiosk.current()
    kiosk.wait_for(lambda: len(tickets.ids.rows.children) == 1)
    assert ticket.number in tickets.ids.rows.children[0].text
    kiosk.tap(tickets.ids.rows.children[0])
    detail = kiosk.current()
    kiosk.wait_for(lambda: detail.ticket is not None)
    kiosk.tap_text(detail.t("tickets.make.service_request"), detail)
    kiosk.wait_for(lambda: detail.ticket.kind == "service_request")
    kiosk.tap_text(detail.t("tickets.do.acknowledged"), detail)
    kiosk.wait_for(lambda: detail.ticket.status == "in_progress")
    assert any("Wang Fang" in r.text for r in detail.ids.timeline.children)


def test_a_visitor_reports_a_problem_on_help_and_looks_it_up_by_number(kiosk) -> None:
    app = kiosk.app
    app.go("help")
    kiosk.settle()
    help_screen = kiosk.current()
    kiosk.wait_for(lambda: bool(help_screen.ids.faq.children))
    kiosk.tap(help_screen.ids.report)
    form = kiosk.current()
    assert form.name == "help_ticket"
    kiosk.tap(form.ids.send)
    assert form.error_key == "help.pick_category"
    kiosk.tap(next(b for b in form.ids.categories.children if b.key == "cleaning"))
    kiosk.tap(form.ids.details)
    kiosk.type_slowly("lobby floor wet", gap=0.005)
    kiosk.tap(form.ids.contact)
    kiosk.type_slowly("liu@example.com", gap=0.005)
    kiosk.tap(form.ids.send)
    assert form.error_key == "help.consent_required"  # a contact needs consent
    kiosk.tap(form.ids.consent)
    kiosk.tap(form.ids.send)
    kiosk.wait_for(lambda: kiosk.screen == "help_ticket_done")
    done = kiosk.current()
    [ticket] = app.services.tickets.tickets()
    assert done.number == ticket.number and ticket.department_id == "property"
    assert (ticket.contact, ticket.consent, ticket.source) == ("liu@example.com", True, "help")
    kiosk.tap(done.ids.print_slip)
    kiosk.wait_for(lambda: done.slip == "queued")
    app.home()
    kiosk.settle()
    app.go("help_lookup")
    kiosk.settle()
    lookup = kiosk.current()
    kiosk.keys(ticket.number)  # on the digit pad
    assert lookup.ids.field.text == ticket.number
    kiosk.tap(lookup.ids.find)
    kiosk.wait_for(lambda: bool(lookup.result))
    assert ticket.number in lookup.result and "liu" not in lookup.result
    lookup.ids.field.text = "00000001" if ticket.number != "00000001" else "00000002"
    kiosk.tap(lookup.ids.find)
    kiosk.wait_for(lambda: lookup.result == lookup.t("help.lookup_none"))
