"""Deliveries and the check-out rating on the real app offscreen, wired by ``build_services``:
a courier taps Delivery, picks the courier and the recipient by the host search; the host is
told through a real SMTP server (aiosmtpd); the desk sees the parcel on the console and records
the pick-up; a visitor rates the visit with one tap on the goodbye screen, or does not."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from notify_servers import SmtpServer

from kiosk.core.store import parcels as parcel_table
from kiosk.core.visits.checkin import CheckinForm
from tests.ui.test_reception import _sign_in, _staff

pytestmark = pytest.mark.ui


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.mark.slow
def test_a_courier_leaves_a_parcel_the_host_is_mailed_and_the_desk_records_the_pick_up(
    kiosk, smtp, tmp_path
):
    app = kiosk.app
    records = app.services.records
    address = f"h001.{tmp_path.name}@example.com"
    with records.store.transaction() as tx:
        records.upsert_host(tx, replace(records.host("h001"), notify_urls=(smtp.url(address),)))
    kiosk.tap(app.screen("home").ids.delivery)
    assert kiosk.screen == "delivery"
    kiosk.tap_text("顺丰速运")
    assert kiosk.screen == "delivery_recipient"
    kiosk.keys("lina")
    kiosk.wait_for(lambda: bool(kiosk.current().results))
    kiosk.tap_text("李娜")
    kiosk.wait_for(lambda: kiosk.screen == "home")
    overlay = app._message
    assert overlay is not None and "李娜" in overlay.text and "顺丰速运" in overlay.text
    app.close_message()  # a tap closes it; the desk's long press comes next
    [mail] = smtp.mailbox.wait_for(address)
    assert "顺丰速运" in mail["Subject"]
    assert "a parcel from SF Express is at reception" in mail.get_body().get_content()
    # no visit and no badge for a courier
    assert records.open_visits("demo") == []
    [waiting] = app.services.parcels.uncollected()
    _staff(app)
    _sign_in(kiosk)
    board = kiosk.current()
    kiosk.wait_for(lambda: board.parcels_waiting == 1)  # the board says a parcel is waiting
    kiosk.tap(board.ids.deliveries)
    assert kiosk.screen == "reception_deliveries"
    kiosk.wait_for(lambda: len(kiosk.current().waiting) == 1)
    assert any("李娜" in t and "顺丰速运" in t for t in kiosk.texts())
    kiosk.tap_text("已领取")
    kiosk.wait_for(lambda: kiosk.current().waiting == [])
    row = parcel_table.parcel(app.services.store, waiting.id)
    assert row["collected_at"] and row["collected_by"] == app.reception.session.staff.id


def test_the_delivery_purpose_leaves_the_visitor_flow_for_the_courier_screens(kiosk):
    app = kiosk.app
    app.services.flow.set(name="快递员")
    app.services.flow.go("purpose")
    app.go("purpose")
    kiosk.frames(2)
    kiosk.tap_text("送货")
    assert kiosk.screen == "delivery"
    assert app.services.flow.form.name == ""  # nothing typed is kept for a visit


def test_leaving_it_at_the_desk_needs_no_recipient(kiosk):
    app = kiosk.app
    kiosk.tap(app.screen("home").ids.delivery)
    kiosk.tap_text("美团外卖")
    kiosk.tap(kiosk.current().ids.at_desk)
    kiosk.wait_for(lambda: kiosk.screen == "home")
    [parcel] = app.services.parcels.uncollected()
    assert parcel.courier == "meituan" and parcel.host_id is None


def _checked_out_to_goodbye(kiosk):
    app = kiosk.app
    form = CheckinForm(
        name="张伟",
        phone="13812345678",
        company="",
        purpose="meeting",
        host_id="h001",
        consent=True,
    )
    result = app.services.checkin.check_in(form)
    app.go("checkout")
    kiosk.frames(2)
    kiosk.current().ids.field.text = "13812345678"
    kiosk.current().find()
    kiosk.wait_for(lambda: kiosk.screen == "goodbye")
    return result.visit.id


def test_one_tap_rates_the_visit_at_check_out(kiosk):
    visit_id = _checked_out_to_goodbye(kiosk)
    assert kiosk.current().scores == [1, 3, 5]
    [happy] = [b for b in kiosk.current().ids.rating.children if b.text == "满意"]
    kiosk.tap(happy)
    kiosk.wait_for(lambda: not kiosk.current().busy)
    assert kiosk.current().rated and kiosk.current().scores == []
    rows = kiosk.app.services.store.query("SELECT * FROM visit_ratings")
    assert [(r["visit_id"], r["score"]) for r in rows] == [(visit_id, 5)]


def test_without_a_tap_the_goodbye_screen_goes_home_and_nothing_is_stored(kiosk):
    _checked_out_to_goodbye(kiosk)
    kiosk.tap_text("完成")
    assert kiosk.screen == "home"
    assert kiosk.app.services.store.query("SELECT * FROM visit_ratings") == []


@pytest.mark.slow
def test_the_reports_screen_shows_the_figures_a_chart_and_exports_csv_and_pdf(kiosk):
    app = kiosk.app
    app.services.parcels.receive("sf_express", host_id="h001")
    _staff(app)
    _sign_in(kiosk)
    kiosk.tap(kiosk.current().ids.reports)
    assert kiosk.screen == "reception_reports"
    screen = kiosk.current()
    kiosk.wait_for(lambda: screen.report is not None and screen.chart is not None)
    assert screen.report.period.kind == "day"
    texts = kiosk.texts()
    assert "快递、外卖与文件" in texts and "顺丰速运" in texts
    kiosk.tap(screen.ids.kind_quarter)
    kiosk.wait_for(lambda: screen.report.period.kind == "quarter" and not screen.busy)
    folder = app.services.settings.data_dir / "reports"
    kiosk.tap(screen.ids.export_csv)
    kiosk.wait_for(lambda: any(folder.glob("*.csv")))
    [exported] = folder.glob("*.csv")
    assert exported.read_bytes().startswith(b"\xef\xbb\xbf")
    assert str(exported) in app._message.text  # where it went, until a tap closes it
    app.close_message()
    kiosk.tap(screen.ids.export_pdf)
    kiosk.wait_for(lambda: any(folder.glob("*.pdf")))
    assert next(folder.glob("*.pdf")).read_bytes().startswith(b"%PDF")
