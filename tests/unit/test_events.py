"""The event registry's contract: every kind round-trips, bad payloads are refused, docs fresh."""

from __future__ import annotations

import json

import pytest

from kiosk.core.config.errors import ValidationError
from kiosk.core.events import REGISTRY, VisitCheckedOut, parse_event
from kiosk.core.events.doc import DOC, updated
from kiosk.core.events.examples import EXAMPLES


def test_every_kind_has_an_example_and_a_consumer() -> None:
    assert set(EXAMPLES) == set(REGISTRY)
    for kind, cls in REGISTRY.items():
        assert cls.kind == kind and cls.consumer.strip(), kind
        assert cls.event_version >= 1


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_round_trip(kind: str) -> None:
    event = EXAMPLES[kind]
    wire = json.dumps(event.payload(), ensure_ascii=False)
    back = parse_event(kind, json.loads(wire))
    assert back == event
    assert type(back) is REGISTRY[kind]
    assert back.entity_id == event.entity_id


def test_strict_types_lengths_and_enums() -> None:
    good = EXAMPLES["visit.checked_out"].payload()
    for bad, field in [
        ({**good, "auto": "false"}, "auto"),  # no coercion from text
        ({**good, "method": "teleport"}, "method"),
        ({**good, "site_id": "x" * 65}, "site_id"),
        ({**good, "checked_out_at": 1700000000}, "checked_out_at"),
        ({**good, "extra": 1}, "extra"),
        ({k: v for k, v in good.items() if k != "visit_id"}, "visit_id"),
    ]:
        with pytest.raises(ValidationError) as info:
            parse_event("visit.checked_out", bad)
        assert info.value.field == field
    with pytest.raises(ValidationError):
        parse_event("ticket.opened", {})
    with pytest.raises(ValidationError):
        parse_event("visit.checked_out", [good])
    assert isinstance(parse_event("visit.checked_out", good), VisitCheckedOut)


def test_a_checked_in_visit_must_say_so() -> None:
    denied = EXAMPLES["visit.denied"].payload()
    with pytest.raises(ValidationError):
        parse_event("visit.checked_in", {k: v for k, v in denied.items() if k != "watchlist_id"})


def test_docs_events_md_is_generated_from_the_models() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert text == updated(text), "docs/events.md is stale: run python -m kiosk.core.events --doc"
