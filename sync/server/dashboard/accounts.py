"""Dashboard accounts: argon2 passwords, an optional TOTP second factor, server-side sessions
and what each role may do.

A login is checked against the API's ``FailureLimiter`` mechanism (``attempts.LOGINS``) twice:
per client address and per account name, so neither many guesses from one place nor a slow
guess at one account from many places gets far; once over the free attempts each failure locks
for twice as long (up to ``attempts.LOGINS.cap``), and a locked login is refused even with the
right password. A failure never says which part was wrong.

Roles: ``admin`` does everything on every site; ``site_manager`` runs the sites in its list
(directory, kiosks, exports, alerts, tickets, the desk's staff accounts, emergency incidents);
``security`` watches its sites (on-site board, visit log, watchlist, alerts, emergency
incidents); ``viewer`` sees its sites' counts
only, no personal data. Privacy requests and incidents (``privacy``) are for admins alone.
Emergency incidents (``incidents``) are for admins, site managers and security.

Must never: store a password, a session cookie or a TOTP code; tell apart "no such user",
"wrong password" and "wrong code".
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kiosk.core.config.errors import ValidationError

from .. import attempts
from ..security import digest
from .models import ROLES, DashboardSession, DashboardUser

Permission = Literal[
    "overview",
    "personal",
    "export",
    "directory",
    "alerts",
    "sites",
    "kiosks",
    "audit",
    "invite",
    "users",
    "watchlist",
    "tickets",
    "staff",
    "privacy",
    "incidents",
]
#: what each role may do (``overview``: counts only; ``personal``: names of visitors and hosts)
ALLOWED: dict[str, frozenset[str]] = {
    "admin": frozenset(
        (
            "overview",
            "personal",
            "export",
            "directory",
            "alerts",
            "sites",
            "kiosks",
            "audit",
            "invite",
            "users",
            "watchlist",
            "tickets",
            "staff",
            "privacy",
            "incidents",
        )
    ),
    "site_manager": frozenset(
        (
            "overview",
            "personal",
            "export",
            "directory",
            "alerts",
            "kiosks",
            "invite",
            "tickets",
            "staff",
            "incidents",
        )
    ),
    "security": frozenset(("overview", "personal", "alerts", "watchlist", "incidents")),
    "viewer": frozenset(("overview",)),
}
#: a session ends this long after login, whatever happens
SESSION_HOURS = 8
#: ... or after this long without a request
IDLE_MINUTES = 30
MIN_PASSWORD = 10
_HASHER = PasswordHasher()
#: verified against when the name is unknown, so both cost the same time
_DUMMY_HASH = _HASHER.hash("no such user: the same work as a real one")


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is signed in, as the pages see it."""

    id: int
    name: str
    role: str
    sites: tuple[str, ...]
    language: str
    session_id: str
    csrf: str

    @property
    def actor(self) -> str:
        """The pseudonymous id the audit log names (never the login name)."""
        return f"hq-{self.id}"

    def may(self, permission: str) -> bool:
        return permission in ALLOWED.get(self.role, frozenset())

    def sees(self, site_id: str) -> bool:
        return self.role == "admin" or "*" in self.sites or site_id in self.sites


class LoginRefused(Exception):
    """Wrong name, password or code (deliberately one answer), or a disabled account."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"a password has at least {MIN_PASSWORD} characters")
    return _HASHER.hash(password)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: DashboardUser, issuer: str = "Lobby kiosk head office") -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.name, issuer_name=issuer)


def create_user(
    session: Session,
    *,
    name: str,
    password: str,
    role: str,
    sites: list[str] | None = None,
    totp: bool = False,
    language: str = "zh_CN",
) -> DashboardUser:
    """A new account (in the session's transaction); ``ValidationError`` for a bad field."""
    if role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}")
    if not name or len(name) > 200:
        raise ValidationError("a name of 1 to 200 characters is needed")
    if session.scalar(select(DashboardUser).where(DashboardUser.name == name)) is not None:
        raise ValidationError(f"a dashboard user {name!r} exists already")
    user = DashboardUser(
        name=name,
        password_hash=hash_password(password),
        role=role,
        sites=list(sites or []),
        totp_secret=new_totp_secret() if totp else "",
        language=language,
        created_at=datetime.now(UTC),
    )
    session.add(user)
    session.flush()
    return user


def check_login(session: Session, *, name: str, password: str, code: str) -> DashboardUser:
    """The user whose name, password and (when set up) TOTP code match; ``LoginRefused``."""
    user = session.scalar(select(DashboardUser).where(DashboardUser.name == name))
    try:
        _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError) as e:
        raise LoginRefused() from e
    if user is None or user.disabled:
        raise LoginRefused()
    if user.totp_secret:
        step = _totp_step(user.totp_secret, code.strip().replace(" ", ""))
        # a code works once: one seen at a sign-in (or an earlier one) is refused, so a code
        # read over a shoulder or from a proxy's log cannot be replayed within its 90 s
        if step is None or step <= user.totp_last_step:
            raise LoginRefused()
        user.totp_last_step = step
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    return user


def _totp_step(secret: str, code: str) -> int | None:
    """The time step whose code ``code`` is (this one or one either side), or None."""
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(datetime.now(UTC))
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def login_keys(address: str, name: str) -> tuple[str, str]:
    """The two limiter keys of one attempt: the client's address and the account's name."""
    return address, f"account:{name.casefold()}"


def check_not_locked(address: str, name: str) -> None:
    """429 (``HTTPException``) while this address or account is locked out."""
    for key in login_keys(address, name):
        attempts.LOGINS.check(key)


def count_failure(address: str, name: str) -> None:
    for key in login_keys(address, name):
        attempts.LOGINS.failed(key)


def open_session(session: Session, user: DashboardUser, now: datetime) -> str:
    """A new session for ``user``; returns the cookie's value (only its digest is stored)."""
    cookie = secrets.token_urlsafe(32)
    session.add(
        DashboardSession(
            id=digest(cookie),
            user_id=user.id,
            csrf=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + timedelta(hours=SESSION_HOURS),
            last_seen_at=now,
        )
    )
    # a login is a good moment to forget every expired session
    session.execute(delete(DashboardSession).where(DashboardSession.expires_at < now))
    return cookie


def session_viewer(session: Session, cookie: str, now: datetime) -> Viewer | None:
    """Who holds this session cookie, or None (unknown, expired, idle, account disabled)."""
    if not cookie:
        return None
    row = session.get(DashboardSession, digest(cookie))
    if row is None:
        return None
    idle = now - row.last_seen_at > timedelta(minutes=IDLE_MINUTES)
    user = session.get(DashboardUser, row.user_id)
    if row.expires_at <= now or idle or user is None or user.disabled:
        session.delete(row)
        return None
    if now - row.last_seen_at > timedelta(minutes=1):  # at most one write a minute
        row.last_seen_at = now
    return Viewer(
        id=user.id,
        name=user.name,
        role=user.role,
        sites=tuple(user.sites or ()),
        language=user.language,
        session_id=row.id,
        csrf=row.csrf,
    )


def close_session(session: Session, session_id: str) -> None:
    session.execute(delete(DashboardSession).where(DashboardSession.id == session_id))


def same_token(given: str, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())
