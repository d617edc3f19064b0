"""A site that collects ID numbers ([checkin] id_numbers): the visitor types one on its own
step after the name, on the real app offscreen; it is kept sealed and only ever shown masked."""

from __future__ import annotations

import pytest

from kiosk.core.store import id_numbers
from kiosk.screens.reception_record import record_view
from tests.ui.conftest import fresh_database, settings_for

pytestmark = [pytest.mark.ui, pytest.mark.slow]  # ~10 s on the shared machine

NUMBER = "11010519491231002X"


def test_checking_in_with_an_id_number_when_the_site_collects_them(kiosk, tmp_path):
    app = kiosk.app
    data = tmp_path / "ids"
    fresh_database(app, data, settings_for(data).replace("checkin", id_numbers=True))
    app.home()
    kiosk.frames(2)
    kiosk.tap(app.root.ids.lang_toggle)
    kiosk.tap(kiosk.current().ids.checkin)
    kiosk.tap_text("+")
    kiosk.keys("447700900123")
    kiosk.tap_text("Next")
    kiosk.keys("anna")
    kiosk.tap_text("Next")
    assert kiosk.screen == "id_number"
    assert any("sensitive personal information" in t for t in kiosk.texts())  # its own line
    kiosk.keys(NUMBER[:-1] + "1")  # a wrong check character
    kiosk.tap_text("I agree, go on")
    assert kiosk.screen == "id_number"
    assert any("not a valid ID card number" in t for t in kiosk.texts())
    kiosk.tap_text("Delete")
    kiosk.key("X")
    kiosk.tap_text("I agree, go on")
    assert kiosk.screen == "company"
    kiosk.keys("acme")
    kiosk.tap_text("Next")
    kiosk.tap_text("Interview")
    kiosk.keys("miller")
    kiosk.tap_text("David Miller")
    kiosk.tap_text("I have read this and agree")
    kiosk.tap_text("Check in")
    assert kiosk.screen == "done"
    assert not any(NUMBER in t for t in kiosk.texts())
    services = app.services
    [row] = services.store.query("SELECT visit_id, id_number FROM visit_id_numbers")
    assert row["id_number"].startswith("pf1.")  # sealed
    assert id_numbers.masked(services.store, row["visit_id"]) == "1101**********002X"
    view = record_view(services.reception, row["visit_id"], "en")  # the console's record
    assert view.id_number == "1101**********002X"
