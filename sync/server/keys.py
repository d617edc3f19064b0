"""Head office's key hierarchy: one master secret, per-site keys derived from it by purpose.

The master secret comes from, first to last: ``$KIOSK_SERVER_SECRET`` (or the older
``$KIOSK_SERVER_REPLY_SECRET``); the file named by ``$KIOSK_SERVER_SECRET_FILE`` (or
``kiosk-server --secret-file``), refused when group or others may read it; else the database's
``server_secrets`` row, which ``kiosk-server migrate`` creates once (256 random bits), so every
server process and every host behind a load balancer shares it with no extra setup.

Each site's key for a purpose (``kiosk.core.keys.hierarchy.KeyPurpose``) is ``derive(master,
purpose, site, version)``. ``site_key_versions`` holds one row per rotation (``rotate-key``);
without a row a key is at version 1. A token signed with an older version still verifies while what
it signed can still be valid: its expiry is at most the rotation time plus the purpose's
``HONOUR_SECONDS``. A rotation also appends ``site.key_rotated`` to the site's pull feed, so the
site's kiosks fetch the new version (``GET /api/v1/sync/keys``, their own site and
``KIOSK_PURPOSES`` only).

Never logs a key or the secret, and never answers one on an admin route.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import APIRouter, HTTPException, Response, status
from sqlalchemy import Integer, String, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from kiosk.core.config.errors import ConfigError
from kiosk.core.events import SiteKeyRotated
from kiosk.core.keys.hierarchy import HONOUR_SECONDS, KIOSK_PURPOSES, KeyPurpose, SiteKey, derive

from .api.deps import CurrentKiosk, SessionDep
from .changes import append_change
from .models import Base

SECRET_ENV = "KIOSK_SERVER_SECRET"
LEGACY_SECRET_ENV = "KIOSK_SERVER_REPLY_SECRET"
SECRET_FILE_ENV = "KIOSK_SERVER_SECRET_FILE"
#: the address hosts' phones open links at, told to kiosks with their keys
PUBLIC_URL_ENV = "KIOSK_SERVER_PUBLIC_URL"
MASTER = "master"

router = APIRouter(tags=["sync"])


class ServerSecret(Base):
    """A secret of head office itself (``master``: what every site key is derived from)."""

    __tablename__ = "server_secrets"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]


class SiteKeyVersion(Base):
    """One rotation: from ``created_at`` on, ``version`` is the site's key for ``purpose``."""

    __tablename__ = "site_key_versions"
    site_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime]


@dataclass(frozen=True, slots=True)
class MasterSecret:
    value: bytes
    #: where it came from, for messages: "$KIOSK_SERVER_SECRET", "file /etc/…", "the database"
    source: str

    def __repr__(self) -> str:
        return f"MasterSecret(from {self.source})"


def configured_secret(environ: dict[str, str] | None = None) -> MasterSecret | None:
    """The secret the environment gives (variable or file), or None to use the database's.

    ``ConfigError`` naming the file when it is missing, empty, or readable by group or others.
    """
    env = os.environ if environ is None else environ
    for name in (SECRET_ENV, LEGACY_SECRET_ENV):
        if env.get(name):
            return MasterSecret(env[name].encode("utf-8"), f"${name}")
    path_text = env.get(SECRET_FILE_ENV, "")
    if not path_text:
        return None
    path = Path(path_text)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise ConfigError(
                f"secret file {path} may be read by others (mode {mode:04o}); run: chmod 600 {path}"
            )
        value = path.read_bytes().strip()
    except OSError as e:
        raise ConfigError(f"secret file {path} cannot be read: {e.strerror}") from e
    if not value:
        raise ConfigError(f"secret file {path} is empty")
    return MasterSecret(value, f"file {path}")


def master_secret(session: Session, environ: dict[str, str] | None = None) -> MasterSecret | None:
    """The master secret in force, or None when there is none (``migrate`` was not run)."""
    configured = configured_secret(environ)
    if configured is not None:
        return configured
    row = session.get(ServerSecret, MASTER)
    return MasterSecret(bytes.fromhex(row.value), "the database") if row else None


def ensure_master_secret(
    session: Session, *, now: datetime | None = None
) -> tuple[MasterSecret, bool]:
    """The secret in force, and whether it was created now: the database's is created once,
    when neither the environment nor an earlier migrate gave one.

    Several processes migrating at once: the primary key lets one insert win; the others read it.
    """
    found = master_secret(session)
    if found is not None:
        return found, False
    try:
        with session.begin_nested():
            session.add(
                ServerSecret(
                    name=MASTER,
                    value=secrets.token_hex(32),
                    created_at=now or datetime.now(UTC),
                )
            )
    except IntegrityError:
        pass
    created = master_secret(session)
    assert created is not None
    return created, True


