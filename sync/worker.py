"""The kiosk's sync worker: push the outbox to head office, pull the site's changes.

Runs on the worker base (``kiosk.core.workers``), one thread that never touches widgets: the
UI asks ``status()`` for a frozen ``SyncStatus`` and schedules its own redraw. A check-in never
waits on the network: the worker reads only what is already committed. It reaches head
office through the one head-office client (``sync/client.py``).

Push: events after the "sync" consumer position, in batches, gzip-compressed; the position
moves past a batch in one transaction once the server has answered for every event in it
(stored, already had, or rejected: a rejected event can never succeed, so it is quarantined,
with an alert, in that same transaction and passed). Pull: changes after the stored cursor,
applied through ``sync.apply`` with the new cursor in the same transaction.

Failures back off by the worker's ``RetryPolicy`` (1 s doubling to 5 min, half jitter) on the
injected clock; a commit that emits events wakes an idle worker at once.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from kiosk.core.config.clock import Clock, parse_iso
from kiosk.core.config.errors import KioskError, TransportError
from kiosk.core.config.settings import HeadOfficeSettings, Settings
from kiosk.core.head_office import staleness
from kiosk.core.head_office.health import KioskHealth
from kiosk.core.models import OutboxEvent
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from kiosk.core.workers.outbox import quarantine_event
from kiosk.core.workers.retry import RetryPolicy
from kiosk.core.workers.worker import Worker

from . import attention
from .apply_directory import finish_resync
from .apply_page import apply_page
from .client import SyncHeadOffice, encode_push
from .held_pull import HeldPull
from .protocol import MAX_PULL_CHANGES, PullOut, PushOut
from .status import RoundResult, SyncStatus

log = logging.getLogger(__name__)

CONSUMER = "sync"
CURSOR_KEY = "sync.cursor"
HLC_KEY = "hlc.observed"


class SyncClient(Worker):
    """Push/pull rounds, on demand (``sync_once``) or on the worker thread (``start``)."""

    def __init__(
        self,
        *,
        store: Store,
        records: Records,
        head_office: SyncHeadOffice,
        clock: Clock,
        batch_size: int = 500,
        pull_page: int = MAX_PULL_CHANGES,
        interval: float = 15.0,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
        max_in_flight: int = 1,
        rng: random.Random | None = None,
        site_id: str | None = None,
        kiosk_id: str = "",
        offline_alert_after: float = 0.0,
        timezone: str = "",
        freshness: HeadOfficeSettings | None = None,
        health: KioskHealth | None = None,
        hold: float = 0.0,
    ) -> None:
        #: what the kiosk reports about itself after a good round (None: nothing)
        self.health = health
        #: the site's zone, for the times an alert names
        self.timezone = timezone
        #: seconds of failed rounds in a row before the desk gets an alert (0: never)
        self.offline_alert_after = offline_alert_after
        self._offline_alerted = False
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        #: the back-off after failed rounds (the worker base waits it out on the clock)
        self.retry = RetryPolicy(
            base=backoff_base, cap=backoff_cap, jitter=0.5, rng=rng or random.Random()
        )
        super().__init__(name="sync-worker", clock=clock, errors=self.retry)
        self.store = store
        self.records = records
        self.head_office = head_office
        self._pulled_listeners: list[Callable[[frozenset[str]], None]] = []
        self.catching_up = False
        #: events per push request
        self.batch_size = batch_size
        #: changes asked for per pull request: head office's most by default (a catch-up is
        #: bound by requests and page transactions, not by a page's size)
        self.pull_page = max(1, min(pull_page, MAX_PULL_CHANGES))
        self.interval = interval
        #: push requests at head office at once while a backlog drains; 1 suits a SQLite head
        #: office (one writer at a time), 2 or more a PostgreSQL one with several processes
        self.max_in_flight = max(1, max_in_flight)
        #: where a quarantined event's alert belongs
        self.site_id = site_id or Settings().site.id
        self.kiosk_id = kiosk_id
        #: the watchlist's age limits (``kiosk.core.head_office.staleness``)
        self.freshness = freshness or HeadOfficeSettings()
        self._lock = threading.Lock()
        self._online = False
        self._offline_since: datetime | None = None
        self._last_success: datetime | None = None
        self._last_error = ""
        self._last_result: RoundResult | None = None
        #: the idle round's pull, held by head office up to ``hold`` seconds (``held_pull.py``:
        #: a change arrives within a second; 0: a plain pull every ``interval``)
        self.held = HeldPull(clock, hold, self.wake)
        store.on_emit(self.wake)

    # -- one round -------------------------------------------------------------------------
    def sync_once(self) -> RoundResult:
        """Push everything pending, then pull until the feed is drained."""
        pushed, rejected = self._push_all()
        pulled = 0
        held = self.held.take(int(self.store.get_value(CURSOR_KEY, "0") or 0))
        coming: Future[PullOut] | None = None
        # while a page is applied, the next is fetched (a catch-up's two sides work at once)
        with ThreadPoolExecutor(1, thread_name_prefix="sync-pull") as ahead:
            while True:
                count, coming = self._pull_page(held, coming, ahead)
                held = None
                pulled += count
                if coming is None:
                    break
        return RoundResult(pushed, rejected, pulled)

    def _note_pulled(self, tx) -> None:
        """The feed is drained: the watchlist is as of now (``staleness``)."""
        staleness.record_pull(self.store, tx, self.clock.now())

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
        """Move the position past an answered batch, quarantining what head office rejected
        (one transaction); returns rejections."""
        answered = set(answer.stored) | set(answer.duplicate) | {r.uuid for r in answer.rejected}
        missing = [row["uuid"] for row in batch if row["uuid"] not in answered]
        if missing:
            raise TransportError(f"head office did not answer for {len(missing)} events")
        reasons = {r.uuid: r.reason for r in answer.rejected}
        kinds = {row["uuid"]: row["kind"] for row in batch} if answer.rejected else {}
        with self.store.transaction() as tx:
            attention.note_rejected(
                self.store,
                tx,
                answer.rejected,
                kinds,
                site_id=self.site_id,
                kiosk_id=self.kiosk_id,
                alert=False,
            )
            for row in batch:
                if row["uuid"] in reasons:
                    quarantine_event(
                        tx,
                        consumer=CONSUMER,
                        record=_record(row),
                        reason=f"head office rejected it: {reasons[row['uuid']]}",
                        site_id=self.site_id,
                        kiosk_id=self.kiosk_id,
                    )
            self.store.advance(CONSUMER, batch[-1]["seq"], tx)
            self._observe(answer.hlc, tx)
        return len(answer.rejected)

    def _pull_page(
        self, held: PullOut | None, coming: Future[PullOut] | None, ahead: ThreadPoolExecutor
    ) -> tuple[int, Future[PullOut] | None]:
        """One page: pulled now, given (the held pull's answer, for the stored cursor) or
        ``coming`` (asked for with the cursor the last page stored); and the next page, asked
        for on ``ahead`` before this one is applied (None: the feed is drained)."""
        cursor = int(self.store.get_value(CURSOR_KEY, "0") or 0)
        limit = self.pull_page
        page = held or (coming.result() if coming else self.head_office.pull(cursor, limit))
        if page.cursor == cursor and not page.changes:
            with self.store.transaction() as tx:
                self._note_pulled(tx)
            self._notify(set(), False)
            return 0, None
        # asked for with the cursor this page stores; if applying fails, it is dropped
        coming = ahead.submit(self.head_office.pull, page.cursor, limit) if page.more else None
        with self.store.transaction() as tx:
            applied = apply_page(
                self.records, tx, page.changes, site_id=self.site_id, kiosk_id=self.kiosk_id
            )
            self.store.set_value(CURSOR_KEY, str(page.cursor), tx)
            self._observe("", tx)
            if not page.more:
                self._note_pulled(tx)
                finish_resync(self.records, tx)
        self._notify(applied, page.more)
        return len(page.changes), coming

    def _notify(self, applied: set[str], more: bool) -> None:
        """Tell the listeners what a committed page applied; after the last page of several,
        even when it applied nothing (a listener may have waited for it: ``catching_up``)."""
        ended = self.catching_up and not more
        #: more pages follow the last one (a listener may wait for the end: the search index)
        self.catching_up = more
        if applied or ended:
            kinds = frozenset(applied)
            for listener in list(self._pulled_listeners):
                try:
                    listener(kinds)
                except Exception:  # the changes are committed; a listener must not redo them
                    log.exception("a pull listener failed")

    def on_pulled(self, listener: Callable[[frozenset[str]], None]) -> None:
        """Call ``listener(kinds)`` on the worker thread after a pulled page is committed, with
        the kinds of the changes it applied (the host search rebuilds on directory changes)."""
        self._pulled_listeners.append(listener)

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
            last_pull = staleness.last_pull(self.store)
        except KioskError:
            pending, rejected, last_rejected, quarantined = -1, 0, "", 0
            last_pull = None
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
                last_pull=last_pull,
            )

    def _record(self, error: Exception | None) -> None:
        with self._lock:
            now = self.clock.now()
            if error is None:
                self._online = True
                self._offline_since = None
                self._last_success = now
                self._last_error = ""
            else:
                if self._online or self._offline_since is None:
                    self._offline_since = now
                self._online = False
                self._last_error = str(error)

    # -- the worker ------------------------------------------------------------------------
    def run_once(self) -> bool:
        """One round, its outcome recorded for ``status()``; raises what failed it (the worker
        base counts the failure and backs off)."""
        try:
            result = self.sync_once()
        except Exception as e:
            self._record(e)
            self._alert_if_offline_long()
            self._check_staleness()
            raise
        self._record(None)
        self._offline_alerted = False
        self._last_result = result
        if self.health is not None:
            self.health.report_if_due(self.head_office, self.store.pending(CONSUMER))
        cursor = int(self.store.get_value(CURSOR_KEY, "0") or 0)
        self.held.start(self.head_office, cursor, self.pull_page)
        return False

    def _alert_if_offline_long(self) -> None:
        with self._lock:
            since = self._offline_since
        if not self.offline_alert_after or since is None or self._offline_alerted:
            return
        if (self.clock.now() - since).total_seconds() < self.offline_alert_after:
            return
        try:
            attention.offline_too_long(
                self.store,
                since=since,
                site_id=self.site_id,
                kiosk_id=self.kiosk_id,
                timezone=self.timezone,
            )
            self._offline_alerted = True
        except Exception:  # never in place of the round's own error: say so, try again later
            log.exception("could not raise the head-office-unreachable alert")

    def _check_staleness(self) -> None:
        """After a failed round: one alert per stale period for the desk."""
        try:
            staleness.alert_if_stale(
                self.store,
                self.clock.now(),
                self.freshness,
                site_id=self.site_id,
                kiosk_id=self.kiosk_id,
                timezone=self.timezone,
            )
        except Exception:  # never in place of the round's own error, which is already counted
            log.exception("could not raise the stale-watchlist alert")

    def run_round(self) -> RoundResult | None:
        """One round with failures recorded and logged (None when it failed)."""
        self._last_result = None
        self.round()
        return self._last_result

    def due_in(self) -> float | None:
        if self.held.in_flight:
            return self.held.seconds + self.interval  # its answer wakes the worker before that
        return self.interval

    def next_delay(self) -> float:
        """Seconds the worker waits before its next round."""
        if self.failures == 0:
            return self.interval
        return self.retry.delay(self.failures)

    def close(self) -> None:
        """Stop the thread and release the transport's connections."""
        self.stop()
        close = getattr(self.head_office, "close", None)
        if close is not None:
            close()


def _record(row: sqlite3.Row) -> OutboxEvent:
    return OutboxEvent(
        seq=row["seq"],
        uuid=row["uuid"],
        kind=row["kind"],
        entity_id=row["entity_id"],
        occurred_at=parse_iso(row["occurred_at"]),
        hlc=row["hlc"],
    )
