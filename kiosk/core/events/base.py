"""The base of every event model and the field types they share.

Strict on purpose: a string is never coerced from a number, an int never from a string, every
text has a bounded length, ids match one pattern, times are ISO 8601 text. What an event model
accepts is what folders, workers and pull handlers may rely on without checking again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, StringConstraints

from kiosk.core.config.clock import iso, parse_iso

#: ids, kinds and UUIDs: letters, digits and ``_ . : -`` (the same rule as the wire envelope)
ID_PATTERN = r"^[A-Za-z0-9_.:\-]+$"

Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=ID_PATTERN)]
#: an id or "" (a kiosk id of a visit written before kiosks had one)
IdOrEmpty = Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_.:\-]*$")]
Text32 = Annotated[str, StringConstraints(max_length=32)]
Text64 = Annotated[str, StringConstraints(max_length=64)]
Text200 = Annotated[str, StringConstraints(max_length=200)]
Text500 = Annotated[str, StringConstraints(max_length=500)]
Text2000 = Annotated[str, StringConstraints(max_length=2000)]
#: a catalogue key such as ``alert.watchlist`` or ``badge.printer.stopped``
Key = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
]


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a time needs a zone")
        return value
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("a time is ISO 8601 text")
    return parse_iso(value)  # ValueError for anything else


#: a moment: ISO 8601 text on the wire (``iso()``: UTC, microseconds), an aware datetime here
Time = Annotated[datetime, BeforeValidator(_time), PlainSerializer(iso, return_type=str)]


class Part(BaseModel):
    """A nested object of an event payload."""

    model_config = ConfigDict(
        strict=True, frozen=True, extra="forbid", from_attributes=True, populate_by_name=True
    )


class Event(Part):
    """One event kind. Subclasses set the class variables; fields are the payload."""

    #: the kind, as stored in the outbox row and the pull feed
    kind: ClassVar[str]
    #: bumped when the payload changes incompatibly (a new kind replaces it then)
    event_version: ClassVar[int] = 1
    #: who sends it: "kiosk" (outbox, pushed), "head office" (pull feed) or both
    origin: ClassVar[str] = "kiosk"
    #: who acts on it, in a sentence: the named consumer at head office and on the kiosk
    consumer: ClassVar[str]

    @property
    def entity_id(self) -> str:
        """The visit (invitation, alert …) the event is about: the outbox row's ``entity_id``."""
        raise NotImplementedError

    @property
    def claimed_site(self) -> str | None:
        """The site the payload says it belongs to, when it names one."""
        site = getattr(self, "site_id", None)
        return site if isinstance(site, str) else None

    def payload(self) -> dict[str, Any]:
        """The JSON object stored in the outbox row and sent on the wire."""
        return self.model_dump(mode="json", by_alias=True)
