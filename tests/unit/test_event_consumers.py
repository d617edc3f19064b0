"""Every event kind has a named consumer: kiosk kinds are folded at head office or archived,
feed kinds are applied on the kiosk, and what the server feeds parses through the registry."""

from __future__ import annotations

import pytest

from kiosk.core.events import REGISTRY, HostUpserted, parse_event
from sync import apply
from sync.server.folding import FOLDERS


def test_every_kiosk_kind_is_folded_at_head_office_or_explicitly_archived() -> None:
    for kind, cls in REGISTRY.items():
        if not cls.origin.startswith("kiosk"):
            continue
        if kind in FOLDERS:
            assert "head office folds it" in cls.consumer or "head office marks" in cls.consumer
        else:
            assert cls.consumer.startswith("archived: head office stores it in `events`"), kind


def test_every_kind_head_office_sends_has_a_kiosk_handler() -> None:
    for kind, cls in REGISTRY.items():
        if "head office" in cls.origin or "fed to" in cls.origin:
            assert kind in apply.HANDLERS, kind
    assert set(apply.HANDLERS) <= set(REGISTRY)


def test_a_handler_for_a_kind_the_registry_does_not_know_is_refused() -> None:
    with pytest.raises(ValueError, match="registry"):
        apply.register("some.future.kind", lambda records, tx, event: None)


@pytest.mark.parametrize("names", [("department", "delegate"), ("department_id", "delegate_id")])
def test_host_changes_parse_with_both_names_and_send_the_directory_files(names) -> None:
    """The wire says ``department``/``delegate`` (docs/head-office.md); changes written before
    that carry ``department_id``/``delegate_id``."""
    dep, delegate = names
    stored = {"id": "h1", "site_id": "s1", dep: "d1", delegate: "h2", "name_zh": "李"}
    event = parse_event("host.upserted", stored)
    assert isinstance(event, HostUpserted)
    assert (event.department_id, event.delegate_id) == ("d1", "h2")
    wire = event.payload()
    assert (wire["department"], wire["delegate"]) == ("d1", "h2")
    assert "department_id" not in wire and "delegate_id" not in wire
    assert "notify_urls" not in event.model_fields_set  # the kiosk keeps its own then
