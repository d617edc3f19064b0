"""The kiosk's sync worker: push the outbox to head office, pull the site's changes.

Runs in its own thread and never touches widgets: the UI asks ``status()`` for a frozen
``SyncStatus`` and schedules its own redraw. A check-in never waits on the network: the worker
reads only what is already committed.

Push: events after the "sync" consumer position, in batches, gzip-compressed; the position
moves past a batch in one transaction once the server has answered for every event in it
(stored, already had, or rejected: a rejected event can never succeed, so it is passed, and
counted in the status with an alert, ``sync.attention``). Pull: changes after the stored
cursor, applied through ``sync.apply`` with the new cursor in the same transaction; a change
that fails to apply is quarantined (kept aside, counted, alerted) and the feed flows on.

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
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
import requests.adapters
import requests.auth
from pydantic import ValidationError as PydanticError

from kiosk.core.config.clock import Clock, iso
from kiosk.core.config.errors import ConfigError, DeniedError, KioskError, TransportError
from kiosk.core.head_office import enrollment
from kiosk.core.head_office.enrollment import Enrollment, check_url
from kiosk.core.head_office.protocol import EnrollAnswer, HeadOffice
from kiosk.core.keys.site_keys import KEYS_PATH, KeySet, parse_key_set
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records

from . import apply, attention
from .errors import error_for, network_error, unreadable
from .protocol import API_PREFIX, MAX_PULL_CHANGES, PROTOCOL_VERSION, EnrollOut, PullOut, PushOut

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


# -- the head-office client ------------------------------------------------------------------
#: what the sync worker holds: the core's protocol with the wire models as answers
SyncHeadOffice = HeadOffice[PushOut, PullOut]
#: seconds to open a connection, and to wait for each read of the answer
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 30.0


class _Bearer(requests.auth.AuthBase):
    """The kiosk token as ``Authorization: Bearer`` (and never a ~/.netrc password instead)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.token:
            request.headers["Authorization"] = f"Bearer {self.token}"
        else:
            request.headers.pop("Authorization", None)
        return request


def check_ca_bundle(ca_bundle: str) -> None:
    """A CA bundle that cannot be loaded is a ``ConfigError`` (fix the settings), never a
    reason to connect unverified."""
    if not ca_bundle:
        return
    try:
        ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as e:
        raise ConfigError(f"cannot load the CA bundle {ca_bundle}: {e}") from e


