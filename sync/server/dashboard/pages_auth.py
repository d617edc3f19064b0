"""Signing in and out: ``/dashboard/login`` (name, password, TOTP code when set up) and
``/dashboard/logout``.

The login form's CSRF token is a random cookie of its own (``kd_login``) that the form must
repeat, since there is no session yet; the session cookie is new at every login (no fixation).
Every login, failed login and logout is in head office's audit chain.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from .. import attempts
from ..api.deps import SessionDep
from . import accounts, audit
from .web import (
    PRE_LOGIN_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    PostingViewer,
    now,
    optional_viewer,
    render,
    set_cookie,
)

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=200)]


@router.get("/login")
def login_page(request: Request, session: SessionDep) -> Response:
    if optional_viewer(request, session) is not None:
        return RedirectResponse(f"{PREFIX}/", status_code=303)
    return _login_form(request)


def _login_form(request: Request, *, error: str = "", status_code: int = 200) -> Response:
    token = request.cookies.get(PRE_LOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request, "login.html", viewer=None, csrf=token, error=error, status_code=status_code
    )
    set_cookie(request, response, PRE_LOGIN_COOKIE, token, max_age=3600)
    return response


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    name: Field,
    password: Annotated[str, Form(max_length=1000)],
    code: Annotated[str, Form(max_length=12)] = "",
    csrf: Field = "",
) -> Response:
    if not accounts.same_token(csrf, request.cookies.get(PRE_LOGIN_COOKIE, "")):
        return _login_form(request, error="dashboard.login.stale", status_code=403)
    address = attempts.address(request)
    try:
        accounts.check_not_locked(address, name)
    except HTTPException:
        return _login_form(request, error="dashboard.login.locked", status_code=429)
    at = now()
    with session.begin():
        try:
            user = accounts.check_login(session, name=name, password=password, code=code)
        except accounts.LoginRefused:
            user = None
            audit.record(
                session, actor="anonymous", role="", action="dashboard.login_failed", now=at
            )
        if user is not None:
            cookie = accounts.open_session(session, user, at)
            audit.record(
                session, actor=f"hq-{user.id}", role=user.role, action="dashboard.login", now=at
            )
    if user is None:
        accounts.count_failure(address, name)
        return _login_form(request, error="dashboard.login.refused", status_code=401)
    response = RedirectResponse(f"{PREFIX}/", status_code=303)
    set_cookie(request, response, SESSION_COOKIE, cookie, max_age=accounts.SESSION_HOURS * 3600)
    response.delete_cookie(PRE_LOGIN_COOKIE, path=PREFIX)
    return response


@router.post("/logout")
def logout(request: Request, viewer: PostingViewer, session: SessionDep) -> Response:
    with session.begin():
        accounts.close_session(session, viewer.session_id)
        audit.by(session, viewer, "dashboard.logout")
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response
