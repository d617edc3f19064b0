"""Emergency mode's use cases: start, end, mark, and what the kiosk shows while one is on.

Each use case writes its timeline entry (``emergency_entries``) and its event (outbox, for head
office) in one transaction, stamped by the store's hybrid logical clock. Entries from the
site's other kiosks come in through ``receive`` (the peer link), are kept once each, and move
the clock past their stamps, so what this kiosk does next is ordered after what it has seen.
After any change the state is folded again (``timeline.fold``); when an incident is under way
and this kiosk has not switched yet it records its own ``emergency.switched`` (the record's
"each kiosk's switch time"). Listeners hear of every change (the shell switches screens, the
peer link sends at once). A restart folds the kept entries again: a kiosk comes back in
emergency mode. Reads the store; call it off the UI thread.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.core.config.clock import Clock
from kiosk.core.config.errors import DeniedError, NotFoundError, ValidationError
from kiosk.core.emergency import roster as rosters
from kiosk.core.emergency.names import ChannelNames
from kiosk.core.emergency.timeline import Entry, Incident, current, find, fold
from kiosk.core.events import (
    EmergencyEnded,
    EmergencyMarked,
    EmergencyNoted,
    EmergencyStarted,
    EmergencySwitched,
    Event,
    RollCallPrinted,
    parse_event,
)
from kiosk.core.events.emergency import EMERGENCY_EVENTS
from kiosk.core.store import emergency as table
from kiosk.core.store.database import Transaction
from kiosk.core.store.ids import new_id
from kiosk.core.store.records import Records

log = logging.getLogger(__name__)

KINDS = ("fire", "evacuation", "earthquake", "security", "other")
ENTRY_KINDS = frozenset(cls.kind for cls in EMERGENCY_EVENTS)
#: the role a person needs to start or end emergency mode
START_ROLE = "supervisor"
Listener = Callable[[Incident | None], object]
#: the peer-supplied roster parts (kiosk id -> lines), opened by the peer link
PeerRosters = Callable[[], Iterable[list[rosters.Person]]]


class EmergencyMode:
    def __init__(
        self,
        *,
        records: Records,
        clock: Clock,
        site_id: str,
        kiosk_id: str,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self.records = records
        self.store = records.store
        self.clock = clock
        self.site_id = site_id
        self.kiosk_id = kiosk_id
        self.timezone = timezone
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []
        self.peer_rosters: PeerRosters = lambda: ()
        self._incidents: list[Incident] = []
        #: the names of those still to find, for the alerts' messages (``names``)
        self.channel_names = ChannelNames()
        self.refold()

    # -- reading ---------------------------------------------------------------------------------
    def on_change(self, listener: Listener) -> None:
        """Call ``listener(incident under way or None)`` after every change (any thread)."""
        self._listeners.append(listener)

    def incidents(self) -> list[Incident]:
        with self._lock:
            return list(self._incidents)

    def current(self) -> Incident | None:
        with self._lock:
            return current(self._incidents)

    @property
    def active(self) -> bool:
        return self.current() is not None

    def latest(self) -> Incident | None:
        """The incident under way, else the last one (the record to review)."""
        with self._lock:
            return self._incidents[-1] if self._incidents else None

    def own_roster(self) -> list[rosters.Person]:
        incident = self.latest()
        since = incident.started_at if incident is not None and incident.active else None
        return rosters.local_roster(
            self.records,
            site_id=self.site_id,
            kiosk_id=self.kiosk_id,
            since=since,
            day_start=self._day_start(),
        )

    def roll_call(self) -> rosters.RollCall:
        """Everyone to account for: this kiosk's part, then each peer's, with the marks."""
        people = rosters.merge([self.own_roster(), *self.peer_rosters()])
        return rosters.roll_call(people, self.latest())

    def _day_start(self) -> datetime:
        local = self.clock.now().astimezone(ZoneInfo(self.timezone))
        return datetime.combine(local.date(), time(0, 0), tzinfo=local.tzinfo)

    # -- use cases -------------------------------------------------------------------------------
    def start(self, *, by: str, role: str, emergency: str, drill: bool = False) -> Incident:
        """A supervisor starts emergency mode (joins the one under way, if any)."""
        _may(role)
        if emergency not in KINDS:
            raise ValidationError(f"no emergency kind {emergency!r}", field="emergency")
        was_active = self.active
        self._record(
            EmergencyStarted(**self._common(), emergency=emergency, drill=drill, by=by)  # type: ignore[arg-type]
        )
        incident = self.current()
        assert incident is not None
        if not was_active:
            self._tell_desk_and_security(incident)
        return incident

    def _tell_desk_and_security(self, incident: Incident) -> None:
        """One alert from the kiosk that started it (the desk's and security's channels get
        it through the notifier, ``notify.alert_routes``), with the roll call's size and names."""
        self.channel_names.raise_alert(
            self,
            "emergency_started",
            severity="critical",
            message_key="alert.emergency_started",
            details={
                "emergency": incident.emergency,
                "drill": "drill" if incident.drill else "",
                "by": incident.started_by,
            },
        )

    def end(self, *, by: str, role: str, reason: str) -> None:
        """A supervisor ends it, with a reason (``ValidationError`` without one)."""
        _may(role)
        if not reason.strip():
            raise ValidationError("why does it end?", field="reason", key="emergency.reason_needed")
        if not self.active:
            raise DeniedError("no emergency under way", key="emergency.not_active")
        self._record(EmergencyEnded(**self._common(), by=by, reason=reason.strip()[:500]))
        self.send_names(by=by, kind="emergency_ended", reason=reason.strip()[:200])

    def send_names(self, *, by: str, kind: str = "emergency_rollcall", reason: str = "") -> int:
        """Send the names of those still to find to the desk's and security's channels (an
        alert; ``names``): asked for on the console, after a printout, and at the end.
        Returns how many are still to find."""
        if kind == "emergency_rollcall" and not self.active:
            raise DeniedError("no emergency under way", key="emergency.not_active")
        incident = self.latest()
        details = {
            "by": by[:64],
            "reason": reason,
            "drill": "drill" if incident and incident.drill else "",
        }
        key = "alert.emergency_ended" if kind == "emergency_ended" else "alert.emergency_rollcall"
        return self.channel_names.raise_alert(
            self, kind, severity="warning", message_key=key, details=details
        )

    def mark(self, *, by: str, person_id: str, status: str) -> None:
        """Mark one roll-call line accounted for or missing (anyone at the console)."""
        if not self.active:
            raise DeniedError("no emergency under way", key="emergency.not_active")
        if status not in ("accounted", "missing"):
            raise ValidationError(f"no mark {status!r}", field="status")
        self._record(EmergencyMarked(**self._common(), person_id=person_id, status=status, by=by))  # type: ignore[arg-type]

    def note(self, *, by: str, role: str, incident_id: str, text: str) -> None:
        """A supervisor adds a note to an incident's record (under way or ended)."""
        _may(role)
        if not text.strip():
            raise ValidationError("an empty note", field="note", key="incident.note_needed")
        if find(self.incidents(), incident_id) is None:
            raise NotFoundError(f"no incident {incident_id!r}", key="incident.not_found")
        self._record(
            EmergencyNoted(
                **self._common(), incident_id=incident_id, by=by, note=text.strip()[:2000]
            )
        )

    def printed(self, *, printer: str, people: int, ok: bool, problem: str = "") -> None:
        self._record(
            RollCallPrinted(
                **self._common(), printer=printer[:200], people=people, ok=ok, problem=problem[:64]
            )
        )
        if ok and self.active:  # what the printout says, on the channels too
            self.send_names(by=f"printer:{printer}"[:64], reason="printed")

    def _common(self) -> dict[str, Any]:
        return {
            "entry_id": new_id(),
            "site_id": self.site_id,
            "kiosk_id": self.kiosk_id,
            "at": self.clock.now(),
        }

    def _record(self, event: Event) -> None:
        with self._lock:
            with self.store.transaction() as tx:
                stamp = _emit(tx, event)
            log.info("emergency: %s (%s) recorded", event.kind, stamp)
        self._changed()

    # -- from the site's other kiosks ------------------------------------------------------------
    def receive(self, entries: Iterable[tuple[str, str, dict]]) -> int:
        """Keep entries (stamp, kind, payload) a peer passed on; returns how many were new.

        ``ValidationError`` (nothing kept) when any of them is not an emergency entry of this
        site: a sealed message with a bad entry is refused whole."""
        parsed: list[tuple[str, Event]] = []
        for stamp, kind, payload in entries:
            if kind not in ENTRY_KINDS:
                raise ValidationError(f"{kind!r} is not an emergency entry", field="kind")
            event = parse_event(kind, payload)
            if event.claimed_site != self.site_id:
                raise ValidationError(f"an entry of site {event.claimed_site}", field="site_id")
            parsed.append((stamp, event))
        new = 0
        with self._lock, self.store.transaction() as tx:
            for stamp, event in parsed:
                if not self.store.hlc.observe(stamp):
                    raise ValidationError(f"bad stamp {stamp[:40]!r}", field="stamp")
                new += _keep(tx, stamp, event, local=False)
        if new:
            self._changed()
        return new

    def pulled(self, kinds: frozenset[str]) -> None:
        """After a pull committed entries head office fed (``pulled.entry_change``)."""
        from kiosk.core.emergency.pulled import FED_KINDS

        if not FED_KINDS.isdisjoint(kinds):
            self._changed()

    def shared_entries(self) -> list[tuple[str, str, dict]]:
        """What to pass on to peers: every entry held, oldest first (stamp, kind, payload)."""
        return [
            (str(r["stamp"]), str(r["kind"]), json.loads(r["payload"]))
            for r in table.entries(self.store)
        ]

    # -- folding ---------------------------------------------------------------------------------
    def refold(self) -> None:
        kept = []
        for r in table.entries(self.store):
            try:
                event = parse_event(str(r["kind"]), json.loads(r["payload"]))
            except ValidationError:
                log.warning("emergency entry %s is unreadable; skipped", r["entry_id"])
                continue
            kept.append(Entry(str(r["stamp"]), event, bool(r["local"])))
        with self._lock:
            self._incidents = fold(kept)

    def _changed(self) -> None:
        with self._lock:
            before = self.current()
            self.refold()
            incident = self.current()
            if incident is not None and self.kiosk_id not in incident.switched:
                self._record_switch(True)
                incident = self.current()
            elif incident is None and before is not None:
                self._record_switch(False)
        for listener in list(self._listeners):
            try:
                listener(incident)
            except Exception:  # a listener must not stop the others (or the peer link)
                log.exception("emergency listener failed")

    def _record_switch(self, active: bool) -> None:
        event = EmergencySwitched(**self._common(), active=active)
        with self.store.transaction() as tx:
            _emit(tx, event)
        self.refold()


def _emit(tx: Transaction, event: Event) -> str:
    """Emit a local entry and keep it with its outbox stamp: head office folds it by the same
    stamp the kiosks order it by. Returns the stamp."""
    row = tx.execute("SELECT hlc FROM outbox WHERE uuid = ?", (tx.emit(event),)).fetchone()
    stamp = str(row[0])
    _keep(tx, stamp, event, local=True)
    return stamp


def _keep(tx: Transaction, stamp: str, event: Event, *, local: bool) -> bool:
    return table.add_entry(
        tx,
        entry_id=event.entity_id,
        stamp=stamp,
        kind=event.kind,
        kiosk_id=str(getattr(event, "kiosk_id", "")),
        payload=json.dumps(event.payload(), ensure_ascii=False, sort_keys=True),
        local=local,
    )


def _may(role: str) -> None:
    from kiosk.core.reception.staff import RANK

    if RANK.get(role, -1) < RANK[START_ROLE]:
        raise DeniedError("a supervisor starts and ends emergency mode", key="emergency.supervisor")
