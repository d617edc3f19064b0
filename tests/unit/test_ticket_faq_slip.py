"""The Help screen's FAQ file and the visitor's ticket slip through the real print queue."""

from __future__ import annotations

import json

import pytest

from kiosk.core.config.errors import ConfigError
from kiosk.core.tickets.faq import FORMAT, load_faq
from tests.unit.reception_fixtures import kiosk


def test_the_shipped_faq_is_bilingual() -> None:
    items = load_faq()
    assert items and all(i.question("zh_CN") and i.answer("en") for i in items)


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"format": "other", "items": []}),
        json.dumps({"format": FORMAT, "items": [{"q_zh": "问"}]}),
        json.dumps(
            {"format": FORMAT, "items": [dict.fromkeys(("q_zh", "q_en", "a_zh", "a_en"), "")]}
        ),
        json.dumps(
            {
                "format": FORMAT,
                "items": [dict.fromkeys(("q_zh", "q_en", "a_zh", "a_en"), "x" * 501)],
            }
        ),
    ],
)
def test_a_bad_faq_file_is_refused_naming_the_file(tmp_path, body) -> None:
    path = tmp_path / "faq.json"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"faq\.json"):
        load_faq(path)


def test_a_site_faq_file_is_read_with_control_characters_removed(tmp_path) -> None:
    path = tmp_path / "faq.json"
    item = {"q_zh": "停车?\x07", "q_en": "Parking?", "a_zh": "B2 层", "a_en": "Level B2"}
    path.write_text(json.dumps({"format": FORMAT, "items": [item]}), encoding="utf-8")
    [read] = load_faq(path)
    assert (read.question("zh_CN"), read.answer("en")) == ("停车?", "Level B2")


def test_a_ticket_slip_prints_the_number_and_nothing_personal(tmp_path) -> None:
    services = kiosk(tmp_path)
    try:
        queue = services.print_queue
        slip = queue.print_slip("40721596", "complaint", "en")
        data = queue.content.badge_data(slip, "en")
        assert (data.visitor_name, data.company) == ("Ticket 40721596", "Complaint")
        assert data.token == "LOBBY-KIOSK-TICKET-40721596"
        for _ in range(20):
            if not queue.run_once():
                break
        assert [job.job_id for job in queue.printer.printed] == [f"{slip}-0"]
        # no badge event and no visit: head office hears nothing of a slip
        assert services.store.query("SELECT kind FROM outbox WHERE kind LIKE 'badge.%'") == []
    finally:
        services.stop()
