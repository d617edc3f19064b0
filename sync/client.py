"""The kiosk's sync worker: push the outbox to head office, pull the site's changes.

Runs in its own thread and never touches widgets: the UI asks ``status()`` for a frozen
``SyncStatus`` and schedules its own redraw. A check-in never waits on the network: the worker
reads only what is already committed.

Push: events after the "sync" consumer position, in batches, gzip-compressed; the position
moves past a batch in one transaction once the server has answered for every event in it
(stored, already had, or rejected: a rejected event can never succeed, so it is logged and
passed). Pull: changes after the stored cursor, applied through ``sync.apply`` with the new
cursor in the same transaction.

Failures back off exponentially with jitter, timed by the injected clock; a commit that emits
events wakes an idle worker at once.
"""

from __future__ import annotations

import gzip
import json
import logging
import random
import sqlite3
import ssl
import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import httpx

from kiosk.core.config.clock import Clock, iso
from kiosk.core.config.errors import DeniedError, KioskError, TransportError
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records

from . import apply
from .protocol import (
    API_PREFIX,
    MAX_PULL_CHANGES,
    PROTOCOL_VERSION,
    ChangeOut,
    EventIn,
    PullOut,
    PushIn,
    PushOut,
    RejectedEvent,
)

log = logging.getLogger(__name__)

CONSUMER = "sync"
CURSOR_KEY = "sync.cursor"
HLC_KEY = "hlc.observed"


def encode_push(rows: Sequence[sqlite3.Row]) -> bytes:
    """The JSON body of a push (``PushIn``) straight from outbox rows.

    Payloads are stored as JSON text already; splicing them in spares a parse and a re-dump
    of every event, the larger part of the kiosk's cost per batch.
    """
    dumps = json.dumps
    parts = [
        f'{{"uuid":{dumps(r["uuid"])},"kind":{dumps(r["kind"])},'
        f'"entity_id":{dumps(r["entity_id"])},"occurred_at":{dumps(r["occurred_at"])},'
        f'"hlc":{dumps(r["hlc"])},"payload":{r["payload"] or "{}"}}}'
        for r in rows
    ]
    return f'{{"protocol":{PROTOCOL_VERSION},"events":[{",".join(parts)}]}}'.encode()


# -- the transport boundary ------------------------------------------------------------------
class Transport(Protocol):
    """How the worker reaches head office. Raises TransportError (retry) or DeniedError."""

    def push(self, body: bytes) -> PushOut:
        """Send a ``PushIn`` JSON document (uncompressed; the transport may compress it)."""
        ...

    def pull(self, after: int, limit: int) -> PullOut: ...


def tls_verify(ca_bundle: str = "") -> ssl.SSLContext | bool:
    """TLS verification for head office: the system CAs, or a private CA bundle. Never off.

    A CA bundle that cannot be loaded is a ``ConfigError`` (fix the settings), never a reason
    to connect unverified.
    """
    from kiosk.core.head_office.enrollment import verify_setting

    return verify_setting(ca_bundle)


class HttpTransport:
    """The real transport: HTTPS (or plain HTTP on loopback) with a kiosk token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        ca_bundle: str = "",
        timeout: float = 30.0,
        client: httpx.Client | None = None,
    ) -> None:
        from kiosk.core.head_office.enrollment import check_url

        self._client = client or httpx.Client(
            base_url=check_url(base_url), verify=tls_verify(ca_bundle), timeout=timeout
        )
        self._headers = {"Authorization": f"Bearer {token}"}

    def close(self) -> None:
        self._client.close()

    def _send(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            response = self._client.request(
                method,
                API_PREFIX + path,
                headers={**self._headers, **kwargs.pop("headers", {})},
                **kwargs,
            )
        except httpx.HTTPError as e:
            raise TransportError(f"head office unreachable: {e!r}") from e
        if response.status_code in (401, 403):
            raise DeniedError(
                f"head office refused this kiosk ({response.status_code}): {response.text[:200]}",
                key="sync.denied",
            )
        if response.status_code >= 400:
            raise TransportError(
                f"head office answered {response.status_code}: {response.text[:200]}"
            )
        return response

    def push(self, body: bytes) -> PushOut:
        raw = gzip.compress(body, compresslevel=3)
        response = self._send(
            "POST",
            "/sync/push",
            content=raw,
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )
        return PushOut.model_validate_json(response.content)

    def pull(self, after: int, limit: int, *, own: bool = False) -> PullOut:
        """``own``: also this kiosk's own events (after a restore, sync/recovery.py)."""
        params = {"after": after, "limit": limit, **({"own": "true"} if own else {})}
        response = self._send("GET", "/sync/pull", params=params)
        return PullOut.model_validate_json(response.content)


