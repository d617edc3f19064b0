"""Parcels left at reception (kiosk/core/deliveries) and the check-out rating
(kiosk/core/visits/rating.py), on a kiosk built by the app's own wiring with fake channels."""

from __future__ import annotations

import pytest

from kiosk.core.alerts import open_alerts
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import ConfigError, NotFoundError, ValidationError
from kiosk.core.config.settings import load_settings
from kiosk.core.deliveries.couriers import couriers
from kiosk.core.notify.channels import FakeNotifier
from kiosk.core.notify.deliveries import RETRY
from kiosk.core.printing.fake import FakePrinter
from kiosk.core.store import alert_deliveries, outbox
from kiosk.services import build_services
from tests.unit.reception_fixtures import DESK_PIN, MAIL, form, kiosk

RND = "json://127.0.0.1:9/rnd"


@pytest.fixture
def services(tmp_path):
    s = kiosk(tmp_path)
    s.reception.staff.add("前台王", "receptionist", DESK_PIN)
    yield s
    s.stop()


def _kinds(services) -> list[str]:
    return [r.kind for r in outbox.events_after(services.store, 0, limit=1000, kinds=None)]


def test_a_parcel_for_a_host_is_logged_announced_to_the_host_and_collected(services):
    parcel = services.parcels.receive("sf_express", host_id="h001")
    assert parcel.recipient("zh_CN") == "李娜" and parcel.courier_name("en") == "SF Express"
    assert [p.id for p in services.parcels.uncollected()] == [parcel.id]
    assert services.notifier.wait_idle()
    [sent] = services.notifier.notifier.sent
    assert sent.url.startswith("mailto://") and "li.na" in sent.url
    assert "顺丰速运" in sent.message.subject  # the host's language first
    assert "a parcel from SF Express is at reception" in sent.message.text
    [row] = alert_deliveries.for_alert(services.store, parcel.id)
    assert (row["route"], row["state"]) == ("parcel", "sent")
    staff = services.reception.staff.enter(DESK_PIN).staff
    done = services.parcels.collect(staff.actor, parcel.id)
    assert done.collected_at is not None
    assert services.parcels.uncollected() == []
    with pytest.raises(NotFoundError) as e:
        services.parcels.collect(staff.actor, parcel.id)  # a second tap records nothing
    assert e.value.message_key == "delivery.already_collected"
    kinds = _kinds(services)
    assert kinds.count("parcel.received") == 1 and kinds.count("parcel.collected") == 1
    assert "audit.recorded" in kinds
    # the courier is never taken through the visitor flow: no visit, no badge
    assert services.records.open_visits("demo") == []


def test_a_parcel_left_at_the_desk_tells_nobody_and_waits_on_the_console(services):
    parcel = services.parcels.receive("meituan")
    assert parcel.host_id is None and parcel.recipient("en") == ""
    assert services.notifier.wait_idle()
    assert services.notifier.notifier.sent == []
    assert [p.courier for p in services.parcels.uncollected()] == ["meituan"]


def test_a_host_without_a_channel_gets_the_notice_through_the_department(tmp_path):
    settings = load_settings(
        environ={
            "KIOSK_KIOSK_DATA_DIR": str(tmp_path),
            "KIOSK_NOTIFY_DEPARTMENT_URLS": f"rnd={RND}",
        }
    )
    s = build_services(
        settings,
        demo=True,
        clock=FakeClock(),
        start_workers=False,
        printer=FakePrinter(),
        notifier=FakeNotifier(),
    )
    try:
        s.parcels.receive("documents", host_id="h001")  # no mail server: no e-mail channel
        assert s.notifier.wait_idle()
        [sent] = s.notifier.notifier.sent
        assert sent.url == RND and "文件" in sent.message.text
    finally:
        s.stop()


def test_bad_input_is_refused_with_a_message(services):
    with pytest.raises(ValidationError):
        services.parcels.receive("dhl")  # not offered at this site
    with pytest.raises(NotFoundError) as e:
        services.parcels.receive("jd", host_id="nobody")
    assert e.value.message_key == "delivery.recipient_unknown"
    assert services.parcels.uncollected() == []


def test_couriers_are_configurable_and_bilingual():
    [sf, own] = couriers(["sf_express", "dhl=敦豪|DHL"])
    assert (sf.name("zh_CN"), sf.name("en")) == ("顺丰速运", "SF Express")
    assert (own.key, own.name("zh_CN"), own.name("en")) == ("dhl", "敦豪", "DHL")
    for bad in ("DHL", "dhl", "x=", "=a|b"):
        with pytest.raises(ConfigError):
            couriers([bad])
    assert [c.key for c in couriers(["jd", "DHL"], strict=False)] == ["jd"]  # left out, logged


def test_a_bad_courier_or_rating_setting_stops_the_start_up(tmp_path):
    for env in ({"KIOSK_CHECKIN_COURIERS": "jd,dhl"}, {"KIOSK_CHECKIN_RATING": "thumbs"}):
        settings = load_settings(environ={"KIOSK_KIOSK_DATA_DIR": str(tmp_path), **env})
        with pytest.raises(ConfigError):
            build_services(settings, demo=True, start_workers=False, printer=FakePrinter())


def test_a_rating_at_check_out_is_stored_once_and_synced(services):
    result = services.checkin.check_in(form())
    services.checkin.check_out(result.visit.id, method="phone")
    assert services.ratings.scale == "faces"
    assert services.ratings.rate(result.visit.id, 5) is True
    assert services.ratings.rate(result.visit.id, 1) is False  # the first tap stands
    with pytest.raises(ValidationError):
        services.ratings.rate(result.visit.id, 4)  # faces are 1, 3 and 5
    with pytest.raises(NotFoundError):
        services.ratings.rate("no-such-visit", 3)
    rated = [
        r
        for r in outbox.events_after(services.store, 0, limit=1000, kinds=None)
        if r.kind == "visit.rated"
    ]
    assert [r.payload["score"] for r in rated] == [5]


def test_a_notice_that_never_gets_through_is_an_alert_on_the_console(tmp_path):
    clock = FakeClock()
    notifier = FakeNotifier(fail={"mailto://"})
    settings = load_settings(
        environ={"KIOSK_KIOSK_DATA_DIR": str(tmp_path), "KIOSK_NOTIFY_MAIL_SERVER": MAIL}
    )
    s = build_services(
        settings,
        demo=True,
        clock=clock,
        start_workers=False,
        printer=FakePrinter(),
        notifier=notifier,
    )
    try:
        parcel = s.parcels.receive("jd", host_id="h001")
        for _ in range(RETRY.attempts + 2):
            assert s.notifier.wait_idle()
            clock.advance(RETRY.cap + 1)
        assert len(notifier.attempts) == RETRY.attempts
        [alert] = [a for a in open_alerts(s.store) if a.kind == "alert_undelivered"]
        assert alert.message_key == "alert.parcel_undelivered"
        assert alert.details["alert_id"] == parcel.id and alert.details["route"] == "parcel"
        [row] = alert_deliveries.for_alert(s.store, parcel.id)
        assert row["state"] == "failed"
    finally:
        s.stop()
