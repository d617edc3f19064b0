"""The dashboard's own tables: people who sign in to the web dashboard and their sessions.

Passwords are argon2 hashes; a session is found by the SHA-256 digest of its cookie (the cookie
itself is never stored), so a copy of the database opens no session. Migration 0014 builds them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Base

#: what each role may do is ``accounts.ALLOWED``
ROLES = ("admin", "site_manager", "security", "viewer")


class DashboardUser(Base):
    __tablename__ = "dashboard_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    #: the sites a site manager, guard or viewer may see; ["*"] is every site (admins: all)
    sites: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: base32 TOTP secret ("" : no second factor)
    totp_secret: Mapped[str] = mapped_column(String(64), default="")
    #: the time step of the last TOTP code accepted: no code is accepted twice
    totp_last_step: Mapped[int] = mapped_column(BigInteger, default=0)
    language: Mapped[str] = mapped_column(String(16), default="zh_CN")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class DashboardSession(Base):
    __tablename__ = "dashboard_sessions"
    #: SHA-256 of the cookie's value
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("dashboard_users.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