class FakeTransport:
    """In-process head office for unit tests: acknowledges pushes, serves a change list."""

    def __init__(self) -> None:
        self.pushed: list[EventIn] = []
        self.feed: list[ChangeOut] = []
        self.reject: set[str] = set()
        self.fail_with: Exception | None = None
        self.drop_answers = False

    def push(self, body: bytes) -> PushOut:
        if self.fail_with is not None:
            raise self.fail_with
        request = PushIn.model_validate_json(body)
        known = {e.uuid for e in self.pushed}
        stored, duplicate, rejected = [], [], []
        for e in request.events:
            if e.uuid in self.reject:
                rejected.append(RejectedEvent(uuid=e.uuid, reason="rejected by the fake"))
            elif e.uuid in known:
                duplicate.append(e.uuid)
            else:
                self.pushed.append(e)
                known.add(e.uuid)
                stored.append(e.uuid)
        if self.drop_answers:
            stored, duplicate = stored[:-1], duplicate
        return PushOut(stored=stored, duplicate=duplicate, rejected=rejected, hlc="")

    def pull(self, after: int, limit: int) -> PullOut:
        if self.fail_with is not None:
            raise self.fail_with
        page = [c for c in self.feed if c.cursor > after][:limit]
        more = len([c for c in self.feed if c.cursor > after]) > limit
        return PullOut(changes=page, cursor=page[-1].cursor if page else after, more=more)


# -- status for the UI -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SyncStatus:
    #: the last round reached head office
    online: bool
    #: when the current run of failures began (None while online)
    offline_since: datetime | None
    #: outbox events not yet acknowledged by head office
    pending: int
    #: end of the last successful round
    last_success: datetime | None
    #: why the last round failed ("" when it did not)
    last_error: str = ""
    #: false for a stand-alone kiosk (no head office configured)
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class RoundResult:
    pushed: int
    rejected: int
    pulled: int