def current_version(session: Session, site_id: str, purpose: KeyPurpose) -> int:
    latest = session.scalar(
        select(func.max(SiteKeyVersion.version)).where(
            SiteKeyVersion.site_id == site_id, SiteKeyVersion.purpose == purpose.value
        )
    )
    return int(latest or 1)


def current_key(session: Session, site_id: str, purpose: KeyPurpose) -> SiteKey | None:
    """The version to sign with now, or None without a master secret."""
    master = master_secret(session)
    if master is None:
        return None
    version = current_version(session, site_id, purpose)
    return SiteKey(purpose, version, derive(master.value, purpose, site_id, version))


def verifying_key(
    session: Session, site_id: str, purpose: KeyPurpose, version: int
) -> tuple[bytes, datetime | None] | None:
    """The key of ``version`` and, for a retired version, the latest expiry it may vouch for.

    None when there is no master secret or no such version (a version from the future).
    """
    master = master_secret(session)
    if master is None or version > current_version(session, site_id, purpose):
        return None
    successor = session.get(SiteKeyVersion, (site_id, purpose.value, version + 1))
    honoured_until = None
    if successor is not None:
        retired = successor.created_at
        honoured_until = retired + timedelta(seconds=HONOUR_SECONDS[purpose])
    return derive(master.value, purpose, site_id, version), honoured_until


def rotate_key(
    session: Session, site_id: str, purpose: KeyPurpose, *, now: datetime | None = None
) -> int:
    """Start a new version of the site's key for ``purpose``; tell the site's kiosks.

    ``UnknownSiteError`` for a site head office does not have; ``ValueError`` for the staff
    PIN pepper (a new version would make every PIN of the site fail). Returns the new version.
    """
    if purpose is KeyPurpose.STAFF_PIN:
        raise ValueError("the staff-pin key is not rotated: reset the site's PINs instead")
    version = current_version(session, site_id, purpose) + 1
    session.add(
        SiteKeyVersion(
            site_id=site_id,
            purpose=purpose.value,
            version=version,
            created_at=now or datetime.now(UTC),
        )
    )
    session.flush()  # two rotations at once: the primary key lets one win
    append_change(
        session,
        site_id=site_id,
        change=SiteKeyRotated(purpose=purpose.value, version=version),
    )
    return version


@router.get("/sync/keys")
def site_keys(kiosk: CurrentKiosk, session: SessionDep, response: Response) -> dict[str, object]:
    """The calling kiosk's site keys (current versions, hex), the purposes a kiosk may hold."""
    response.headers["Cache-Control"] = "no-store"
    with session.begin():
        keys = [current_key(session, kiosk.site_id, p) for p in sorted(KIOSK_PURPOSES)]
    if any(k is None for k in keys):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail="no master secret: run kiosk-server migrate"
        )
    return {
        "site_id": kiosk.site_id,
        "public_url": os.environ.get(PUBLIC_URL_ENV, ""),
        "keys": [
            {"purpose": k.purpose.value, "version": k.version, "key": k.key.hex()}
            for k in keys
            if k is not None
        ],
    }


def startup_problems(session: Session, *, public_url: str | None) -> list[str]:
    """What ``serve`` warns about at start. ``ConfigError`` for a secret file it must refuse."""
    problems = []
    with session.begin():
        if master_secret(session) is None:
            problems.append(
                "no master secret: run kiosk-server migrate (reply and route links are off)"
            )
    url = public_url if public_url is not None else os.environ.get(PUBLIC_URL_ENV, "")
    if not url:
        problems.append(
            f"no public URL (--public-url or ${PUBLIC_URL_ENV}): links in host messages and "
            "route QR codes use the address each kiosk reaches head office at, which hosts' "
            "phones may not reach"
        )
    return problems


def key_command(sessions, command: str, site_id: str, purpose: KeyPurpose) -> int:
    """``kiosk-server rotate-key`` / ``show-key``: prints to stdout, problems to stderr."""
    import sys

    from .models import Site

    with sessions() as session, session.begin():
        if master_secret(session) is None:
            print("no master secret: run kiosk-server migrate first", file=sys.stderr)
            return 1
        if session.get(Site, site_id) is None:
            print(f"no site {site_id!r}", file=sys.stderr)
            return 1
        if command == "show-key":
            key = current_key(session, site_id, purpose)
            assert key is not None
            print(f"{key.version}:{key.key.hex()}")
            return 0
        if purpose is KeyPurpose.STAFF_PIN:
            print("the staff-pin key is not rotated: reset the site's PINs", file=sys.stderr)
            return 1
        version = rotate_key(session, site_id, purpose)
    hours = HONOUR_SECONDS[purpose] / 3600
    if purpose is KeyPurpose.BADGE:
        honoured = (
            f"badges signed with version {version - 1} keep checking out until they expire "
            "([printer] badge_valid_hours after printing)"
        )
    else:
        honoured = f"links signed with version {version - 1} keep working for up to {hours:g} h"
    print(f"site {site_id}: {purpose.value} key is now version {version}; {honoured}")
    return 0
