"""Typed dependencies: the database session and who is calling.

Kiosk tokens and admin tokens are separate kinds: a kiosk token never opens an admin route
(403), an admin token never pushes events. ``SessionDep`` is what other server modules
(``sync/server/replies.py``) use to reach the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import attempts
from ..models import Admin, Kiosk
from ..security import ADMIN_TOKEN_PREFIX, KIOSK_TOKEN_PREFIX, digest

bearer = HTTPBearer(auto_error=False, description="kiosk token (kt_…) or admin token (at_…)")


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessionmaker() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

_UNAUTHORIZED = HTTPException(
    status.HTTP_401_UNAUTHORIZED,
    detail="missing, unknown or revoked token",
    headers={"WWW-Authenticate": "Bearer"},
)


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or not credentials.credentials:
        raise _UNAUTHORIZED
    return credentials.credentials


def kiosk_token(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str:
    """The caller's bearer token, the address's failures checked first (429)."""
    attempts.TOKENS.check(attempts.address(request))
    return _token(credentials)


def refused_kiosk(request: Request, token: str) -> HTTPException:
    """The answer to a token that names no usable kiosk: 403 for an admin token, else 401
    (counted against the address)."""
    if token.startswith(ADMIN_TOKEN_PREFIX):
        return HTTPException(status.HTTP_403_FORBIDDEN, detail="a kiosk token is required")
    return _refused(request)


def _kiosk_for(session: Session, token: str) -> Kiosk | None:
    if not token.startswith(KIOSK_TOKEN_PREFIX):
        return None
    return session.scalar(
        select(Kiosk).where(Kiosk.token_hash == digest(token), Kiosk.revoked_at.is_(None))
    )


def _refused(request: Request) -> HTTPException:
    """Count an unknown token against its address (logged without the token)."""
    attempts.TOKENS.failed(attempts.address(request))
    return _UNAUTHORIZED


def current_kiosk(request: Request, credentials: Credentials) -> Kiosk:
    """The calling kiosk, read in a read-only transaction of its own (``db.reading``: on SQLite
    no write lock), so the route's session opens only the transaction the route needs."""
    token = kiosk_token(request, credentials)
    with Session(request.app.state.read_engine, expire_on_commit=False) as session:
        kiosk = _kiosk_for(session, token)
        session.commit()  # ends the read (a rollback would expire the kiosk's attributes)
    if kiosk is None:
        raise refused_kiosk(request, token)
    return kiosk


def current_admin(request: Request, session: SessionDep, credentials: Credentials) -> Admin:
    attempts.TOKENS.check(attempts.address(request))
    token = _token(credentials)
    admin = None
    if token.startswith(ADMIN_TOKEN_PREFIX):
        admin = session.scalar(
            select(Admin).where(Admin.token_hash == digest(token), Admin.revoked_at.is_(None))
        )
    if admin is None:
        if _kiosk_for(session, token) is not None:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="an admin token is required")
        raise _refused(request)
    session.commit()
    return admin


CurrentKiosk = Annotated[Kiosk, Depends(current_kiosk)]
CurrentAdmin = Annotated[Admin, Depends(current_admin)]
