"""The head-office FastAPI application: ``create_app(database_url=…)``.

Holds no state beyond the database engine, so several processes behind one reverse proxy
behave as one. Errors become HTTP answers here, at the edge: domain errors from the routes
(not found 404, invalid 400, denied 403, conflict 409), and database errors: a busy or unreachable
database is 503 (kiosks retry), data the database refuses is 400, a uniqueness clash 409.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from kiosk.core.config.errors import DeniedError, KioskError, NotFoundError, ValidationError

from ..protocol import API_PREFIX, PROTOCOL_VERSION
from . import (
    board_routes,
    buildings,
    dashboard,
    host_marks,
    keys,
    limits,
    privacy_incidents,
    reception_routes,
    replies,
    route_page,
    ticket_links,
)
from .api import (
    admin_tokens,
    alert_routes,
    directory_routes,
    held_answers,
    incident_routes,
    invitation_routes,
    kiosk_routes,
    person_routes,
    site_documents_routes,
    sites_routes,
    visits_routes,
)
from .api.deps import SessionDep
from .db import default_database_url, make_engine, make_sessionmaker, reading
from .errors import ConflictError
from .held_pulls import HeldPulls
from .mail_worker import mailer_lifespan
from .quiet_kiosks import watch_lifespan
from .threads import threads_from_environment

log = logging.getLogger(__name__)


def _clean(value: Any) -> Any:
    """``value`` with every string made encodable (a lone surrogate becomes U+FFFD)."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value


@asynccontextmanager
async def _workers(app: FastAPI) -> AsyncIterator[None]:
    """The app's workers: the invitation mailer (when $KIOSK_SERVER_MAIL_URL is set,
    mail_worker.py) and the quiet-kiosk watch (quiet_kiosks.py); and the routes' worker threads
    bounded to ``app.state.threads`` (anyio's limiter belongs to the serving event loop)."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = app.state.threads
    async with mailer_lifespan(app), watch_lifespan(app):
        yield


def create_app(
    database_url: str | None = None, *, pool_size: int | None = None, threads: int | None = None
) -> FastAPI:
    """The app; ``threads`` (default ``$KIOSK_SERVER_THREADS`` or ``DEFAULT_THREADS``) worker
    threads, and a connection kept for each, and for the mailer and the quiet-kiosk watch."""
    url = database_url or default_database_url()
    threads = threads or threads_from_environment()
    engine = make_engine(url, pool_size=pool_size or threads + 2)
    app = FastAPI(
        title="Lobby kiosk head office",
        version=f"{PROTOCOL_VERSION}",
        description="Visitor records of every site; sync for the lobby kiosks.",
        lifespan=_workers,
    )
    app.add_middleware(limits.BodyLimit)
    app.state.engine = engine
    app.state.threads = threads
    app.state.sessionmaker = make_sessionmaker(engine)
    #: for routes that only read (``db.reading``)
    app.state.read_engine = reading(engine)
    #: a site's woken held pulls answered from one read (``api/held_answers.py``)
    app.state.held_pulls = HeldPulls(app.state.read_engine, answer=held_answers.answers)

    @app.get("/healthz", tags=["health"])
    def healthz(session: SessionDep) -> dict[str, str]:
        """Liveness and database reachability (for load balancers)."""
        session.execute(text("SELECT 1"))
        return {"status": "ok"}

    app.include_router(kiosk_routes.router, prefix=API_PREFIX)
    app.include_router(sites_routes.router, prefix=API_PREFIX)
    app.include_router(site_documents_routes.router, prefix=API_PREFIX)
    app.include_router(visits_routes.router, prefix=API_PREFIX)
    app.include_router(invitation_routes.router, prefix=API_PREFIX)
    app.include_router(directory_routes.router, prefix=API_PREFIX)
    app.include_router(alert_routes.router, prefix=API_PREFIX)
    app.include_router(incident_routes.router, prefix=API_PREFIX)
    app.include_router(admin_tokens.router, prefix=API_PREFIX)
    app.include_router(replies.router, prefix=API_PREFIX)
    app.include_router(ticket_links.router, prefix=API_PREFIX)
    app.include_router(host_marks.router, prefix=API_PREFIX)
    app.include_router(keys.router, prefix=API_PREFIX)
    app.include_router(reception_routes.router, prefix=API_PREFIX)
    app.include_router(board_routes.router, prefix=API_PREFIX)
    app.include_router(buildings.router, prefix=API_PREFIX)
    app.include_router(person_routes.router, prefix=API_PREFIX)
    app.include_router(privacy_incidents.router, prefix=API_PREFIX)
    # a page for people (the QR on the kiosk's directions screen), not an API route
    app.include_router(route_page.router)
    # the web dashboard for people at head office: /dashboard (issue 19)
    dashboard.install(app)

    def _detail(exc: KioskError) -> str:
        return exc.detail or exc.message_key

    @app.exception_handler(NotFoundError)
    def _not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": _detail(exc)}, status_code=404)

    @app.exception_handler(ValidationError)
    def _invalid(_: Request, exc: ValidationError) -> JSONResponse:
        return JSONResponse({"detail": _detail(exc)}, status_code=400)

    @app.exception_handler(DeniedError)
    def _denied(_: Request, exc: DeniedError) -> JSONResponse:
        return JSONResponse({"detail": _detail(exc)}, status_code=403)

    @app.exception_handler(ConflictError)
    def _conflict(_: Request, exc: ConflictError) -> JSONResponse:
        return JSONResponse({"detail": _detail(exc)}, status_code=409)

    @app.exception_handler(RequestValidationError)
    def _unprocessable(_: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own answer echoes each bad ``input``: the body back to its sender, bytes
        # that are not UTF-8 or a lone surrogate (both a 500 there); the place and reason do
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": _clean(errors)}, status_code=422)

    @app.exception_handler(UnicodeError)
    def _not_text(_: Request, exc: UnicodeError) -> JSONResponse:
        log.info("text that is not valid Unicode: %s", type(exc).__name__)
        return JSONResponse({"detail": "text must be valid Unicode"}, status_code=400)

    @app.exception_handler(OperationalError)
    def _db_unavailable(_: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", exc)
        return JSONResponse({"detail": "database busy or unavailable"}, status_code=503)

    @app.exception_handler(DataError)
    def _db_refused(_: Request, exc: DataError) -> JSONResponse:
        log.info("database refused data: %s", exc)
        return JSONResponse({"detail": "the database refused this data"}, status_code=400)

    @app.exception_handler(IntegrityError)
    def _db_conflict(_: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity conflict: %s", exc)
        return JSONResponse({"detail": "conflicts with existing data"}, status_code=409)

    return app
