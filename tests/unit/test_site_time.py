"""Times the desk and visitors read are on the site's wall clock, whatever the machine's zone."""

from __future__ import annotations

from datetime import UTC, datetime

from kiosk.core.config.clock import site_time

NOON_UTC = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)


def test_a_utc_time_is_shown_in_the_sites_zone() -> None:
    assert site_time(NOON_UTC, "Asia/Shanghai").strftime("%H:%M") == "12:30"
    assert site_time(NOON_UTC, "Europe/London").strftime("%H:%M") == "04:30"


def test_an_unknown_or_empty_zone_falls_back_to_the_machines_own() -> None:
    machine = NOON_UTC.astimezone().strftime("%H:%M")
    assert site_time(NOON_UTC, "Mars/Olympus").strftime("%H:%M") == machine
    assert site_time(NOON_UTC, "").strftime("%H:%M") == machine
    assert site_time(NOON_UTC, "../../etc/passwd").strftime("%H:%M") == machine
