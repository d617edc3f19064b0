"""The desk's assessment reports (kiosk/core/reports) against a hand-computed day, built
through the app's own wiring on an injected clock: check-ins, host replies, parcels and
ratings made by the real use cases; then the CSV read back with the csv module and the PDF
rasterised by poppler."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import UTC, date, datetime

import pytest
from PIL import Image, ImageChops, ImageStat

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.i18n import translate
from kiosk.core.reports.export import neutralise, pages, to_csv, to_pdf
from kiosk.core.reports.figures import ReportService, extra_sections, median, p90
from kiosk.core.reports.periods import period
from kiosk.core.store import notify_deliveries
from tests.unit.reception_fixtures import DESK_PIN, form, kiosk

START = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai, the day before
DAY = date(2026, 12, 1)


def _at(clock: FakeClock, hh: int, mm: int, day: int = 1) -> None:
    target = datetime(2026, 11 if day == 30 else 12, day, hh, mm, tzinfo=UTC)
    clock.advance((target - clock.now()).total_seconds())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A day at the desk (UTC times; Shanghai is UTC+8), hand-computed in the tests."""
    clock = FakeClock(START)
    s = kiosk(tmp_path_factory.mktemp("reports"), clock)
    s.reception.staff.add("前台王", "receptionist", DESK_PIN)
    staff = s.reception.staff.enter(DESK_PIN).staff.actor
    visits: dict[str, str] = {}

    def check_in(name: str, phone: str, purpose: str) -> None:
        f = form(name=name, phone=phone)
        visits[name] = s.checkin.check_in(
            f.__class__(**{**f.__dict__, "purpose": purpose})
        ).visit.id
        assert s.notifier.wait_idle()  # the host is told now: the reply clock starts

    def reply(name: str) -> None:
        row = notify_deliveries.visit_row(s.store, visits[name])
        s.notifier.record_reply(
            visit_id=visits[name], reply_id=row["reply_id"], reply="coming", minutes=0
        )

    _at(clock, 15, 50, day=30)
    check_in("v0", "13800000010", "meeting")  # 23:50 local on 30 Nov: outside the day
    _at(clock, 1, 10)
    check_in("v1", "13800000011", "meeting")  # 09:10
    _at(clock, 1, 14)
    reply("v1")  # 4 minutes
    _at(clock, 1, 40)
    check_in("v2", "13800000012", "meeting")  # 09:40
    _at(clock, 1, 50)
    reply("v2")  # 10 minutes
    _at(clock, 2, 0)
    denied = s.checkin.check_in(form(name="黑名单测试", phone="13000000000"))
    assert denied.denied  # never came in: not counted
    sf = s.parcels.receive("sf_express", host_id="h001")
    _at(clock, 2, 30)
    s.parcels.collect(staff, sf.id)  # 30 minutes
    _at(clock, 3, 0)
    docs = s.parcels.receive("documents", host_id="h004")
    _at(clock, 4, 0)
    food = s.parcels.receive("meituan")
    _at(clock, 4, 6)
    s.parcels.collect(staff, food.id)  # 6 minutes
    _at(clock, 5, 0)
    s.parcels.collect(staff, docs.id)  # 120 minutes
    _at(clock, 6, 5)
    check_in("v3", "13800000013", "interview")  # 14:05
    _at(clock, 6, 7)
    reply("v3")  # 2 minutes
    _at(clock, 7, 0)
    s.parcels.receive("jd", host_id="h002")  # never collected
    _at(clock, 8, 0)
    for name, score in (("v1", 5), ("v2", 3), ("v3", 1)):
        s.checkin.check_out(visits[name])
        assert s.ratings.rate(visits[name], score)
    _at(clock, 15, 30)
    check_in("v4", "13800000014", "contractor")  # 23:30: still 1 December; no reply
    _at(clock, 16, 30)
    check_in("v5", "13800000015", "meeting")  # 00:30 on 2 December: outside
    yield s
    s.stop()


def _day(s):
    return s.reports.report(period("day", DAY, "Asia/Shanghai"))


def test_visitors_by_purpose_and_hour_on_the_sites_clock(built):
    r = _day(built)
    assert r.value("report.visitors", "report.visitors_total") == 4
    assert r.value("report.visitors", "purpose.meeting") == 2
    assert r.value("report.visitors", "purpose.interview") == 1
    assert r.value("report.visitors", "purpose.contractor") == 1
    assert r.value("report.visitors", "purpose.delivery") == 0
    assert {h: n for h, n in enumerate(r.by_hour) if n} == {9: 2, 14: 1, 23: 1}


def test_time_until_hosts_replied_median_and_p90(built):
    r = _day(built)
    got = {f.key: f.value for f in r.section("report.host_replies").figures}
    assert got == {
        "report.notified": 4,
        "report.replied": 3,
        "report.not_replied": 1,
        "report.median_minutes": 4.0,  # 2, 4, 10
        "report.p90_minutes": 10.0,  # nearest rank: the 3rd of 3
    }


