"""Outbox consumers: read events after a stored position, hand each one over, move on.

A consumer has a ``name`` (its position in ``outbox_positions``), the ``kinds`` it reads
and ``handle(tx, event, record=...)``. The runner reads the outbox after the position,
parses each record through ``kiosk.core.events.parse_event`` and calls ``handle`` in the
transaction that moves the position past it, so an event is taken in exactly once.

A poison event (its payload does not parse, or ``handle`` fails on it with anything but a
storage error) is quarantined in that same transaction: its part is rolled back to a
savepoint, a ``outbox_quarantine`` row and an ``outbox.quarantined`` alert are written, it
is logged and skipped. It never blocks the queue. A storage error (``KioskError`` other than
``ValidationError``) is not the event's fault: the whole batch rolls back and is retried.

Must never: read a payload as a bare dict, or move a position outside the consumer's
transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from kiosk.core.alerts import raise_alert
from kiosk.core.config.errors import KioskError, ValidationError
from kiosk.core.events import Event, parse_event
from kiosk.core.models import OutboxEvent
from kiosk.core.store.database import Store, Transaction
from kiosk.core.store.quarantine import quarantine

log = logging.getLogger(__name__)

ALERT_KIND = "outbox.quarantined"
ALERT_KEY = "alert.outbox_quarantined"


class OutboxConsumer(Protocol):
    #: the consumer's position key (``printer``, ``notifier`` …)
    name: str
    #: the event kinds it reads; empty: every kind
    kinds: tuple[str, ...]

    def handle(self, tx: Transaction, event: Event, *, record: OutboxEvent) -> None:
        """Take in one event, writing only in ``tx`` (the position moves in it too)."""
        ...


def quarantine_event(
    tx: Transaction,
    *,
    consumer: str,
    record: OutboxEvent,
    reason: str,
    site_id: str,
    kiosk_id: str,
) -> None:
    """Set ``record`` aside for ``consumer``: a quarantine row, a log line and an alert (not for
    a quarantined alert itself), in ``tx`` (the transaction that moves the consumer past it)."""
    log.error(
        "%s quarantines event %s (#%d, %s): %s",
        consumer,
        record.uuid,
        record.seq,
        record.kind,
        reason,
    )
    quarantine(
        tx, consumer=consumer, seq=record.seq, uuid=record.uuid, kind=record.kind, reason=reason
    )
    if record.kind == "alert.raised":
        return  # an alert about an alert head office refused would be refused in turn, for ever
    raise_alert(
        tx,
        ALERT_KIND,
        severity="warning",
        message_key=ALERT_KEY,
        details={
            "consumer": consumer,
            "seq": str(record.seq),
            "kind": record.kind[:500],
            "event_uuid": record.uuid,
            "reason": reason[:500],
        },
        site_id=site_id,
        kiosk_id=kiosk_id,
    )


class OutboxRunner:
    """Runs one consumer over the outbox; ``run_once()`` from the consumer's worker round."""

    def __init__(
        self,
        store: Store,
        consumer: OutboxConsumer,
        *,
        site_id: str,
        kiosk_id: str = "",
        batch: int = 100,
        per_transaction: int = 100,
    ) -> None:
        self.store = store
        self.consumer = consumer
        self.site_id = site_id
        self.kiosk_id = kiosk_id
        self.batch = batch
        #: events taken in per transaction: fewer keeps the write lock short when ``handle``
        #: does much, more spares a commit (an fsync) per event
        self.per_transaction = max(1, per_transaction)

    @property
    def kinds(self) -> tuple[str, ...] | None:
        return tuple(self.consumer.kinds) or None

    def pending(self) -> int:
        return self.store.pending(self.consumer.name, self.kinds)

    def run_once(self) -> list[OutboxEvent]:
        """Take in the next batch; returns the records handled or quarantined (oldest first)."""
        records = self.store.outbox_after(self.consumer.name, limit=self.batch, kinds=self.kinds)
        for start in range(0, len(records), self.per_transaction):
            self._take(records[start : start + self.per_transaction])
        return records

    def _take(self, records: Sequence[OutboxEvent]) -> None:
        with self.store.transaction() as tx:
            for record in records:
                tx.execute("SAVEPOINT consume")
                try:
                    event = parse_event(record.kind, record.payload)
                    self.consumer.handle(tx, event, record=record)
                except ValidationError as e:
                    self._poison(tx, record, str(e))
                except KioskError:
                    raise  # the store, not the event: the batch is tried again later
                except Exception as e:  # a bug on this one event must not stop every later one
                    log.exception("%s failed on event %s", self.consumer.name, record.uuid)
                    self._poison(tx, record, f"{type(e).__name__}: {e}")
                tx.execute("RELEASE consume")
            self.store.advance(self.consumer.name, records[-1].seq, tx)

    def _poison(self, tx: Transaction, record: OutboxEvent, reason: str) -> None:
        tx.execute("ROLLBACK TO consume")
        quarantine_event(
            tx,
            consumer=self.consumer.name,
            record=record,
            reason=reason,
            site_id=self.site_id,
            kiosk_id=self.kiosk_id,
        )
