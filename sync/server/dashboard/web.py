"""What every dashboard page shares: the templates, the language, who is signed in, the CSRF
check and the security headers.

Text comes from the kiosk's catalogues (``dashboard.po``, zh_CN and en) through ``t`` in the
templates; the language is the ``lang`` cookie, else the account's, else zh_CN. Every page sends
a CSP without inline scripts or styles (the one script and style sheet are files under
``static/``), ``frame-ancestors 'none'``, no referrer, no caching; behind TLS (the request's
scheme is https, from uvicorn's proxy headers) the cookies are Secure and HSTS is sent.

Must never: render a template without autoescaping, or act on a POST whose CSRF token does not
match the session's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from kiosk.core.config.i18n import LANGUAGES, LOCALE_DIR, translate

from ..api.deps import SessionDep
from ..models import Site
from .accounts import Viewer, same_token, session_viewer

HERE = Path(__file__).parent
PREFIX = "/dashboard"
SESSION_COOKIE = "kd_session"
LANG_COOKIE = "kd_lang"
PRE_LOGIN_COOKIE = "kd_login"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}
HSTS = "max-age=31536000; includeSubDomains"

ENV = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def local_time(value: datetime | None, zone: str | None = None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time as the site's clock shows it (UTC, marked, when the zone is unknown)."""
    if value is None:
        return ""
    if zone:
        try:
            return value.astimezone(ZoneInfo(zone)).strftime(fmt)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return value.astimezone(UTC).strftime(fmt) + " UTC"


ENV.filters["local"] = local_time


def behind_tls(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str, **kw: Any) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=behind_tls(request),
        path=PREFIX,
        **kw,
    )


def language(request: Request, viewer: Viewer | None = None) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    return viewer.language if viewer and viewer.language in LANGUAGES else "zh_CN"


def translator(lang: str) -> Callable[..., str]:
    def t(key: str, **params: object) -> str:
        return translate(key, lang, LOCALE_DIR, **params)

    return t


def render(
    request: Request,
    template: str,
    *,
    viewer: Viewer | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    lang = language(request, viewer)
    html = ENV.get_template(template).render(
        t=translator(lang),
        lang=lang,
        other_lang="en" if lang == "zh_CN" else "zh_CN",
        viewer=viewer,
        prefix=PREFIX,
        path=request.url.path,
        request=request,
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    if request.query_params.get("lang") in LANGUAGES:
        set_cookie(request, response, LANG_COOKIE, lang, max_age=365 * 86400)
    return response


class SignInNeeded(Exception):
    """No valid session: the page answers with a redirect to the login page."""


class PageMissing(Exception):
    """No such site (or other record) for a dashboard page: a 404 page, not JSON."""

    def __init__(self, viewer: Viewer | None) -> None:
        super().__init__("not found")
        self.viewer = viewer


def site_or_404(session: Session, viewer: Viewer, site_id: str) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise PageMissing(viewer)
    return site


class PageDenied(Exception):
    """The role or the sites of the viewer do not allow this page or form: 403 page."""

    def __init__(self, viewer: Viewer | None, why: str) -> None:
        super().__init__(why)
        self.viewer = viewer


def optional_viewer(request: Request, session: SessionDep) -> Viewer | None:
    with session.begin():
        return session_viewer(session, request.cookies.get(SESSION_COOKIE, ""), now())


def current_viewer(request: Request, session: SessionDep) -> Viewer:
    viewer = optional_viewer(request, session)
    if viewer is None:
        raise SignInNeeded()
    return viewer


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]


def checked_form(viewer: CurrentViewer, csrf: Annotated[str, Form(max_length=100)] = "") -> Viewer:
    """The viewer of a POST whose form carries the session's CSRF token (else 403)."""
    if not same_token(csrf, viewer.csrf):
        raise PageDenied(viewer, "the form's security token is missing or stale")
    return viewer


PostingViewer = Annotated[Viewer, Depends(checked_form)]


def require(viewer: Viewer, permission: str, site_id: str | None = None) -> None:
    """403 unless the viewer's role allows ``permission`` (at ``site_id`` when given)."""
    if not viewer.may(permission) or (site_id is not None and not viewer.sees(site_id)):
        raise PageDenied(viewer, f"{viewer.role} may not {permission} at {site_id or 'all'}")


def now() -> datetime:
    return datetime.now(UTC)
