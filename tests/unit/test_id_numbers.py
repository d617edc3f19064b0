"""ID numbers (issue 18 item 8): opt-in, checked, sealed, masked, kept only on the kiosk and
emptied after the shorter ID retention. Through the app's own wiring on an injected clock."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.config.errors import ConfigError, ValidationError
from kiosk.core.config.settings import load_settings
from kiosk.core.privacy.retention import PurgeWorker
from kiosk.core.store import id_numbers
from kiosk.core.visits.checkin import CheckinForm
from kiosk.core.visits.flow import STEPS, CheckinFlow
from kiosk.core.visits.id_numbers import INVALID, mask_id_number, validate_id_number
from kiosk.services import build_services

DAY = 86400.0
NUMBER = "11010519491231002X"  # the standard's own example (check character X)
OTHER = "440524188001010014"  # check character 4


def _kiosk(tmp_path, **env: str):
    clock = FakeClock(datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    environ = {"KIOSK_KIOSK_DATA_DIR": str(tmp_path), **env}
    settings = load_settings(environ=environ)
    return build_services(settings, demo=True, clock=clock, start_workers=False), clock


@pytest.fixture
def on(tmp_path):
    services, clock = _kiosk(tmp_path, KIOSK_CHECKIN_ID_NUMBERS="true")
    yield services, clock
    services.stop()


@pytest.fixture
def off(tmp_path):
    services, clock = _kiosk(tmp_path)
    yield services, clock
    services.stop()


def _form(phone: str, **extra: object) -> CheckinForm:
    return CheckinForm(
        name="钟离秋水", phone=phone, purpose="meeting", host_id="h001", consent=True, **extra
    )


# -- the checksum ------------------------------------------------------------------------------
def test_a_valid_number_passes_upper_cased_and_without_spaces() -> None:
    assert validate_id_number(NUMBER) == NUMBER
    assert validate_id_number("110105 19491231 002x") == NUMBER
    assert validate_id_number(OTHER) == OTHER


@pytest.mark.parametrize(
    "text",
    [
        "110105194912310021",  # wrong check character
        "11010519491231002",  # 17
        "11010519491231002XX",  # 19
        "1101051949123100X2",  # X not last
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits
        "",
        "abcdefghijklmnopqr",
        "1" * 1000,
    ],
)
def test_anything_else_is_refused_with_the_catalogue_key(text: str) -> None:
    with pytest.raises(ValidationError) as e:
        validate_id_number(text)
    assert e.value.message_key == INVALID and e.value.field == "id_number"
    assert text not in str(e.value) or not text  # the message never repeats the value


def test_masking_keeps_the_first_and_last_four() -> None:
    assert mask_id_number(NUMBER) == "1101**********002X"
    assert mask_id_number("") == ""
    assert mask_id_number("1234") == "****"


# -- settings ----------------------------------------------------------------------------------
def test_off_by_default_and_the_id_period_cannot_pass_the_site_period(tmp_path) -> None:
    settings = load_settings(environ={"KIOSK_KIOSK_DATA_DIR": str(tmp_path)})
    assert settings.checkin.id_numbers is False and settings.checkin.id_retention_days == 7
    with pytest.raises(ConfigError, match="id_retention_days"):
        load_settings(
            environ={"KIOSK_KIOSK_DATA_DIR": str(tmp_path), "KIOSK_CHECKIN_ID_RETENTION_DAYS": "31"}
        )


# -- the flow ----------------------------------------------------------------------------------
def test_off_the_flow_is_as_before_and_no_number_is_kept(off) -> None:
    services, _ = off
    flow = CheckinFlow(services.checkin)
    assert flow.steps == STEPS
    flow.go("name")
    assert flow.next() == "company"
    with pytest.raises(ValueError):
        flow.go("id_number")
    # a number in the form is ignored: not checked, not stored
    result = services.checkin.check_in(_form("13600001111", id_number="junk", id_consent=True))
    assert id_numbers.masked(services.store, result.visit.id) == ""
    assert services.store.query("SELECT count(*) FROM visit_id_numbers")[0][0] == 0


def test_on_the_number_has_its_own_step_after_the_name(on) -> None:
    services, _ = on
    flow = CheckinFlow(services.checkin)
    flow.go("name")
    assert flow.next() == "id_number"
    flow.set(id_number="110105194912310021", id_consent=True)
    assert flow.problems().get("id_number") == INVALID
    flow.set(id_number=NUMBER, id_consent=False)
    assert flow.problems().get("id_number") == "checkin.required.id_consent"
    flow.set(id_consent=True)
    assert "id_number" not in flow.problems()
    flow.skip_id_number()
    assert "id_number" not in flow.problems() and flow.form.id_number == ""
    assert flow.next() == "company"


def test_a_skipped_number_keeps_nothing(on) -> None:
    services, _ = on
    result = services.checkin.check_in(_form("13600001111"))
    assert id_numbers.masked(services.store, result.visit.id) == ""


# -- sealed, masked, kiosk-only, never logged --------------------------------------------------
def test_the_number_is_sealed_masked_and_stays_out_of_the_outbox_and_logs(on, caplog) -> None:
    services, _ = on
    store = services.store
    with caplog.at_level(logging.DEBUG):
        result = services.checkin.check_in(
            _form("13600001111", id_number=NUMBER.lower(), id_consent=True)
        )
        for _ in range(2):
            services.print_queue.run_once()
            services.notifier.run_once()
    assert id_numbers.masked(store, result.visit.id) == "1101**********002X"
    [raw] = store.query("SELECT id_number FROM visit_id_numbers")
    assert raw[0].startswith("pf1.")
    for row in store.query("SELECT payload FROM outbox"):
        assert NUMBER not in store.fields.open(row[0], "outbox", "payload")
    for path in store.path.parent.glob(store.path.name + "*"):
        data = path.read_bytes()
        assert NUMBER.encode() not in data and NUMBER.lower().encode() not in data, path
    assert not [r for r in caplog.records if NUMBER in r.getMessage().upper()]
    assert NUMBER not in repr(result)


# -- the shorter retention ---------------------------------------------------------------------
def test_numbers_are_emptied_after_the_id_period_before_the_rest(on) -> None:
    services, clock = on
    [worker] = [w for w in services.workers if isinstance(w, PurgeWorker)]
    assert worker.clock is clock and worker.id_days == 7
    old = services.checkin.check_in(_form("13600001111", id_number=NUMBER, id_consent=True))
    services.checkin.check_out(old.visit.id)
    clock.advance(6 * DAY)
    recent = services.checkin.check_in(_form("13600002222", id_number=OTHER, id_consent=True))
    worker.run_once()
    assert id_numbers.masked(services.store, old.visit.id) != ""  # six days: kept
    clock.advance(1.5 * DAY)
    worker.run_once()
    assert worker.last_counts is not None and worker.last_counts.id_numbers == 1
    assert worker.last_counts.visitors == 0  # the site's 30 days still run for the rest
    assert id_numbers.masked(services.store, old.visit.id) == ""
    assert id_numbers.masked(services.store, recent.visit.id) == "4405**********0014"
    assert services.records.visitor_by_phone("13600001111") is not None
