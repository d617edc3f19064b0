"""The real kiosk app, offscreen, driven by simulated touches and keystrokes.

One app (and one window) per test session, as on a real kiosk; every test starts from the
home screen with nothing typed, which is exactly what the idle reset promises, and with a
database of its own (the demo directory, nothing else), so no test sees another's rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.launch import configure_kivy, prepare_environment
from tests.support.kiosk_driver import Driver

SIZE = (1920, 1080)
_KIVY_HOME = Path(__file__).resolve().parents[2] / ".kivy-test"
prepare_environment(offscreen=True, kivy_home=_KIVY_HOME)
configure_kivy(size=SIZE, fullscreen=False)

__all__ = ["Driver", "fresh_database", "settings_for", "ui_settings"]


def ui_settings(data: Path) -> Any:
    """The settings every UI test's app runs with (a data directory of its own)."""
    return settings_for(data)


def settings_for(data: Path) -> Any:
    from kiosk.core.config.settings import load_settings

    settings = load_settings(environ={}).replace("kiosk", data_dir=str(data), fullscreen=False)
    return settings.replace("printer", out_dir=str(data / "badges"))


def fresh_database(app: Any, data: Path, settings: Any = None, *, printer: Any = None) -> None:
    """Give the running app a new data directory: a new store with only the demo rows, and
    the services built on it by the app's own wiring (``build_services``, workers started);
    ``settings`` (default: the test settings on ``data``) for a test that needs its own printer.

    The screens and the shell hold the one ``Services`` object and read its fields on each
    use, so its fields are replaced in place; the old workers stop and the old store closes.
    """
    from dataclasses import fields

    from kiosk.services import build_services

    new = build_services(settings or settings_for(data), demo=True, printer=printer)
    old = app.services
    old.stop()
    for f in fields(new):
        setattr(old, f.name, getattr(new, f.name))
    app.rewire()  # the shell and the screens were handed the old parts: hand them the new


@pytest.fixture(scope="session")
def kiosk_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from kiosk.app import KioskApp
    from kiosk.services import build_services

    services = build_services(settings_for(tmp_path_factory.mktemp("kiosk-ui")), demo=True)
    app = KioskApp(services=services, lockdown=True)
    stopped: list[bool] = []
    app.bind(on_stop=lambda *_: stopped.append(True))
    app._run_prepare()
    app.test_stopped = stopped
    driver = Driver(app)
    driver.frames(3)
    yield app
    app.stop()
    driver.frames(1)


@pytest.fixture
def kiosk(kiosk_app: Any, tmp_path: Path) -> Iterator[Driver]:
    driver = Driver(kiosk_app)
    fresh_database(kiosk_app, tmp_path / "kiosk")
    base = kiosk_app.services.settings
    kiosk_app.home()
    driver.frames(2)
    yield driver
    kiosk_app.services.settings = base  # for the tests that use kiosk_app alone
    kiosk_app.home()
    driver.frames(1)


if os.environ.get("DISPLAY"):  # pragma: no cover - a developer's desktop session
    os.environ.pop("DISPLAY")
