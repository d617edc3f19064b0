"""What a sealed peer message holds, checked by type and size before anything is kept.

One kind: ``state``, what the sender knows (every timeline entry it holds, its own part of the
roll call) and its hybrid-clock stamp, newer than every message it sent before (an older one
is a replay). A peer answers a ``state`` with its own. Each entry's payload is checked again as
its event kind (``parse_event``) when it is kept.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from kiosk.core.emergency.peers.sealing import Refused
from kiosk.core.emergency.roster import Person
from kiosk.core.events.base import Id, Part

Stamp = Annotated[str, StringConstraints(min_length=21, max_length=60)]
_Line = Annotated[str, StringConstraints(max_length=200)]


class WireEntry(Part):
    stamp: Stamp
    kind: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    payload: dict[str, Any]


class WireLine(Part):
    person_id: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    kind: Literal["visitor", "staff"]
    name: _Line
    company: _Line = ""
    host: _Line = ""
    where: _Line = ""
    kiosk_id: Annotated[str, StringConstraints(max_length=64)] = ""
    since: Annotated[str, StringConstraints(max_length=40)] = ""
    left: bool = False

    def person(self) -> Person:
        return Person(**self.model_dump())


class PeerState(Part):
    v: Literal[1] = 1
    type: Literal["state"] = "state"
    site_id: Id
    kiosk_id: Id
    stamp: Stamp
    entries: Annotated[list[WireEntry], Field(max_length=20_000)]
    roster: Annotated[list[WireLine], Field(max_length=5_000)]


def encode(state: PeerState) -> bytes:
    return json.dumps(state.model_dump(mode="json"), ensure_ascii=False).encode()


def decode(plaintext: bytes) -> PeerState:
    """The message in an opened frame; ``Refused`` when it is not a well-formed one."""
    try:
        return PeerState.model_validate(json.loads(plaintext))
    except (ValueError, TypeError, RecursionError, PydanticValidationError) as e:
        raise Refused(f"malformed message: {str(e)[:200]}") from None
