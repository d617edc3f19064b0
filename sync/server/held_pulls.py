"""Held pulls: a pull that finds nothing new may wait (``wait`` seconds) for its site's mark to
move, so a change (a host's reply, an emergency) reaches a waiting client within a second
without it asking every second.

A held pull is a coroutine, not a thread or a database connection. One watcher per server
process reads the marks of every site with a held pull in one query each ``INTERVAL`` and wakes
the pulls whose site moved past what they have; it stops when nothing is held. Changes made by
any process (or none: a CLI) are seen, since the watcher reads the database.

The pulls one look wakes (every held kiosk of each site that moved) are answered together:
``answer`` (``api/held_answers.py``) reads their pages in one read made after the wake, on one
worker thread, instead of each pull reading the same changes on its own; a pull it leaves
unanswered (None), or one whose time ran out, reads on its own as before.

Must never: hold a database connection while waiting, or answer a held pull from anything but
a read made after its wake.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ..protocol import MAX_PULL_CHANGES, MAX_PULL_WAIT
from .db import one_of
from .models import Site

log = logging.getLogger(__name__)
#: seconds between two reads of the held sites' marks
INTERVAL = 0.5
#: the longest a pull may be held
MAX_WAIT = MAX_PULL_WAIT
#: the longest a woken pull waits for the shared read of its answer (a few milliseconds when
#: the process keeps up) before it reads on its own: a shared read stuck behind a busy database
#: or a full thread pool must not hold every woken kiosk of a site for the rest of its ``wait``
ANSWER_WAIT = 2.0


@dataclass(frozen=True, slots=True)
class Ask:
    """What one held pull asks for: the changes of ``site_id`` after ``after``, for the kiosk
    holding the token whose digest is ``token_hash`` (``limit``, ``own``: as the pull's)."""

    site_id: str
    after: int
    token_hash: str = ""
    limit: int = MAX_PULL_CHANGES
    own: bool = False


#: the woken pulls' answers: (engine, their asks) → each one's page JSON, or None
Answer = Callable[[Engine, Sequence[Ask]], list[bytes | None]]


@dataclass(eq=False, slots=True)
class _Held:
    ask: Ask
    answer: asyncio.Future[bytes | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    #: set when the watcher wakes the pull (its answer is then being read)
    woke: asyncio.Event = field(default_factory=asyncio.Event)


class HeldPulls:
    def __init__(self, engine: Engine, answer: Answer | None = None) -> None:
        self._engine = engine
        self._answer = answer
        self._held: dict[str, list[_Held]] = {}
        self._watcher: asyncio.Task[None] | None = None
        self._answering: set[asyncio.Task[None]] = set()

    async def wait(self, ask: Ask, seconds: float) -> bytes | None:
        """Return once the site's mark is past ``ask.after``, or after ``seconds``: the pull's
        answer when the woken pulls' shared read gave one within ``ANSWER_WAIT`` of the wake,
        else None (the pull reads itself)."""
        site_id = ask.site_id
        entry = _Held(ask)
        self._held.setdefault(site_id, []).append(entry)
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.create_task(self._watch())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        try:
            await asyncio.wait_for(entry.woke.wait(), seconds)
            left = min(ANSWER_WAIT, deadline - loop.time())
            return await asyncio.wait_for(asyncio.shield(entry.answer), max(0.0, left))
        except TimeoutError:
            return None
        finally:
            waiting = self._held.get(site_id, [])
            if entry in waiting:
                waiting.remove(entry)
            if not waiting:
                self._held.pop(site_id, None)

    async def _watch(self) -> None:
        while self._held:
            await asyncio.sleep(INTERVAL)
            sites = sorted(self._held)
            if not sites:
                break
            try:
                marks = await run_in_threadpool(self._marks, sites)
            except Exception:  # a busy database: the held pulls time out and are asked again
                log.warning("could not read the held sites' marks", exc_info=True)
                continue
            woken = [
                entry
                for site, mark in marks.items()
                for entry in self._held.get(site, [])
                if mark > entry.ask.after and not entry.woke.is_set()
            ]
            for entry in woken:
                entry.woke.set()
            if woken and self._answer is None:
                for entry in woken:
                    entry.answer.set_result(None)
            elif woken:  # answered together, while the watcher goes on looking
                task = asyncio.create_task(self._answer_together(woken))
                self._answering.add(task)
                task.add_done_callback(self._answering.discard)

    async def _answer_together(self, woken: list[_Held]) -> None:
        assert self._answer is not None
        try:
            pages = await run_in_threadpool(self._answer, self._engine, [e.ask for e in woken])
        except Exception:  # each woken pull then reads on its own
            log.warning("could not read the woken pulls' answers", exc_info=True)
            pages = [None] * len(woken)
        for entry, page in zip(woken, pages, strict=True):
            if not entry.answer.done():
                entry.answer.set_result(page)

    def _marks(self, sites: list[str]) -> dict[str, int]:
        with Session(self._engine) as session, session.begin():
            rows = session.execute(
                select(Site.id, Site.change_seq).where(one_of(session, Site.id, sites))
            )
            return {r.id: int(r.change_seq or 0) for r in rows}
