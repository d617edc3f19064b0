"""The sync worker's held pull (``sync/held_pull.py``) against the in-process transport: its
answer is the next round's first page (no second request), an answer for an old cursor is
dropped, and a head office that answers at once with nothing is not asked again each round."""

from __future__ import annotations

import random
import time

import pytest

from kiosk.core.config.clock import FakeClock
from kiosk.core.models import Site
from kiosk.core.store.database import Store
from kiosk.core.store.records import Records
from sync.fake import FakeHeadOffice
from sync.protocol import ChangeOut, PullOut
from sync.worker import CURSOR_KEY, SyncClient

DEPARTMENT = {"id": "d1", "site_id": "s1", "name_zh": "研发", "name_en": "R&D"}


class Counting(FakeHeadOffice):
    def __init__(self) -> None:
        super().__init__()
        self.pulls: list[tuple[int, float]] = []

    def pull(self, after: int, limit: int, *, wait: float = 0.0) -> PullOut:
        self.pulls.append((after, wait))
        return super().pull(after, limit, wait=wait)


@pytest.fixture
def kiosk(tmp_path):
    clock = FakeClock()
    store = Store(tmp_path / "k.sqlite3", clock=clock)
    records = Records(store)
    with store.transaction() as tx:
        records.upsert_site(tx, Site("s1", "一号", "One"))
    transport = Counting()
    client = SyncClient(
        store=store,
        records=records,
        head_office=transport,
        clock=clock,
        site_id="s1",
        kiosk_id="k1",
        rng=random.Random(1),
        hold=15.0,
    )
    yield client, transport, records, store
    client.close()
    store.close()


def _answered(client: SyncClient) -> None:
    deadline = time.monotonic() + 5
    while client.held.in_flight and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not client.held.in_flight


def test_the_held_answer_is_the_next_rounds_first_page(kiosk) -> None:
    client, transport, records, _store = kiosk
    client.run_once()  # nothing yet; then a pull is held at cursor 0
    _answered(client)
    assert transport.pulls == [(0, 0.0), (0, 15.0)]
    transport.feed.append(
        ChangeOut(cursor=1, kind="department.upserted", entity_id="d1", hlc="", payload=DEPARTMENT)
    )
    client.run_once()  # the held answer (nothing) is this round's page; it came at once:
    assert len(transport.pulls) == 2 and not client.held.in_flight  # not held again now
    client.run_once()  # the round after pulls plainly, then holds again
    assert records.department("d1") is not None
    _answered(client)
    assert transport.pulls[2:] == [(0, 0.0), (1, 15.0)]
    transport.feed.append(
        ChangeOut(
            cursor=2,
            kind="department.upserted",
            entity_id="d1",
            hlc="",
            payload={**DEPARTMENT, "name_en": "Research"},
        )
    )
    # a held answer with a change: applied by the next round without asking again
    client.held.start(transport, 1, 500)
    _answered(client)
    asked = len(transport.pulls)
    assert client.run_once() is False
    assert records.department("d1").name_en == "Research"
    assert len(transport.pulls) == asked + 1  # only the next held pull, no plain pull
    assert transport.pulls[-1] == (2, 15.0)


def test_an_answer_for_an_older_cursor_is_dropped(kiosk) -> None:
    client, transport, _records, store = kiosk
    transport.feed.append(
        ChangeOut(cursor=1, kind="department.upserted", entity_id="d1", hlc="", payload=DEPARTMENT)
    )
    client.held.start(transport, 0, 500)
    _answered(client)
    with store.transaction() as tx:  # the worker pulled past it meanwhile
        store.set_value(CURSOR_KEY, "1", tx)
    assert client.held.take(1) is None
