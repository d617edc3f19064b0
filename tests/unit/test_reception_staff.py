"""Staff PINs: right, wrong, too short, lockout with a growing delay that survives a restart,
an alert on lockout, auto-lock after two idle minutes on a FakeClock, the pepper's place."""

from __future__ import annotations

import pytest

from kiosk.core.alerts import open_alerts
from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import DeniedError, ValidationError
from kiosk.core.reception import audit
from kiosk.core.reception.pins import hash_pin, validate_pin, verify_pin
from kiosk.core.reception.staff import LOCK_AFTER, lock_seconds
from tests.unit.reception_fixtures import ADMIN_PIN, DESK_PIN, kiosk


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def services(tmp_path, clock):
    s = kiosk(tmp_path, clock)
    yield s
    s.stop()


def test_the_right_pin_opens_a_session_for_its_owner(services):
    staff = services.reception.staff
    admin = staff.add("Admin Li", "admin", ADMIN_PIN)
    desk = staff.add("前台王", "receptionist", DESK_PIN)
    session = staff.enter(DESK_PIN)
    assert session.staff == desk and not session.locked
    assert staff.enter(ADMIN_PIN).staff.id == admin.id
    assert admin.may("supervisor") and not desk.may("supervisor")
    actions = [e["action"] for e in audit.recent(services.store)]
    assert actions[:2] == ["session.opened", "session.opened"]
    # the audit log names staff by pseudonymous id only
    assert all("王" not in str(e) and "Li" not in e["actor"] for e in audit.recent(services.store))


def test_a_wrong_or_short_pin_is_refused_clearly(services):
    staff = services.reception.staff
    staff.add("前台王", "receptionist", DESK_PIN)
    with pytest.raises(DeniedError) as wrong:
        staff.enter("735103")
    assert wrong.value.message_key == "reception.pin_wrong"
    with pytest.raises(ValidationError) as short:
        staff.enter("7351")
    assert short.value.message_key == "reception.pin_too_short"
    assert staff.lockout().failures == 1, "a PIN too short does not count as a try"
    assert [e["action"] for e in audit.recent(services.store, limit=1)] == ["pin.failed"]


@pytest.mark.parametrize(
    ("pin", "key"),
    [
        ("12345", "reception.pin_too_short"),
        ("12a456", "reception.pin_digits"),
        ("111111", "reception.pin_too_easy"),
        ("123456", "reception.pin_too_easy"),
        ("1234567890123", "reception.pin_too_long"),
    ],
)
def test_weak_pins_are_not_accepted_for_an_account(pin, key):
    with pytest.raises(ValidationError) as info:
        validate_pin(pin)
    assert info.value.message_key == key


def test_two_accounts_never_share_a_pin(services):
    staff = services.reception.staff
    staff.add("A", "receptionist", DESK_PIN)
    with pytest.raises(ValidationError) as info:
        staff.add("B", "receptionist", DESK_PIN)
    assert info.value.message_key == "reception.pin_taken"


def test_five_wrong_pins_lock_entry_with_a_growing_delay_and_an_alert(services, clock):
    staff = services.reception.staff
    staff.add("前台王", "receptionist", DESK_PIN)
    for _ in range(LOCK_AFTER - 1):
        with pytest.raises(DeniedError, match="wrong PIN"):
            staff.enter("999998")
    with pytest.raises(DeniedError) as locked:
        staff.enter("999998")
    assert locked.value.message_key == "reception.locked"
    assert locked.value.params["seconds"] == 30
    # while locked, even the right PIN is refused
    with pytest.raises(DeniedError) as still:
        staff.enter(DESK_PIN)
    assert still.value.message_key == "reception.locked"
    (alert,) = open_alerts(services.store)
    assert (alert.kind, alert.message_key) == ("pin_lockout", "alert.pin_lockout")
    # the next lock in a row lasts twice as long
    clock.advance(31)
    for _ in range(LOCK_AFTER):
        with pytest.raises(DeniedError):
            staff.enter("999998")
    assert 59 < staff.locked_for() <= 60
    assert lock_seconds(3) == 120 and lock_seconds(20) == 3600
    clock.advance(61)
    assert staff.enter(DESK_PIN).staff.name == "前台王"
    assert staff.lockout().lockouts == 0, "a right PIN ends the run of locks"


def test_the_lock_survives_a_restart(tmp_path, clock):
    first = kiosk(tmp_path, clock)
    first.reception.staff.add("前台王", "receptionist", DESK_PIN)
    for _ in range(LOCK_AFTER):
        with pytest.raises(DeniedError):
            first.reception.staff.enter("999998")
    first.stop()
    clock.advance(10)
    again = kiosk(tmp_path, clock)
    try:
        with pytest.raises(DeniedError) as info:
            again.reception.staff.enter(DESK_PIN)
        assert info.value.message_key == "reception.locked"
        assert 19 < again.reception.staff.locked_for() <= 20
        clock.advance(21)
        assert again.reception.staff.enter(DESK_PIN).staff.name == "前台王"
    finally:
        again.stop()


def test_the_console_locks_after_two_idle_minutes_and_on_the_button(services, clock):
    staff = services.reception.staff
    staff.add("前台王", "receptionist", DESK_PIN)
    session = staff.enter(DESK_PIN)
    clock.advance(119)
    assert not session.locked
    session.touch()
    clock.advance(119)
    assert not session.locked, "each touch restarts the two minutes"
    clock.advance(1)
    assert session.locked
    session.touch()
    assert session.locked, "a touch after the lock does not unlock"
    other = staff.enter(DESK_PIN)
    staff.lock(other)
    assert other.locked
    assert audit.recent(services.store, limit=1)[0]["action"] == "session.locked"


def test_the_pepper_lives_outside_the_database(services, tmp_path):
    staff = services.reception.staff
    staff.add("前台王", "receptionist", DESK_PIN)
    pepper = services.reception.staff.pepper.get()
    (row,) = services.store.query("SELECT pin_hash FROM staff")
    assert row["pin_hash"].startswith("$argon2id$")
    assert verify_pin(DESK_PIN, row["pin_hash"], pepper)
    assert not verify_pin(DESK_PIN, row["pin_hash"], b"another pepper"), (
        "the database alone is not enough to test PINs"
    )
    assert (tmp_path / "staff-pin.key").stat().st_mode & 0o077 == 0
    dump = "\n".join(services.store.conn.iterdump())
    assert pepper.hex() not in dump and DESK_PIN not in dump
    assert hash_pin(DESK_PIN, pepper) != row["pin_hash"], "salted"


def test_staff_changes_are_events_and_audited(services):
    staff = services.reception.staff
    admin = staff.add("Admin", "admin", ADMIN_PIN)
    desk = staff.add("前台王", "receptionist", DESK_PIN)
    staff.set_disabled(desk.id, True, by=admin.actor)
    with pytest.raises(DeniedError):
        staff.enter(DESK_PIN)
    staff.set_disabled(desk.id, False, by=admin.actor)
    staff.reset_pin(desk.id, "620841", by=admin.actor)
    assert staff.enter("620841").staff.id == desk.id
    rows = services.store.query(
        "SELECT kind FROM outbox WHERE entity_id = ? ORDER BY seq", (desk.id,)
    )
    assert [r["kind"] for r in rows] == ["staff.changed"] * 4