class HeadOfficeClient:
    """The kiosk's one head-office client: a ``requests.Session`` (connections kept and
    reused), TLS always verified (the system CAs, or ``ca_bundle`` alone for a private CA),
    connect and read timeouts, gzip push bodies, redirects never followed (the token stays
    with the host it was given to), and one status→error mapping (``errors.error_for``)."""

    def __init__(
        self,
        base_url: str,
        token: str = "",
        *,
        ca_bundle: str = "",
        timeout: float | tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
        pool_size: int = 8,
    ) -> None:
        self._url = check_url(base_url)
        check_ca_bundle(ca_bundle)
        self._ca_bundle = ca_bundle
        self._timeout = timeout
        self.session = requests.Session()
        self.session.auth = _Bearer(token)
        self.session.headers["User-Agent"] = "lobby-kiosk"
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=1, pool_maxsize=pool_size, max_retries=0
        )
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    @property
    def url(self) -> str:
        return self._url

    @property
    def ca_bundle(self) -> str:
        return self._ca_bundle

    def close(self) -> None:
        self.session.close()

    def _send(self, method: str, path: str, *, denied_key: str, **kwargs: Any) -> bytes:
        """The answer's body for a 2xx; the project's error for anything else."""
        try:
            response = self.session.request(
                method,
                self._url + path,
                timeout=self._timeout,
                # per request, so REQUESTS_CA_BUNDLE never replaces a configured private CA
                verify=self._ca_bundle or True,
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException as e:
            raise network_error(self._url, e) from e
        if not 200 <= response.status_code < 300:
            raise error_for(
                response.status_code,
                response.text,
                location=response.headers.get("Location", ""),
                denied_key=denied_key,
            )
        return response.content

    def enroll(self, code: str) -> EnrollAnswer:
        body = self._send(
            "POST", API_PREFIX + "/enroll", json={"code": code}, denied_key="enroll.denied"
        )
        try:
            answer = EnrollOut.model_validate_json(body)
        except PydanticError as e:
            raise unreadable("enrollment", e) from e
        return EnrollAnswer(**answer.model_dump())

    def fetch_keys(self) -> KeySet:
        body = self._send("GET", KEYS_PATH, denied_key="sync.denied")
        try:
            return parse_key_set(json.loads(body))
        except (ValueError, KeyError, TypeError) as e:
            raise TransportError("head office sent no usable keys") from e

    def push(self, body: bytes) -> PushOut:
        raw = gzip.compress(body, compresslevel=3)
        answer = self._send(
            "POST",
            API_PREFIX + "/sync/push",
            data=raw,
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
            denied_key="sync.denied",
        )
        try:
            return PushOut.model_validate_json(answer)
        except PydanticError as e:
            raise unreadable("push", e) from e

    def pull(self, after: int, limit: int) -> PullOut:
        answer = self._send(
            "GET",
            API_PREFIX + "/sync/pull",
            params={"after": after, "limit": limit},
            denied_key="sync.denied",
        )
        try:
            return PullOut.model_validate_json(answer)
        except PydanticError as e:
            raise unreadable("pull", e) from e


def enroll(url: str, code: str, *, data_dir: Path | str, ca_bundle: str = "") -> Enrollment:
    """``kiosk enroll URL CODE``: the core's enrollment, through a client for ``url``."""
    client = HeadOfficeClient(url, ca_bundle=ca_bundle)
    try:
        return enrollment.enroll(client, code, data_dir=data_dir)
    finally:
        client.close()


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
    #: events head office rejected so far (each raised an alert), and the last reason
    rejected: int = 0
    last_rejected: str = ""
    #: pulled changes that could not be applied and were kept aside
    quarantined: int = 0


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
        head_office: SyncHeadOffice,
        clock: Clock,
        batch_size: int = 500,
        interval: float = 15.0,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
        max_in_flight: int = 1,
        rng: random.Random | None = None,
        site_id: str = "",
        kiosk_id: str = "",
    ) -> None:
        self.store = store
        #: who raises the alerts for rejected events and quarantined changes ("" raises none)
        self.site_id = site_id
        self.kiosk_id = kiosk_id
        self.records = records
        self.head_office = head_office
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
        self._pulled_listeners: list[Callable[[frozenset[str]], None]] = []
        store.on_emit(self._wake.set)

    def on_pulled(self, listener: Callable[[frozenset[str]], None]) -> None:
        """Call ``listener(kinds)`` on the worker thread after a pulled page is committed, with
        the kinds of the changes it applied (the search index rebuilds on directory kinds)."""
        self._pulled_listeners.append(listener)

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
        return self.store.outbox_rows(after, self.batch_size)

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
            return len(batch), self._acknowledge(batch, self.head_office.push(encode_push(batch)))
        pushed = rejected = 0
        window: deque[tuple[list[sqlite3.Row], Future[PushOut]]] = deque()
        with ThreadPoolExecutor(self.max_in_flight, thread_name_prefix="sync-push") as pool:

            def top_up(batch: list[sqlite3.Row]) -> list[sqlite3.Row]:
                while batch and len(window) < self.max_in_flight:
                    window.append((batch, pool.submit(self.head_office.push, encode_push(batch))))
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
        kinds = {row["uuid"]: row["kind"] for row in batch} if answer.rejected else {}
        with self.store.transaction() as tx:
            attention.note_rejected(
                self.store, tx, answer.rejected, kinds, site_id=self.site_id, kiosk_id=self.kiosk_id
            )
            self.store.advance(CONSUMER, batch[-1]["seq"], tx)
            self._observe(answer.hlc, tx)
        return len(answer.rejected)

    def _pull_page(self) -> tuple[int, bool]:
        cursor = int(self.store.get_value(CURSOR_KEY, "0") or 0)
        page = self.head_office.pull(cursor, min(self.batch_size, MAX_PULL_CHANGES))
        if page.cursor == cursor and not page.changes:
            return 0, False
        applied: set[str] = set()
        with self.store.transaction() as tx:
            for change in page.changes:
                try:
                    if apply.apply_change(self.records, tx, change):
                        applied.add(change.kind)
                except attention.ENVIRONMENT:
                    raise  # the kiosk's disk, not the change: the page is retried
                except Exception as e:  # its savepoint is undone; keep it aside, flow on
                    if not tx.conn.in_transaction:
                        raise
                    attention.quarantine_change(
                        self.store, tx, change, e, site_id=self.site_id, kiosk_id=self.kiosk_id
                    )
                self.store.hlc.observe(change.hlc)
            self.store.set_value(CURSOR_KEY, str(page.cursor), tx)
            self._observe("", tx)
        if applied:
            kinds = frozenset(applied)
            for listener in list(self._pulled_listeners):
                try:
                    listener(kinds)
                except Exception:  # the changes are committed; a listener must not redo them
                    log.exception("a pull listener failed")
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
            rejected, last_rejected, quarantined = attention.counts(self.store)
        except KioskError:
            pending, rejected, last_rejected, quarantined = -1, 0, "", 0
        with self._lock:
            return SyncStatus(
                online=self._online,
                offline_since=self._offline_since,
                pending=pending,
                last_success=self._last_success,
                last_error=self._last_error,
                rejected=rejected,
                last_rejected=last_rejected,
                quarantined=quarantined,
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
        """Stop the thread and release the head-office client's connections."""
        self.stop()
        self.head_office.close()

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
        "rejected": status.rejected,
        "last_rejected": status.last_rejected,
        "quarantined": status.quarantined,
    }
