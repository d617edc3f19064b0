"""The head-office web dashboard (issue 19): server-rendered pages under ``/dashboard``.

``install(app)`` is all the app factory calls: it adds the pages, the static files, the
security headers of every dashboard answer and the answers for "sign in first" and "not
allowed". Accounts and sessions are ``accounts.py``; what pages share is ``web.py``; each page
module holds one area (``pages_auth``, ``pages_sites``, ``pages_records``, ``pages_directory``,
``live`` for the on-site board's updates, ``pages_tickets``, ``pages_staff``,
``pages_privacy``). Later areas add their own modules and one ``include_router`` line here.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from . import (
    live,
    pages_auth,
    pages_buildings,
    pages_directory,
    pages_emergency,
    pages_incidents,
    pages_invitation_change,
    pages_invitations,
    pages_privacy,
    pages_records,
    pages_reports,
    pages_sites,
    pages_staff,
    pages_tickets,
    pages_users,
    pages_watchlist,
)
from .web import HEADERS, HERE, HSTS, PREFIX, PageDenied, PageMissing, SignInNeeded, render

__all__ = ["install"]


def install(app: FastAPI) -> None:
    for module in (
        pages_auth,
        pages_sites,
        pages_records,
        pages_directory,
        pages_invitations,
        pages_invitation_change,
        pages_reports,
        pages_users,
        pages_watchlist,
        pages_buildings,
        pages_tickets,
        pages_staff,
        pages_privacy,
        pages_incidents,
        pages_emergency,
        live,
    ):
        app.include_router(module.router, prefix=PREFIX)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="dashboard-static")
    app.add_middleware(DashboardHeaders)

    @app.exception_handler(SignInNeeded)
    def _sign_in(request: Request, _: SignInNeeded) -> Response:
        if request.headers.get("accept", "").startswith("text/event-stream"):
            return Response(status_code=401)
        return RedirectResponse(f"{PREFIX}/login", status_code=303)

    @app.exception_handler(PageMissing)
    def _missing(request: Request, exc: PageMissing) -> HTMLResponse:
        return render(request, "missing.html", viewer=exc.viewer, status_code=404)

    @app.exception_handler(PageDenied)
    def _denied(request: Request, exc: PageDenied) -> HTMLResponse:
        return render(request, "denied.html", viewer=exc.viewer, status_code=403)


class DashboardHeaders:
    """ASGI middleware: the security headers on every answer under ``/dashboard`` (pages,
    fragments, the event stream and the static files alike)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        tls = scope.get("scheme") == "https"

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {k.lower() for k, _ in headers}
                for name, value in HEADERS.items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                if tls:
                    headers.append((b"strict-transport-security", HSTS.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
