"""This kiosk's side of a peer exchange: what it tells a peer, and taking what a peer told it.

``outgoing`` seals a ``state`` message: every timeline entry this kiosk holds and its own part
of the roll call, stamped by the store's hybrid logical clock. ``incoming`` opens one, checks
it (sealed with this site's peer key, well-formed, for this site, from another kiosk, not a
replay) and keeps it: entries through ``EmergencyMode.receive``, the sender's roll-call part
sealed at rest in ``emergency_peer_rosters`` (only a newer one replaces it). Anything refused
is logged and raises one alert for the desk (``emergency.peer_refused``) until acknowledged.

A replay is a frame whose stamp this kiosk has taken before, or older than the newest taken
from that kiosk by more than ``REPLAY_WINDOW_MS`` (an exchange in flight the other way may
overtake a message by a little, never by that much).
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Callable

from kiosk.core.alerts import raise_alert_once
from kiosk.core.config.errors import ValidationError
from kiosk.core.emergency.peers import messages
from kiosk.core.emergency.peers.sealing import Refused, open_frame, seal
from kiosk.core.emergency.roster import Person
from kiosk.core.emergency.service import EmergencyMode
from kiosk.core.keys.hierarchy import SiteKey
from kiosk.core.store import emergency as table
from kiosk.core.store.hlc import Stamp

log = logging.getLogger(__name__)

REPLAY_WINDOW_MS = 30_000
ALERT_KIND = "emergency.peer_refused"
ALERT_KEY = "alert.emergency.peer_refused"


class PeerExchange:
    def __init__(self, *, mode: EmergencyMode, key: Callable[[], SiteKey | None]) -> None:
        self.mode = mode
        self.store = mode.store
        self.site_id = mode.site_id
        self.kiosk_id = mode.kiosk_id
        self.key = key
        self._lock = threading.Lock()
        self._seen: dict[str, deque[str]] = {}
        #: frames refused since start (tests and the benchmark read it)
        self.refused = 0

    def _key_of(self, version: int) -> SiteKey | None:
        key = self.key()
        return key if key is not None and key.version == version else None

    def outgoing(self) -> bytes | None:
        """This kiosk's state, sealed; None while it holds no peer key (then it shares nothing)."""
        key = self.key()
        if key is None:
            return None
        state = messages.PeerState(
            site_id=self.site_id,
            kiosk_id=self.kiosk_id,
            stamp=self.store.hlc.tick(),
            entries=[
                messages.WireEntry(stamp=s, kind=k, payload=p)
                for s, k, p in self.mode.shared_entries()
            ],
            roster=[messages.WireLine(**p.wire()) for p in self.mode.own_roster()],  # type: ignore[arg-type]
        )
        return seal(key, self.site_id, messages.encode(state))

    def incoming(self, frame: bytes, source: str) -> bool:
        """Take a peer's sealed state; False (logged, alerted) when refused."""
        try:
            state = messages.decode(open_frame(self._key_of, self.site_id, frame))
            self._check(state)
            new = self.mode.receive([(e.stamp, e.kind, e.payload) for e in state.entries])
            self._keep_roster(state)
        except Refused as e:
            self._refuse(source, e.reason)
            return False
        except ValidationError as e:
            self._refuse(source, f"bad entry: {e}")
            return False
        log.debug("peer %s (%s): %d new entries", state.kiosk_id, source, new)
        return True

    def _check(self, state: messages.PeerState) -> None:
        if state.site_id != self.site_id:
            raise Refused(f"a message for site {state.site_id}")
        if state.kiosk_id == self.kiosk_id:
            raise Refused("a message from this kiosk's own id (a copy of it, or two with one id)")
        try:
            stamp = Stamp.parse(state.stamp)
        except ValueError:
            raise Refused("malformed stamp") from None
        with self._lock:
            seen = self._seen.setdefault(state.kiosk_id, deque(maxlen=256))
            newest = table.peer_stamp(self.store, state.kiosk_id)
            old = newest and stamp.physical_ms < Stamp.parse(newest).physical_ms - REPLAY_WINDOW_MS
            if state.stamp in seen or (newest and state.stamp == newest) or old:
                raise Refused(f"replayed old state from {state.kiosk_id} ({state.stamp})")
            seen.append(state.stamp)

    def _keep_roster(self, state: messages.PeerState) -> None:
        key = self.key()
        if key is None:
            return
        part = json.dumps([line.model_dump() for line in state.roster], ensure_ascii=False)
        with self._lock, self.store.transaction() as tx:
            if state.stamp > table.peer_stamp(self.store, state.kiosk_id):
                sealed = seal(key, self.site_id, part.encode())
                table.put_peer_roster(tx, state.kiosk_id, state.stamp, sealed)

    def peer_rosters(self) -> list[list[Person]]:
        """Each peer's last roll-call part (opened from its sealed row)."""
        parts = []
        for row in table.peer_rosters(self.store):
            try:
                lines = json.loads(open_frame(self._key_of, self.site_id, bytes(row["sealed"])))
                parts.append([messages.WireLine(**line).person() for line in lines])
            except (Refused, ValueError, TypeError) as e:
                log.info("the roll call kept from %s does not open (%s)", row["kiosk_id"], e)
        return parts

    def _refuse(self, source: str, reason: str) -> None:
        self.refused += 1
        log.warning("peer message from %s refused: %s", source, reason)
        with self.store.transaction() as tx:
            raise_alert_once(
                tx,
                ALERT_KIND,
                severity="warning",
                message_key=ALERT_KEY,
                details={"peer": source[:200], "reason": reason[:200]},
                site_id=self.site_id,
                kiosk_id=self.kiosk_id,
            )
