"""Held pulls: a pull that finds nothing new may wait (``wait`` seconds) for its site's mark to
move, so a change (a host's reply, an emergency) reaches a waiting client within a second
without it asking every second.

A held pull is a coroutine, not a thread or a database connection. One watcher per server
process reads the marks of every site with a held pull in one query each ``INTERVAL`` and wakes
the pulls whose site moved past what they have; it stops when nothing is held. Changes made by
any process (or none: a CLI) are seen, since the watcher reads the database.

Must never: hold a database connection while waiting, or answer a held pull from anything but
a fresh read.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ..protocol import MAX_PULL_WAIT
from .db import one_of
from .models import Site

log = logging.getLogger(__name__)
#: seconds between two reads of the held sites' marks
INTERVAL = 0.5
#: the longest a pull may be held
MAX_WAIT = MAX_PULL_WAIT


class HeldPulls:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._held: dict[str, list[tuple[int, asyncio.Future[None]]]] = {}
        self._watcher: asyncio.Task[None] | None = None

    async def wait(self, site_id: str, after: int, seconds: float) -> None:
        """Return once ``site_id``'s mark is past ``after``, or after ``seconds``."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (after, future)
        self._held.setdefault(site_id, []).append(entry)
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.create_task(self._watch())
        try:
            await asyncio.wait_for(asyncio.shield(future), seconds)
        except TimeoutError:
            pass
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
            for site, mark in marks.items():
                for after, future in self._held.get(site, []):
                    if mark > after and not future.done():
                        future.set_result(None)

    def _marks(self, sites: list[str]) -> dict[str, int]:
        with Session(self._engine) as session, session.begin():
            rows = session.execute(
                select(Site.id, Site.change_seq).where(one_of(session, Site.id, sites))
            )
            return {r.id: int(r.change_seq or 0) for r in rows}