def test_parcels_received_collected_uncollected(built):
    r = _day(built)
    got = {f.key: f.value for f in r.section("report.parcels").figures}
    assert got == {
        "report.parcels_received": 4,
        "report.parcels_collected": 3,
        "report.parcels_uncollected": 1,
        "report.median_minutes": 30.0,  # 6, 30, 120
        "report.p90_minutes": 120.0,
        "courier.documents": 1,
        "courier.jd": 1,
        "courier.meituan": 1,
        "courier.sf_express": 1,
    }


def test_ratings(built):
    r = _day(built)
    assert r.value("report.ratings", "report.ratings_count") == 3
    assert r.value("report.ratings", "report.average") == 3.0
    scores = [r.value("report.ratings", "report.score", score=str(n)) for n in range(1, 6)]
    assert scores == [1, 0, 1, 0, 1]


def test_longer_periods_hold_the_day_and_the_neighbours(built):
    zone = "Asia/Shanghai"
    week = built.reports.report(period("week", DAY, zone))  # Mon 30 Nov to Sun 6 Dec
    assert week.period.label == "2026-W49"
    assert week.value("report.visitors", "report.visitors_total") == 6
    quarter = built.reports.report(period("quarter", DAY, zone))
    assert quarter.period.label == "2026-Q4"
    assert quarter.period.start == datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    assert quarter.value("report.visitors", "report.visitors_total") == 6
    month = built.reports.report(period("month", DAY, zone))  # v0 was in November
    assert month.value("report.visitors", "report.visitors_total") == 5
    year = period("year", DAY, zone)
    assert (year.start, year.end) == (
        datetime(2025, 12, 31, 16, 0, tzinfo=UTC),
        datetime(2026, 12, 31, 16, 0, tzinfo=UTC),
    )


def test_median_and_p90_by_hand():
    assert median([]) is None and p90([]) is None
    assert median([5, 1, 3, 2]) == 2.5
    assert p90(list(range(1, 11))) == 9  # 10 values: the 9th
    assert p90(list(range(1, 12))) == 10  # 11 values: ceil(9.9) = the 10th


def _t(key: str, **params: object) -> str:
    return translate(key, "en", **params)


HOSTILE = {
    '=HYPERLINK("http://x")': {"@SUM(A1)": 1, "+1": "-2+3", "nested": {"\tx": "\rx"}},
}


def test_csv_is_utf8_with_a_bom_and_every_formula_cell_neutralised(built):
    service = ReportService(
        store=built.store,
        settings=built.settings,
        clock=built.clock,
        extra=[lambda store, start, end: HOSTILE],  # a provider with hostile labels
    )
    r = service.report(period("day", DAY, "Asia/Shanghai"))
    data = to_csv(r, _t)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Site", "Period", "Section", "Figure", "Value"]
    assert ["demo", "2026-12-01", "Visitors", "Visitors in all", "4"] in rows
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    hostile = [row for row in rows if row[2].startswith("'=")]
    assert [row[3:] for row in hostile] == [
        ["'@SUM(A1)", "1"],
        ["'+1", "'-2+3"],
        ["nested / \tx", "'\rx"],
    ]
    zh = to_csv(r, lambda key, **p: translate(key, "zh_CN", **p)).decode("utf-8-sig")
    assert "来访总数" in zh


def test_neutralise_leaves_plain_text_alone():
    assert neutralise("李娜") == "李娜" and neutralise("10") == "10"
    assert neutralise("=1+1") == "'=1+1"


def test_extra_sections_show_what_they_are_given():
    [section] = extra_sections({"Tickets": {"by kind": {"complaint": 2}, "open": 1}})
    assert [(f.key, f.value) for f in section.figures] == [
        ("by kind / complaint", 2),
        ("open", 1),
    ]
    assert not section.translated


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_the_pdf_is_a4_and_rasterises_to_the_drawn_pages(built, tmp_path):
    r = _day(built)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(to_pdf(r, _t, site_name="Demo Tower"))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert "Pages:" in info.stdout and "595.2 x 841.9" in info.stdout  # A4 in points
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "p")], check=True)
    [first, *_] = sorted(tmp_path.glob("p*.png"))
    raster = Image.open(first).convert("L")
    drawn = pages(r, _t, site_name="Demo Tower")[0].convert("L").resize(raster.size)
    assert ImageStat.Stat(raster).stddev[0] > 10  # not blank
    diff = ImageStat.Stat(ImageChops.difference(raster, drawn)).mean[0]
    assert diff < 8, diff


def test_the_chart_draws_a_bar_for_each_busy_hour():
    from kiosk.core.reports.chart import BAR, render_chart

    image = render_chart([0] * 9 + [2, 5] + [0] * 13, title="Visitors by hour")
    width, height = image.size
    slot = (width - 24 - 70) / 24

    def bar_pixels(hour: int) -> int:
        x = int(70 + (hour + 0.5) * slot)
        return sum(image.getpixel((x, y)) == BAR for y in range(height))

    assert bar_pixels(8) == 0 and bar_pixels(11) == 0
    assert 0 < bar_pixels(9) < bar_pixels(10)  # 2 visitors, then 5
    assert render_chart([0] * 24, title="").size == (1200, 520)  # an empty day draws too
