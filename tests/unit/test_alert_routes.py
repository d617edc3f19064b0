"""Alerts beyond the console: routing to the desk's, security's and the backup contact's
channels through the notifier (kiosk/core/notify/alert_routes.py), on a kiosk built by the
app's own wiring with fake channels."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.core.alerts import open_alerts
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.settings import Settings, load_settings
from kiosk.core.events import AlertRaised
from kiosk.core.notify.alert_routes import routes
from kiosk.core.notify.channels import FakeNotifier
from kiosk.core.notify.deliveries import RETRY
from kiosk.core.printing.fake import FakePrinter
from kiosk.core.reception.desk import leave_desk, set_desk_status
from kiosk.core.reception.help_request import ask_for_help
from kiosk.core.store import alert_deliveries
from kiosk.services import Services, build_services
from tests.unit.reception_fixtures import DESK_PIN, form

DESK = "fake://desk"
SECURITY = "fake://security"
BACKUP = "fake://backup"
WATCHED = dict(name="黑名单测试", phone="13912349999")


def _kiosk(tmp_path: Path, clock: FakeClock, notifier: FakeNotifier | None = None) -> Services:
    settings = load_settings(
        environ={
            "KIOSK_KIOSK_DATA_DIR": str(tmp_path),
            "KIOSK_RECEPTION_DESK_CHANNELS": DESK,
            "KIOSK_RECEPTION_SECURITY_CHANNELS": SECURITY,
            "KIOSK_RECEPTION_BACKUP_CONTACT": "Security office, ext. 8110",
            "KIOSK_RECEPTION_BACKUP_CHANNELS": BACKUP,
        }
    )
    return build_services(
        settings,
        demo=True,
        clock=clock,
        start_workers=False,
        printer=FakePrinter(),
        notifier=notifier or FakeNotifier(),
    )


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def services(tmp_path, clock):
    s = _kiosk(tmp_path, clock)
    s.reception.staff.add("前台王", "receptionist", DESK_PIN)
    yield s
    s.stop()


def _event(kind: str) -> AlertRaised:
    return AlertRaised(
        alert_id="a1",
        site_id="demo",
        kiosk_id="kiosk-1",
        alert=kind,
        severity="warning",
        message_key=f"alert.{kind}",
        details={},
        visit_id=None,
        raised_at=FakeClock().now(),
    )


def _settings() -> Settings:
    return Settings().replace(
        "reception", desk_channels=(DESK,), security_channels=(SECURITY,), backup_channels=(BACKUP,)
    )


@pytest.mark.parametrize(
    ("kind", "unattended", "expected"),
    [
        ("disk_low", False, ["desk"]),
        ("disk_low", True, ["desk"]),
        ("watchlist", False, ["desk", "security"]),
        ("watchlist", True, ["desk", "security", "backup"]),
        ("help_requested", False, ["desk"]),
        ("help_requested", True, ["desk", "backup"]),
        ("alert_undelivered", True, []),
        ("emergency_started", False, ["desk", "security"]),
    ],
)
def test_routes_by_kind_and_desk_status(kind, unattended, expected):
    found = routes(_event(kind), _settings(), unattended=unattended)
    assert [r.name for r in found] == expected


def test_nothing_configured_sends_nothing():
    assert routes(_event("watchlist"), Settings(), unattended=True) == []


def _sent_to(services: Services, prefix: str):
    return services.notifier.notifier.to(prefix)


def test_a_watchlist_match_reaches_desk_and_security_once_and_not_again_after_restart(
    tmp_path, services, clock
):
    result = services.checkin.check_in(form(**WATCHED))
    assert result.denied
    assert services.notifier.wait_idle()
    [desk] = _sent_to(services, DESK)
    [security] = _sent_to(services, SECURITY)
    assert _sent_to(services, BACKUP) == []
    for message in (desk, security):
        assert "黑名单测试" in message.text  # security must know who
        assert "Watchlist match" in message.text and "黑名单" in message.subject + message.text
    services.notifier.run_once()
    assert len(services.notifier.notifier.sent) == 2
    [alert] = open_alerts(services.store)
    rows = alert_deliveries.for_alert(services.store, alert.id)
    assert [(r["route"], r["state"]) for r in rows] == [("desk", "sent"), ("security", "sent")]
    services.stop()
    again = _kiosk(tmp_path, clock)
    try:
        assert again.notifier.wait_idle()
        assert again.notifier.notifier.sent == []
    finally:
        again.stop()


def test_while_the_desk_is_unattended_watchlist_and_help_go_to_the_backup_too(services):
    staff = services.reception.staff.enter(DESK_PIN).staff
    reception = services.settings.reception
    leave_desk(
        services.store,
        staff.actor,
        backup_contact=reception.backup_contact,
        backup_channels=reception.backup_channels,
        site_id="demo",
        kiosk_id="kiosk-1",
    )
    services.checkin.check_in(form(**WATCHED))
    answer = ask_for_help(services.store, site_id="demo", kiosk_id="kiosk-1")
    assert answer.unattended and answer.backup_contact == "Security office, ext. 8110"
    assert services.notifier.wait_idle()
    backup = _sent_to(services, BACKUP)
    assert len(backup) == 2
    assert any("asks for a person" in m.text for m in backup)
    assert all("backup contact" in m.text for m in backup)
    assert len(_sent_to(services, SECURITY)) == 1  # help never goes to security
    # staffed again: a help request goes to the desk only
    set_desk_status(
        services.store, staff.actor, unattended=False, site_id="demo", kiosk_id="kiosk-1"
    )
    for alert in open_alerts(services.store):
        services.reception.actions.acknowledge(staff, alert.id)
    assert ask_for_help(services.store, site_id="demo", kiosk_id="kiosk-1").raised
    assert services.notifier.wait_idle()
    assert len(_sent_to(services, BACKUP)) == 2
    assert len(_sent_to(services, DESK)) == 3


def test_leaving_the_desk_needs_a_configured_backup(services):
    from kiosk.core.config.errors import ValidationError

    staff = services.reception.staff.enter(DESK_PIN).staff
    with pytest.raises(ValidationError) as info:
        leave_desk(
            services.store,
            staff.actor,
            backup_contact="",
            backup_channels=(),
            site_id="demo",
            kiosk_id="kiosk-1",
        )
    assert info.value.message_key == "reception.no_backup_channel"


def test_a_second_help_tap_moments_later_raises_no_second_alert(services, clock):
    assert ask_for_help(services.store, site_id="demo", kiosk_id="kiosk-1").raised
    assert not ask_for_help(services.store, site_id="demo", kiosk_id="kiosk-1").raised
    clock.advance(121)
    assert ask_for_help(services.store, site_id="demo", kiosk_id="kiosk-1").raised
    assert [a.kind for a in open_alerts(services.store)] == ["help_requested"] * 2


def test_a_channel_that_keeps_failing_is_retried_then_shows_on_the_console(tmp_path, clock):
    notifier = FakeNotifier(fail={DESK})
    services = _kiosk(tmp_path, clock, notifier)
    try:
        services.checkin.check_in(form(**WATCHED))
        for _ in range(RETRY.attempts + 2):
            assert services.notifier.wait_idle()
            clock.advance(RETRY.cap + 1)
        assert notifier.attempts.count(DESK) == RETRY.attempts
        assert len(notifier.to(SECURITY)) == 1  # one dead channel does not hold up another
        undelivered = [a for a in open_alerts(services.store) if a.kind == "alert_undelivered"]
        assert len(undelivered) == 1
        assert undelivered[0].details["route"] == "desk"
        assert "refused" in undelivered[0].details["error"]
        # the alert about the failure is never sent (it would fail again)
        assert services.notifier.wait_idle()
        assert notifier.attempts.count(DESK) == RETRY.attempts
    finally:
        services.stop()


def test_every_alert_reaches_the_desk_channel(services, clock):
    """The kinds the console lists are the kinds the desk's channel hears of."""
    services.checkin.check_in(form(**WATCHED))
    ask_for_help(services.store, site_id="demo", kiosk_id="kiosk-1")
    for _ in range(5):
        with pytest.raises(Exception):  # noqa: B017 (any refusal: wrong PIN)
            services.reception.staff.enter("111111")
    clock.advance(timedelta(seconds=1).total_seconds())
    assert services.notifier.wait_idle()
    kinds = sorted(a.kind for a in open_alerts(services.store))
    assert kinds == ["help_requested", "pin_lockout", "watchlist"]
    assert len(_sent_to(services, DESK)) == 3