def backoff_delay(failures: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait after ``failures`` failures in a row: capped exponential, half jitter."""
    ceiling = min(cap, base * (2 ** max(0, failures - 1)))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


class SyncClient:
    """Push/pull rounds, on demand (``sync_once``) or in a background thread (``start``)."""

    def __init__(
        self,
        *,
        store: Store,
        records: Records,
        transport: Transport,
        clock: Clock,
        batch_size: int = 500,
        interval: float = 15.0,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
        max_in_flight: int = 1,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.records = records
        self.transport = transport
        self.clock = clock
        self.batch_size = batch_size
        self.interval = interval
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        #: push requests at head office at once while a backlog drains; 1 suits a SQLite head
        #: office (one writer at a time), 2 or more a PostgreSQL one with several processes
        self.max_in_flight = max(1, max_in_flight)
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._online = False
        self._offline_since: datetime | None = None
        self._last_success: datetime | None = None
        self._last_error = ""
        self.failures = 0
        store.on_emit(self._wake.set)

    # -- one round -------------------------------------------------------------------------
    def sync_once(self) -> RoundResult:
        """Push everything pending, then pull until the feed is drained."""
        pushed, rejected = self._push_all()
        pulled = 0
        while True:
            count, more = self._pull_page()
            pulled += count
            if not more:
                break
        return RoundResult(pushed, rejected, pulled)

    def _read_batch(self, after: int) -> list[sqlite3.Row]:
        return self.store.query(
            "SELECT seq, uuid, kind, entity_id, occurred_at, hlc, payload FROM outbox "
            "WHERE seq > ? ORDER BY seq LIMIT ?",
            (after, self.batch_size),
        )

    def _push_all(self) -> tuple[int, int]:
        """Push every pending batch; answers are acknowledged strictly in order.

        With a backlog, the next batch is read and encoded here, and sent before the previous
        one's position is committed, while up to ``max_in_flight`` batches are at head office:
        the drain after an outage is bound by the server, not by kiosk and server taking turns.
        Folding is order-free, so batches may be stored in any order; the position only ever
        moves past a batch whose answer came back and all of whose predecessors' did. After a
        failure the later batches are sent again and come back as duplicates.
        """
        batch = self._read_batch(self.store.position(CONSUMER))
        if not batch:
            return 0, 0
        if len(batch) < self.batch_size:
            return len(batch), self._acknowledge(batch, self.transport.push(encode_push(batch)))
        pushed = rejected = 0
        window: deque[tuple[list[sqlite3.Row], Future[PushOut]]] = deque()
        with ThreadPoolExecutor(self.max_in_flight, thread_name_prefix="sync-push") as pool:

            def top_up(batch: list[sqlite3.Row]) -> list[sqlite3.Row]:
                while batch and len(window) < self.max_in_flight:
                    window.append((batch, pool.submit(self.transport.push, encode_push(batch))))
                    full = len(batch) == self.batch_size
                    batch = self._read_batch(batch[-1]["seq"]) if full else []
                return batch

            while batch or window:
                batch = top_up(batch)
                done, in_flight = window.popleft()
                answer = in_flight.result()
                batch = top_up(batch)  # the next request goes out before this commit's fsync
                rejected += self._acknowledge(done, answer)
                pushed += len(done)
        return pushed, rejected

    def _acknowledge(self, batch: list[sqlite3.Row], answer: PushOut) -> int:
        """Move the position past an answered batch (one transaction); returns rejections."""
        answered = set(answer.stored) | set(answer.duplicate) | {r.uuid for r in answer.rejected}
        missing = [row["uuid"] for row in batch if row["uuid"] not in answered]
        if missing:
            raise TransportError(f"head office did not answer for {len(missing)} events")
        for r in answer.rejected:
            log.error("head office rejected event %s: %s", r.uuid, r.reason)
        with self.store.transaction() as tx:
            self.store.advance(CONSUMER, batch[-1]["seq"], tx)
            self._observe(answer.hlc, tx)
        return len(answer.rejected)

    def _pull_page(self) -> tuple[int, bool]:
        cursor = int(self.store.get_value(CURSOR_KEY, "0") or 0)
        page = self.transport.pull(cursor, min(self.batch_size, MAX_PULL_CHANGES))
        if page.cursor == cursor and not page.changes:
            return 0, False
        with self.store.transaction() as tx:
            for change in page.changes:
                apply.apply_change(self.records, tx, change)
                self.store.hlc.observe(change.hlc)
            self.store.set_value(CURSOR_KEY, str(page.cursor), tx)
            self._observe("", tx)
        return len(page.changes), page.more

    def _observe(self, stamp: str, tx) -> None:
        """Move the kiosk's clock past ``stamp`` and remember it across restarts."""
        if stamp:
            self.store.hlc.observe(stamp)
        self.store.set_value(HLC_KEY, self.store.hlc.tick(), tx)

    # -- status ----------------------------------------------------------------------------
    def status(self) -> SyncStatus:
        """A snapshot for the kiosk's indicator (cheap; safe from any thread)."""
        try:
            pending = self.store.pending(CONSUMER)
        except KioskError:
            pending = -1
        with self._lock:
            return SyncStatus(
                online=self._online,
                offline_since=self._offline_since,
                pending=pending,
                last_success=self._last_success,
                last_error=self._last_error,
            )

    def _record(self, error: Exception | None) -> None:
        with self._lock:
            now = self.clock.now()
            if error is None:
                self._online = True
                self._offline_since = None
                self._last_success = now
                self._last_error = ""
                self.failures = 0
            else:
                if self._online or self._offline_since is None:
                    self._offline_since = now
                self._online = False
                self._last_error = str(error)
                self.failures += 1

    def run_round(self) -> RoundResult | None:
        """One round with failures recorded (what the thread does each time it wakes)."""
        try:
            result = self.sync_once()
        except (TransportError, DeniedError) as e:
            log.warning("sync round failed: %s", e)
            self._record(e)
            return None
        except Exception as e:  # a bug must not kill the worker; it backs off and retries
            log.exception("sync round failed unexpectedly")
            self._record(e)
            return None
        self._record(None)
        return result

    def next_delay(self) -> float:
        if self.failures == 0:
            return self.interval
        return backoff_delay(
            self.failures, base=self.backoff_base, cap=self.backoff_cap, rng=self._rng
        )

    # -- the thread ------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sync-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def close(self) -> None:
        """Stop the thread and release the transport's connections."""
        self.stop()
        close = getattr(self.transport, "close", None)
        if close is not None:
            close()

    def wake(self) -> None:
        """Ask for a round now (after a check-in; when the network comes back)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            self.run_round()
            self._wait(self.next_delay(), interruptible=self.failures == 0)

    def _wait(self, seconds: float, *, interruptible: bool) -> None:
        """Sleep ``seconds`` on the injected clock; new events cut an idle wait short."""
        due = self.clock.monotonic() + seconds
        while not self._stop.is_set():
            left = due - self.clock.monotonic()
            if left <= 0:
                return
            woke = self._wake.wait(min(left, 0.25))
            if woke and interruptible:
                return
            if woke and not interruptible:
                self._wake.clear()


def describe(status: SyncStatus) -> dict[str, object]:
    """The status as plain values (logs, the receptionist screen, JSON)."""
    return {
        "online": status.online,
        "offline_since": iso(status.offline_since) if status.offline_since else None,
        "pending": status.pending,
        "last_success": iso(status.last_success) if status.last_success else None,
        "last_error": status.last_error,
    }
