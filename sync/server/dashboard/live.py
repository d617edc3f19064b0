"""The on-site board: everyone checked in now, at one site or every site the viewer sees,
kept up to date without a reload.

``/onsite`` renders the page; ``/onsite/rows`` is its table body alone; ``/onsite/events`` is a
server-sent event stream that says ``changed`` whenever the sites' arrivals or departures move
(it looks every ``POLL_SECONDS`` at one indexed aggregate: the server holds no state, so any
server process can serve any stream). ``static/dashboard.js`` fetches the rows on each
``changed``, and where EventSource is missing or its stream fails it fetches them every
``FALLBACK_SECONDS`` instead. A stream ends after ``STREAM_SECONDS`` and the browser reconnects,
so a session that expired or was closed stops receiving within that time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from ..api.deps import SessionDep
from . import audit, queries
from .accounts import Viewer
from .pages_sites import visible_sites
from .web import CurrentViewer, render, require

router = APIRouter(include_in_schema=False)
POLL_SECONDS = 1.0
FALLBACK_SECONDS = 5
STREAM_SECONDS = 300.0
Site = Annotated[str, Query(max_length=64)]


def _sites(session, viewer: Viewer, site: str) -> list[str]:
    if site:
        require(viewer, "personal", site)
        return [site]
    require(viewer, "personal")
    return visible_sites(session, viewer)


def _board(session, viewer: Viewer, site: str) -> dict:
    sites = _sites(session, viewer, site)
    return {
        "rows": queries.on_site(session, sites),
        "total": queries.on_site_count(session, sites),
        "limit": queries.ON_SITE_LIMIT,
        "site": site,
        "zones": queries.site_zones(session, sites),
    }


@router.get("/onsite")
def onsite_page(request: Request, viewer: CurrentViewer, session: SessionDep, site: Site = ""):
    with session.begin():
        board = _board(session, viewer, site)
        sites = visible_sites(session, viewer)
        audit.by(
            session,
            viewer,
            "dashboard.viewed",
            site_id=site,
            subject_kind="page",
            subject_id="onsite",
            fields="name,company,phone",
            details={"rows": str(len(board["rows"]))},
        )
    return render(
        request,
        "onsite.html",
        viewer=viewer,
        sites=sites,
        fallback_seconds=FALLBACK_SECONDS,
        **board,
    )


@router.get("/onsite/rows")
def onsite_rows(request: Request, viewer: CurrentViewer, session: SessionDep, site: Site = ""):
    """The board's table body (what the page's script swaps in)."""
    with session.begin():
        board = _board(session, viewer, site)
    return render(request, "onsite_rows.html", viewer=viewer, **board)


@router.get("/onsite/events")
async def onsite_events(request: Request, viewer: CurrentViewer, site: Site = ""):
    sessions = request.app.state.sessionmaker

    def signature() -> str:
        # a session per look: the stream outlives the request's own session
        with sessions() as session, session.begin():
            return queries.on_site_signature(session, _sites(session, viewer, site))

    return await changes_stream(request, signature)


async def changes_stream(request: Request, signature: Callable[[], str]) -> StreamingResponse:
    """A stream that says ``changed`` whenever ``signature()`` (run in the thread pool, a
    session per look) moves; also the roll call's (``pages_emergency``). Its first look runs
    before the stream starts, so a refusal there is an ordinary answer."""
    first = await run_in_threadpool(signature)  # a 403 here, before the stream starts

    async def stream() -> AsyncIterator[str]:
        last = first
        yield f"retry: {FALLBACK_SECONDS * 1000}\nevent: hello\ndata: {last}\n\n"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STREAM_SECONDS
        while loop.time() < deadline:
            await asyncio.sleep(POLL_SECONDS)
            if await request.is_disconnected():
                return
            current = await run_in_threadpool(signature)
            if current != last:
                last = current
                yield f"event: changed\ndata: {current}\n\n"
            else:
                yield ": still here\n\n"  # keeps proxies from closing an idle stream

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"X-Accel-Buffering": "no"},
    )
