"""Events of emergency mode (``kiosk.core.emergency``): one model per timeline entry kind.

Each is one entry of a site's incident timeline: the kiosk that made it writes it to its
``emergency_entries`` and its outbox in one transaction, and hands it to the site's other
kiosks over the LAN (``kiosk.core.emergency.peers``) with its hybrid-clock stamp, so every
kiosk folds the same entries into the same timeline. ``entry_id`` is unique per entry: a kiosk
keeps an entry once whoever passed it on, and head office folds each once.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from kiosk.core.events.base import Event, Id, Text64, Text200, Time

EmergencyKind = Literal["fire", "evacuation", "earthquake", "security", "other"]
MarkStatus = Literal["accounted", "missing"]
Actor = Annotated[str, Field(min_length=1, max_length=64)]
Reason = Annotated[str, Field(min_length=1, max_length=500)]

_CONSUMER = (
    "head office folds it into `emergency_entries`, once by entry, and its incident record "
    "(sync/server/incidents.py); the site's other kiosks fold it into their incident timeline "
    "(kiosk/core/emergency/timeline.py, received over the LAN)"
)


#: a start or end made at head office for a site is fed to its kiosks (``kiosk_id``
#: ``head-office``), which keep it as an entry from a peer (kiosk/core/emergency/pulled.py)
_BOTH = "kiosk, and head office for a site (fed to its kiosks)"


class _Entry(Event):
    entry_id: Id
    site_id: Id
    kiosk_id: Id
    at: Time

    @property
    def entity_id(self) -> str:
        return self.entry_id


class EmergencyStarted(_Entry):
    """A supervisor (PIN) started emergency mode for the site: a real emergency or a drill.
    A second start while one is under way joins it (one timeline)."""

    kind: ClassVar[str] = "emergency.started"
    origin: ClassVar[str] = _BOTH
    consumer: ClassVar[str] = _CONSUMER

    emergency: EmergencyKind
    drill: bool = False
    #: the staff id of the supervisor who started it
    by: Actor


class EmergencyEnded(_Entry):
    """A supervisor (PIN) ended it, with the reason."""

    kind: ClassVar[str] = "emergency.ended"
    origin: ClassVar[str] = _BOTH
    consumer: ClassVar[str] = _CONSUMER

    by: Actor
    reason: Reason


class EmergencyMarked(_Entry):
    """Someone on the roll call marked accounted for or missing at the assembly point."""

    kind: ClassVar[str] = "emergency.marked"
    origin: ClassVar[str] = _BOTH
    consumer: ClassVar[str] = _CONSUMER + (
        "; a host's mark on head office's roll-call page (`by` = `host:<id>`, "
        "sync/server/host_marks.py) is fed to the kiosks (kiosk/core/emergency/pulled.py)"
    )

    #: the roll-call line: a visit id, or ``staff:<staff id>``
    person_id: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:\-]+$")]
    status: MarkStatus
    by: Actor


class EmergencySwitched(_Entry):
    """This kiosk switched to emergency mode (its instructions are showing) or back."""

    kind: ClassVar[str] = "emergency.switched"
    consumer: ClassVar[str] = _CONSUMER + (
        "; this kiosk's notifier sends each host with visitors it checked in a roll-call link "
        "(kiosk/core/emergency/host_notice.py)"
    )

    active: bool


class RollCallPrinted(_Entry):
    """The roll call went to a printer (or failed to, on every queue tried)."""

    kind: ClassVar[str] = "emergency.rollcall_printed"
    consumer: ClassVar[str] = _CONSUMER

    printer: Text200
    people: Annotated[int, Field(ge=0, le=100_000)]
    ok: bool
    problem: Text64 = ""


class EmergencyNoted(_Entry):
    """A supervisor added a note to an incident's record (on a kiosk or at head office),
    usually after it ended: what happened, what to do better. Names its incident, so a note
    written days later still joins the right record."""

    kind: ClassVar[str] = "emergency.noted"
    origin: ClassVar[str] = _BOTH
    consumer: ClassVar[str] = _CONSUMER

    #: the incident's id (the entry id of its first start)
    incident_id: Id
    by: Actor
    note: Annotated[str, Field(min_length=1, max_length=2000)]


EMERGENCY_EVENTS: tuple[type[Event], ...] = (
    EmergencyStarted,
    EmergencyEnded,
    EmergencyMarked,
    EmergencySwitched,
    RollCallPrinted,
    EmergencyNoted,
)
