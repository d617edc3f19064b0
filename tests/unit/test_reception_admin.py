"""Receptionist mode's administration use cases (kiosk.core.reception.admin) on the app's
own wiring (``build_services``, workers not started): role checks, validation, the settings
file, the test badge through the print queue, the audit entries."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kiosk.core.config.errors import DeniedError, PrinterError, ValidationError
from kiosk.core.config.settings import load_settings
from kiosk.core.printing.fake import FakePrinter
from kiosk.core.printing.test_badge import TEST_CODE, is_test
from kiosk.core.reception.admin import validate_changes
from kiosk.services import apply_settings, build_services

PIN = "864209"


@pytest.fixture
def services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "kiosk.toml"))
    settings = load_settings(environ={}).replace("kiosk", data_dir=str(tmp_path / "data"))
    built = build_services(settings, demo=True, start_workers=False, printer=FakePrinter())
    yield built
    built.stop()


def _actions(services) -> list[str]:
    return [r["action"] for r in services.store.query("SELECT action FROM audit_log")]


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"kiosk.idle_timeout": 5}, "console.bad_idle_timeout"),
        ({"kiosk.idle_timeout": "soon"}, "console.bad_idle_timeout"),
        ({"checkin.end_of_day": "24:00"}, "console.bad_end_of_day"),
        ({"kiosk.languages": ("en",)}, "console.bad_default"),
        ({"kiosk.languages": ()}, "console.bad_languages"),
        ({"printer.backend": "cups"}, "console.needs_queue"),
        ({"printer.queue": "a b"}, "console.bad_queue"),
        ({"kiosk.role": "lobby2"}, "console.bad_role"),
        ({"notify.front_desk_urls": ()}, "console.not_editable"),
    ],
)
def test_bad_values_are_refused_with_their_message(services, changes, key) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_changes(changes, services.settings)
    assert refused.value.message_key == key


def test_only_an_admin_changes_settings_and_it_is_audited(services, tmp_path) -> None:
    staff, admin = services.reception.staff, services.admin
    desk = staff.add("Wang Fang", "receptionist", "582947")
    boss = staff.add("Li Jing", "admin", PIN)
    with pytest.raises(DeniedError):
        admin.save(desk, {"kiosk.idle_timeout": 60}, services.settings)
    for peek in (lambda: admin.printer_queues(desk), lambda: admin.print_status(desk, "x")):
        with pytest.raises(DeniedError):
            peek()
    assert not (tmp_path / "kiosk.toml").exists()
    result = admin.save(boss, {"kiosk.idle_timeout": 60, "kiosk.role": "desk"}, services.settings)
    assert sorted(result.changed) == ["kiosk.idle_timeout", "kiosk.role"]
    assert result.restart == ()
    data = tomllib.loads((tmp_path / "kiosk.toml").read_text())
    assert data == {"kiosk": {"idle_timeout": 60.0, "role": "desk"}}
    # the settings in force keep what the file does not name (the data directory here)
    assert result.settings.data_dir == services.settings.data_dir
    assert _actions(services)[-1] == "settings.changed"
    nothing = admin.save(boss, {"kiosk.idle_timeout": 60}, result.settings)
    assert nothing.changed == ()


def test_a_test_badge_prints_through_the_queue_and_tells_head_office_nothing(services) -> None:
    boss = services.reception.staff.add("Li Jing", "admin", PIN)
    queue = services.print_queue
    test_id = services.admin.test_print(boss, "en")
    assert is_test(test_id)
    while queue.run_once():
        pass
    assert services.admin.print_status(boss, test_id).state == "printed"
    (job,) = queue.printer.printed
    assert job.image.size[0] > 300
    kinds = [e.kind for e in services.store.outbox_after("test-reader", limit=1000)]
    assert "badge.printed" not in kinds and "badge.failed" not in kinds
    assert "printer.test_print" in _actions(services)
    data = queue.badge_data(test_id, "en")
    assert data.token == TEST_CODE and data.visitor_name == "Test print"


def test_a_failing_test_print_is_not_retried(services) -> None:
    boss = services.reception.staff.add("Li Jing", "admin", PIN)
    queue = services.print_queue
    queue.printer.error = PrinterError("no paper", key="badge.printer.no_paper")
    test_id = services.admin.test_print(boss, "zh_CN")
    while queue.run_once():
        pass
    status = services.admin.print_status(boss, test_id)
    assert (status.state, status.error_key, status.retrying) == (
        "failed",
        "badge.printer.no_paper",
        False,
    )
    kinds = [e.kind for e in services.store.outbox_after("test-reader", limit=1000)]
    assert "badge.failed" not in kinds


def test_a_changed_printer_is_used_at_once(services) -> None:
    queue = services.print_queue
    old = queue.printer
    new = services.settings.replace("printer", backend="cups", queue="Badges")
    apply_settings(services, new)
    assert queue.printer.name == "cups:Badges" and queue.hand_over.printer is queue.printer
    assert old in queue.hand_over.retired


def test_first_admin_only_while_the_site_has_no_staff(services) -> None:
    admin = services.admin
    with pytest.raises(ValidationError):
        admin.first_admin("Li Jing", PIN, "864290")
    session = admin.first_admin("Li Jing", PIN, PIN)
    assert session.staff.role == "admin"
    with pytest.raises(DeniedError):
        admin.first_admin("Other", "975310", "975310")


def test_an_admin_cannot_disable_their_own_account(services) -> None:
    boss = services.reception.staff.add("Li Jing", "admin", PIN)
    with pytest.raises(DeniedError):
        services.admin.set_disabled(boss, boss.id, True)


def test_an_enrolled_kiosk_never_makes_a_first_admin_on_screen(tmp_path: Path) -> None:
    """Its staff come from head office by pull: before they arrive (or while head office is
    out of reach) its staff table is empty, and anyone at the screen could otherwise make
    themselves admin there, and head office would pass the account to every kiosk."""
    from kiosk.core.head_office import enrollment
    from sync.fake import FakeHeadOffice

    data = tmp_path / "data"
    head_office = FakeHeadOffice()
    enrollment.enroll(head_office, head_office.add_code("demo"), data_dir=data)
    settings = load_settings(environ={}).replace("kiosk", data_dir=str(data))
    built = build_services(settings, demo=True, start_workers=False, printer=FakePrinter())
    try:
        admin = built.admin
        assert admin.enrolled and not admin.staff.has_staff()
        assert not admin.first_admin_open()
        with pytest.raises(DeniedError) as refused:
            admin.first_admin("Anyone", PIN, PIN)
        assert refused.value.message_key == "reception.no_staff_enrolled"
        assert not admin.staff.has_staff()
    finally:
        built.stop()


def test_a_stand_alone_kiosk_offers_the_first_admin_until_it_has_staff(services) -> None:
    admin = services.admin
    assert not admin.enrolled and admin.first_admin_open()
    admin.first_admin("Li Jing", PIN, PIN)
    assert not admin.first_admin_open()
