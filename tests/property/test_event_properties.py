"""parse_event on arbitrary JSON: a typed event or the project's ValidationError, nothing else."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core.config.errors import ValidationError
from kiosk.core.events import REGISTRY, parse_event
from kiosk.core.events.examples import EXAMPLES

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=80),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=20), inner, max_size=6)
    ),
    max_leaves=30,
)
_kinds = st.sampled_from(sorted(REGISTRY)) | st.text(max_size=30)


def _mutated(draw: st.DrawFn) -> tuple[str, object]:
    """An example payload with one field replaced by arbitrary JSON (near misses find more)."""
    kind = draw(st.sampled_from(sorted(EXAMPLES)))
    payload = dict(EXAMPLES[kind].payload())
    if payload:
        key = draw(st.sampled_from(sorted(payload)))
        payload[key] = draw(_json)
    return kind, payload


@settings(max_examples=400, deadline=None)
@given(_kinds, _json)
def test_parse_event_raises_only_validation_error(kind: str, payload: object) -> None:
    try:
        event = parse_event(kind, payload)
    except ValidationError:
        return
    assert parse_event(kind, json.loads(json.dumps(event.payload()))) == event


@settings(max_examples=400, deadline=None)
@given(st.composite(_mutated)())
def test_near_miss_payloads(case: tuple[str, object]) -> None:
    kind, payload = case
    try:
        event = parse_event(kind, payload)
    except ValidationError:
        return
    assert parse_event(kind, json.loads(json.dumps(event.payload()))) == event
