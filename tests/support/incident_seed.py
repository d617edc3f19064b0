"""A head office holding one finished fire drill at site ``north`` (and one at ``south``), as
the kiosks' pushed entries would leave it: visitors on site at the start, marks, a print, the
end with its reason; for the dashboard's incident tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kiosk.core.events import (
    EmergencyEnded,
    EmergencyMarked,
    EmergencyStarted,
    EmergencySwitched,
    Event,
    RollCallPrinted,
)
from sync.server.models import EmergencyEntry, Visit, Visitor

#: name -> (how long unaccounted for, as the record writes it)
EXPECTED = {"张伟": "1:30", "Emma Müller": "10:00", "王芳": "0:40", "staff:st-9": "2:00"}
START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


def seed_incidents(session: Any) -> str:
    """Adds the records; returns north's incident id."""
    people = [("张伟", None), ("Emma Müller", None), ("王芳", 40), ("陈杰", None)]
    for i, (name, out) in enumerate(people):
        at = START - timedelta(minutes=30) if name != "陈杰" else START + timedelta(minutes=3)
        session.add(Visitor(id=f"inc-vr{i}", site_id="north", name=name, company="华为技术"))
        session.add(
            Visit(
                id=f"inc-v{i}",
                site_id="north",
                visitor_id=f"inc-vr{i}",
                kiosk_id="north-k1",
                state="checked_out" if out else "checked_in",
                created_at=at,
                checked_in_at=at,
                checked_out_at=START + timedelta(seconds=out) if out else None,
                state_hlc="1",
            )
        )
    common = {"site_id": "north", "kiosk_id": "north-k1"}
    events: list[tuple[int, Event]] = [
        (
            0,
            EmergencyStarted(
                entry_id="inc-s", **common, at=START, emergency="fire", drill=True, by="st-s"
            ),
        ),
        (1, EmergencySwitched(entry_id="inc-w1", **common, at=START, active=True)),
        (
            2,
            EmergencySwitched(
                entry_id="inc-w2",
                site_id="north",
                kiosk_id="north-k2",
                at=START + timedelta(seconds=1),
                active=True,
            ),
        ),
        (
            5,
            RollCallPrinted(
                entry_id="inc-p",
                **common,
                at=START + timedelta(seconds=5),
                printer="cups:Lobby",
                people=4,
                ok=True,
            ),
        ),
        (90, _mark("inc-m1", "inc-v0", "accounted", START + timedelta(seconds=90))),
        (95, _mark("inc-m2", "inc-v1", "missing", START + timedelta(seconds=95))),
        (120, _mark("inc-m3", "staff:st-9", "accounted", START + timedelta(seconds=120))),
        (
            600,
            EmergencyEnded(
                entry_id="inc-e",
                **common,
                at=START + timedelta(seconds=600),
                by="st-s",
                reason="消防队确认安全 all clear",
            ),
        ),
    ]
    south = EmergencyStarted(
        entry_id="inc-south", site_id="south", kiosk_id="south-k1", at=START,
        emergency="earthquake", by="st-x",
    )  # fmt: skip
    events.append((3, south))
    for offset, event in events:
        session.add(
            EmergencyEntry(
                entry_id=event.entity_id,
                site_id=event.claimed_site,
                kiosk_id=str(getattr(event, "kiosk_id", "")),
                kind=event.kind,
                hlc=f"{int(START.timestamp() * 1000) + offset * 1000:013d}000000-seed",
                payload=event.payload(),
                received_at=START,
            )
        )
    return "inc-s"


def _mark(entry_id: str, person: str, status: str, at: datetime) -> EmergencyMarked:
    return EmergencyMarked(
        entry_id=entry_id,
        site_id="north",
        kiosk_id="north-k2",
        at=at,
        person_id=person,
        status=status,  # type: ignore[arg-type]
        by="st-r",
    )
