"""Start-up wiring: every service built once, bad settings refused before the kiosk opens."""

from __future__ import annotations

import pytest

from kiosk.core.config.errors import ConfigError
from kiosk.core.config.settings import load_settings
from kiosk.core.printing.cups import CupsPrinter
from kiosk.services import build_services


def settings_for(tmp_path, **env):
    environ = {"KIOSK_KIOSK_DATA_DIR": str(tmp_path), **env}
    return load_settings(environ=environ)


def test_a_stand_alone_demo_kiosk_has_everything_but_sync(tmp_path):
    services = build_services(settings_for(tmp_path), demo=True, start_workers=False)
    try:
        assert services.search is not None and services.ime is not None
        assert services.print_queue is not None and services.notifier is not None
        assert services.directions is not None
        assert services.sync is None, "not enrolled with head office"
        assert len(services.records.hosts()) >= 40
        assert services.checkin.badge_verifier is not None
    finally:
        services.stop()


def test_a_fallback_printer_is_built_from_its_setting(tmp_path):
    services = build_services(
        settings_for(tmp_path, KIOSK_PRINTER_FALLBACK="cups:Reception"), start_workers=False
    )
    try:
        assert isinstance(services.print_queue.fallback, CupsPrinter)
    finally:
        services.stop()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("KIOSK_PRINTER_FALLBACK", "carrier-pigeon:1"),
        ("KIOSK_PRINTER_BACKEND", "laser"),
        ("KIOSK_NOTIFY_FRONT_DESK_URLS", "nonsense://nowhere"),
    ],
)
def test_bad_printer_or_channel_settings_stop_the_start(tmp_path, key, value):
    with pytest.raises(ConfigError):
        build_services(settings_for(tmp_path, **{key: value}), start_workers=False)


def test_an_enrolled_kiosk_takes_its_site_and_id_from_head_office(tmp_path):
    import json

    from kiosk.core.head_office.enrollment import ENROLLMENT_FILE, TOKEN_FILE

    (tmp_path / TOKEN_FILE).write_text("kt_secret")
    (tmp_path / ENROLLMENT_FILE).write_text(
        json.dumps(
            {
                "url": "http://127.0.0.1:9",
                "kiosk_id": "harbour-7f3a",
                "site_id": "harbour",
                "site_name_zh": "海港广场",
                "site_name_en": "Harbour Plaza",
                "site_timezone": "Asia/Hong_Kong",
            }
        )
    )
    services = build_services(settings_for(tmp_path), start_workers=False)
    try:
        assert services.settings.site.id == "harbour"
        assert services.settings.kiosk.id == "harbour-7f3a"
        assert services.checkin.site_id == "harbour"
        assert services.sync is not None
    finally:
        services.stop()
