"""Ticket categories managed at head office: the site's settings document (``site.settings``,
applied by the pull handler) replaces ``[tickets] categories`` on the kiosk, through the app's
wiring; one that does not parse is ignored there (head office's data never stops a kiosk)."""

from __future__ import annotations

import json

import pytest

from kiosk.core.config.errors import ConfigError, ValidationError
from kiosk.core.config.settings import Settings
from kiosk.core.events import SiteSettings
from kiosk.core.tickets.categories import parse_categories
from kiosk.core.tickets.desk import TicketForm
from sync.apply_directory import site_settings
from tests.unit.reception_fixtures import DESK_PIN, kiosk

SITE = [
    "lift:电梯故障:Lift fault:property",
    "noise:噪音:Noise",
]


@pytest.fixture
def services(tmp_path):
    s = kiosk(tmp_path)
    s.reception.staff.add("前台王", "receptionist", DESK_PIN)
    yield s
    s.stop()


def _pull(services, document: dict) -> None:
    """What the sync worker does with a pulled ``site.settings``: apply, then its listener."""
    with services.store.transaction() as tx:
        site_settings(services.records, tx, SiteSettings.model_validate(document))
    services.tickets.refresh_categories()


def test_head_offices_categories_replace_the_kiosks(services) -> None:
    desk = services.tickets
    staff = services.reception.staff.enter(DESK_PIN).staff.actor
    assert "cleaning" in [c.key for c in desk.categories]
    _pull(services, {"checkin": {"retention_days": 30}, "tickets": {"categories": SITE}})
    assert [(c.key, c.name("zh_CN"), c.name("en")) for c in desk.categories] == [
        ("lift", "电梯故障", "Lift fault"),
        ("noise", "噪音", "Noise"),
    ]
    t = desk.raise_ticket(
        staff, TicketForm(kind="service_request", subject="3号梯", category="lift")
    )
    assert t.department_id == "property"  # the site's category routes as the kiosk's did
    with pytest.raises(ValidationError) as refused:
        desk.raise_ticket(
            staff, TicketForm(kind="service_request", subject="x", category="cleaning")
        )
    assert refused.value.message_key == "ticket.bad_category"

    _pull(services, {"tickets": {"categories": ["broken"]}})  # not parseable: kiosk's again
    assert "cleaning" in [c.key for c in desk.categories]
    _pull(services, {"tickets": {"categories": SITE[:1]}})
    assert [c.key for c in desk.categories] == ["lift"]
    _pull(services, {})  # head office stopped managing them
    assert "cleaning" in [c.key for c in desk.categories]


def test_a_restart_keeps_head_offices_categories(tmp_path) -> None:
    first = kiosk(tmp_path)
    _pull(first, {"tickets": {"categories": SITE}})
    first.stop()
    first.store.close()
    again = kiosk(tmp_path)
    try:
        assert [c.key for c in again.tickets.categories] == ["lift", "noise"]
        stored = json.loads(again.store.get_value("site.settings", "{}") or "{}")
        assert stored["tickets"]["categories"] == SITE
    finally:
        again.stop()


@pytest.mark.parametrize(
    "entries",
    ["lift:电梯:Lift", ["lift:电梯"], ["a:甲:A", "a:乙:B"], [1], ["x" * 301 + ":a:b"]],
)
def test_head_office_refuses_a_list_the_kiosks_could_not_read(entries) -> None:
    with pytest.raises(ConfigError, match=r"tickets\.categories"):
        parse_categories(entries)
    assert parse_categories(Settings().tickets.categories)  # the shipped ones parse
