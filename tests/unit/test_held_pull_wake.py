"""A woken held pull (``sync/server/held_pulls.py``) on a real head-office database: it gets the
page the site's shared read gives, and when that read is slow it reads on its own within
``ANSWER_WAIT`` of the wake instead of waiting out the rest of its ``wait``."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest
from sqlalchemy import Engine, update

from sync.server import held_pulls
from sync.server.held_pulls import Ask, HeldPulls
from sync.server.models import Site
from tests.support.harness import HeadOffice


@pytest.fixture
def head_office(tmp_path, monkeypatch):
    monkeypatch.setattr(held_pulls, "INTERVAL", 0.05)
    monkeypatch.setattr(held_pulls, "ANSWER_WAIT", 0.3)
    ho = HeadOffice(f"sqlite:///{tmp_path / 'head-office.sqlite3'}")
    ho.add_site("s1")
    yield ho
    ho.close()


def _hold_then_move(ho: HeadOffice, held: HeldPulls) -> bytes | None:
    async def run() -> bytes | None:
        pull = asyncio.create_task(held.wait(Ask("s1", 0), 20))
        await asyncio.sleep(0.2)  # held by now
        with ho.sessions() as s, s.begin():
            s.execute(update(Site).where(Site.id == "s1").values(change_seq=1))
        # within seconds of the wake, never the 20 s of the pull's ``wait``
        return await asyncio.wait_for(pull, 5)

    return asyncio.run(run())


def test_a_woken_pull_gets_the_shared_reads_page(head_office) -> None:
    def shared(engine: Engine, asks: Sequence[Ask]) -> list[bytes | None]:
        return [b"page"] * len(asks)

    assert _hold_then_move(head_office, HeldPulls(head_office.engine, answer=shared)) == b"page"


def test_a_slow_shared_read_leaves_the_woken_pull_to_its_own_read(head_office) -> None:
    release = threading.Event()

    def stuck(engine: Engine, asks: Sequence[Ask]) -> list[bytes | None]:
        release.wait(30)  # a read queued behind a busy database
        return [b"late"] * len(asks)

    try:
        assert _hold_then_move(head_office, HeldPulls(head_office.engine, answer=stuck)) is None
    finally:
        release.set()
